import { createHash } from 'node:crypto'
import { virusmapScoreParams, virusmapScoreThresholds } from './gossip-scoring.ts'
import type { GossipsubOpts } from '@libp2p/gossipsub'

/**
 * IDONTWANT (gossipsub v1.2) goes to every mesh peer for each message of 512 B or more: one frame
 * each, answered by a yamux window update, to save a duplicate that is one frame too while it is
 * a few KiB. Commitments, verdicts and attestations are that small, so below 16 KiB it would
 * roughly double a member's frames; a large job or verdict still announces it.
 */
const IDONTWANT_MIN_BYTES = 16 * 1024

/**
 * The supernode's gossipsub settings, whatever its transport (TCP on a node, memory in simulations/).
 * Messages on our topics carry operator signatures of their own, so gossipsub runs StrictNoSign and
 * ids messages by the hash of their bytes, as Ethereum clients do.
 */
export function virusmapGossipsubOptions (): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: 'StrictNoSign',
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    emitSelf: false,
    asyncValidation: false,
    D: 4,
    Dlo: 2,
    Dhi: 8,
    Dlazy: 4,
    idontwantMinDataSize: IDONTWANT_MIN_BYTES,
    msgIdFn: (msg) => createHash('sha256').update(msg.data).digest(),
    scoreParams: virusmapScoreParams(),
    scoreThresholds: virusmapScoreThresholds()
  }
}
