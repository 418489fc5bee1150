import { setTimeout as sleep } from 'node:timers/promises'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { Routing, Provider, Peer } from '@helia/interface'
import type { Libp2p, PeerInfo } from '@libp2p/interface'

function toPeer (info: PeerInfo): Peer {
  return { id: info.id.toCID(), multiaddrs: info.multiaddrs, router: 'libp2p-router' }
}

export interface Libp2pRoutingOptions {
  /**
   * How long a provider query waits before it asks the DHT. Bitswap queries for every block it wants
   * while it sends the want to every connected peer, and aborts the query once the block arrives.
   * Members are connected to each other and a job's origin holds its blocks, so the want answers
   * first; without the wait every block a member fetches cost a DHT walk (about a dozen streams),
   * n² of them a job. The query still runs for a block no connected peer sends in time.
   */
  providerQueryDelayMs?: number
}

export const DEFAULT_PROVIDER_QUERY_DELAY_MS = 2000

/**
 * Helia's Routing over libp2p's own content and peer routing (kad-dht when it is configured):
 * what bitswap uses to announce the blocks we hold and to find who holds the ones we want.
 */
export function createLibp2pRouting (libp2p: Libp2p, init: Libp2pRoutingOptions = {}): Routing {
  const delayMs = init.providerQueryDelayMs ?? DEFAULT_PROVIDER_QUERY_DELAY_MS
  return {
    async provide (cid, options) {
      await libp2p.contentRouting.provide(cid, options)
    },
    async cancelReprovide (cid, options) {
      await libp2p.contentRouting.cancelReprovide(cid, options)
    },
    async * findProviders (cid, options): AsyncGenerator<Provider> {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: options?.signal })
      for await (const info of libp2p.contentRouting.findProviders(cid, options)) {
        yield { ...toPeer(info), fallback: false }
      }
    },
    async put (key, value, options) {
      await libp2p.contentRouting.put(key, value, options)
    },
    async get (key, options) {
      return new Uint8Array(await libp2p.contentRouting.get(key, options))
    },
    async findPeer (peer, options) {
      return toPeer(await libp2p.peerRouting.findPeer(peerIdFromCID(peer), options))
    },
    async * getClosestPeers (key, options) {
      for await (const info of libp2p.peerRouting.getClosestPeers(key, options)) yield toPeer(info)
    }
  }
}
