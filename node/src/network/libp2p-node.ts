import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { virusmapGossipsubOptions } from './gossipsub-options.ts'
import { noiseCrypto } from './noise-crypto.ts'
import { quietNoise } from './noise-frames.ts'
import { halfWindowYamux } from './yamux-window.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

export const DHT_PROTOCOL = '/virusmap/kad/1.0.0'

/**
 * libp2p's connection monitor pings every connection and aborts it when the answer is late. Its
 * defaults (every 10 s, late after 5 s) take a stall of a loaded supernode's event loop (signature
 * checks of a backlog of job messages), on either end, for a dead peer: such a node lost all its
 * connections, and its mesh, when it was busiest (node/test/network/libp2p-stall.slow.test.ts). Here a
 * stall of up to PING_TIMEOUT_MS keeps them, and a peer that is gone without a FIN (a host down, a
 * partition) is still dropped within PING_INTERVAL_MS + PING_TIMEOUT_MS; nothing else would drop it
 * soon: TCP's inactivity timeout never fires while yamux writes its keep-alive pings.
 * The timeout stays below the interval: a ping still waiting when the next one starts exceeds the ping
 * service's one outbound stream per connection (@libp2p/ping), and that failure aborts the connection too.
 */
export const PING_INTERVAL_MS = 30_000
export const PING_TIMEOUT_MS = 20_000

// a type alias, not an interface: libp2p's ServiceMap needs an index-compatible type
export type NetworkServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

export type VirusmapLibp2p = Libp2p<NetworkServices>

export interface Libp2pNodeOptions {
  privateKey: PrivateKey
  listenAddrs: string[]
}

/**
 * The supernode's libp2p host: tcp + noise (with its frame reader of noise-frames.ts) + yamux (crediting windows at half, yamux-window.ts), identify, ping, a private Kademlia DHT
 * (its own protocol id, LAN addresses allowed) and gossipsub with the settings of gossipsub-options.ts.
 */
export async function createLibp2pNode (opts: Libp2pNodeOptions): Promise<VirusmapLibp2p> {
  return await createLibp2p({
    privateKey: opts.privateKey,
    start: false,
    addresses: { listen: opts.listenAddrs },
    transports: [tcp()],
    connectionEncrypters: [quietNoise({ crypto: noiseCrypto })],
    streamMuxers: [halfWindowYamux()],
    // the ping timeout is adaptive between these bounds (from past pings): both pinned
    connectionMonitor: { pingInterval: PING_INTERVAL_MS, pingTimeout: { minTimeout: PING_TIMEOUT_MS, maxTimeout: PING_TIMEOUT_MS } },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub(virusmapGossipsubOptions())
    }
  })
}
