import { createHash } from 'node:crypto'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { virusmapScoreParams, virusmapScoreThresholds } from './gossip-scoring.ts'
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
 * (its own protocol id, LAN addresses allowed) and gossipsub. Messages on our topics carry
 * operator signatures of their own, so gossipsub runs StrictNoSign and ids messages by the
 * hash of their bytes, as Ethereum clients do.
 */
const IDONTWANT_MIN_BYTES = 16 * 1024

export async function createLibp2pNode (opts: Libp2pNodeOptions): Promise<VirusmapLibp2p> {
  return await createLibp2p({
    privateKey: opts.privateKey,
    start: false,
    addresses: { listen: opts.listenAddrs },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        allowQueryWithZeroPeers: true
      }),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        asyncValidation: false,
        D: 4,
        Dlo: 2,
        Dhi: 8,
        Dlazy: 4,
        // IDONTWANT (gossipsub v1.2) goes to every mesh peer for each message of 512 B or more: one frame
        // each, answered by a yamux window update, to save a duplicate that is one frame too while it is
        // a few KiB. Commitments, verdicts and attestations are that small, so below 16 KiB it would
        // roughly double a member's frames; a large job or verdict still announces it.
        idontwantMinDataSize: IDONTWANT_MIN_BYTES,
        msgIdFn: (msg) => createHash('sha256').update(msg.data).digest(),
        scoreParams: virusmapScoreParams(),
        scoreThresholds: virusmapScoreThresholds()
      })
    }
  })
}
