import { peerIdFromCID } from '@libp2p/peer-id'
import type { Routing, Provider, Peer } from '@helia/interface'
import type { Libp2p, PeerInfo } from '@libp2p/interface'

function toPeer (info: PeerInfo): Peer {
  return { id: info.id.toCID(), multiaddrs: info.multiaddrs, router: 'libp2p-router' }
}

/**
 * Helia's Routing over libp2p's own content and peer routing (kad-dht when it is configured):
 * what bitswap uses to announce the blocks we hold and to find who holds the ones we want.
 */
export function createLibp2pRouting (libp2p: Libp2p): Routing {
  return {
    async provide (cid, options) {
      await libp2p.contentRouting.provide(cid, options)
    },
    async cancelReprovide (cid, options) {
      await libp2p.contentRouting.cancelReprovide(cid, options)
    },
    async * findProviders (cid, options): AsyncGenerator<Provider> {
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
