import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { virusmapGossipsubOptions } from './gossipsub-options.ts'
import { noiseCrypto } from './noise-crypto.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

export const DHT_PROTOCOL = '/virusmap/kad/1.0.0'

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
 * The supernode's libp2p host: tcp + noise + yamux, identify, ping, a private Kademlia DHT
 * (its own protocol id, LAN addresses allowed) and gossipsub with the settings of gossipsub-options.ts.
 */
export async function createLibp2pNode (opts: Libp2pNodeOptions): Promise<VirusmapLibp2p> {
  return await createLibp2p({
    privateKey: opts.privateKey,
    start: false,
    addresses: { listen: opts.listenAddrs },
    transports: [tcp()],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
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
