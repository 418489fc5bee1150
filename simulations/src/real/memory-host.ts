import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { virusmapGossipsubOptions } from '../../../node/src/network/gossipsub-options.ts'
import { DEFAULT_MAX_WAIT_MS } from '../../../node/src/network/pending-validations.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

export type SimServices = { identify: Identify, pubsub: GossipSub }
export type SimLibp2p = Libp2p<SimServices>

/** What a host's gossipsub sent and received, counted through gossipsub's own metrics hooks. */
export interface Traffic {
  bytesIn: number
  bytesOut: number
  duplicates: number
}

/**
 * A supernode's libp2p host over @libp2p/memory instead of tcp, with the node's own gossipsub
 * settings (node/src/network/gossipsub-options.ts). The DHT is left out: peers are dialled directly.
 */
export async function createMemoryHost (privateKey: PrivateKey, address: string, latencyMs: number, waitBoundMs = DEFAULT_MAX_WAIT_MS): Promise<SimLibp2p> {
  return await createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: [address] },
    transports: [memory({ latency: latencyMs })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // every host shares this one thread, so under load a handshake outlasts the 10 s meant for a network
    connectionManager: { maxConnections: 1000, dialTimeout: 60_000, addressDialTimeout: 60_000, inboundUpgradeTimeout: 60_000 },
    // libp2p pings every connection each 10 s and aborts it when the ping times out: on this one starved
    // thread a ping waits behind every member's validations, and at 50 members every host lost all its
    // connections within a minute. A memory connection cannot fail, so there is nothing to monitor.
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      // a validation may wait waitBoundMs: the cache keeps a message that long and 3 heartbeats more, as the node's does
      pubsub: gossipsub({ ...virusmapGossipsubOptions(), mcacheLength: Math.max(virusmapGossipsubOptions().mcacheLength ?? 0, Math.ceil(waitBoundMs / 1000) + 3) })
    }
  })
}

/** Any metric gossipsub touches: callable, and every property is another such no-op. */
const noopTarget = (): unknown => undefined

function noopMetric (): unknown {
  const target = noopTarget
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : proxy),
    apply: () => undefined
  })
  return proxy
}

/**
 * Counts the host's RPC bytes and duplicate deliveries. Gossipsub reports both to its optional
 * metrics object (onRpcRecv/onRpcSent with the encoded length, onPrevalidationResult 'duplicate'),
 * so a tap there sees exactly what the wire carried, without a Prometheus registry per host.
 */
export function tapTraffic (host: SimLibp2p): Traffic {
  const traffic: Traffic = { bytesIn: 0, bytesOut: 0, duplicates: 0 }
  const noop = noopMetric()
  const hooks: Record<string, unknown> = {
    onRpcRecv: (_rpc: unknown, bytes: number) => { traffic.bytesIn += bytes },
    onRpcSent: (_rpc: unknown, bytes: number) => { traffic.bytesOut += bytes },
    onPrevalidationResult: (_topic: unknown, code: string) => { if (code === 'duplicate') traffic.duplicates++ }
  }
  const metrics = new Proxy({}, { get: (_t, key) => (typeof key === 'string' && key in hooks ? hooks[key] : noop) })
  ;(host.services.pubsub as unknown as { metrics: unknown }).metrics = metrics
  return traffic
}
