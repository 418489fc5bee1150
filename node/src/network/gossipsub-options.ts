import { createHash } from 'node:crypto'
import { DEFAULT_MAX_WAIT_MS } from './pending-validations.ts'
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
 * Heartbeats (1 s each) back that IHAVE announces messages from. gossipsub counts them from when a message
 * was received, and announces only accepted ones; validation is asynchronous and may wait up to
 * pending-validations.ts's DEFAULT_MAX_WAIT_MS for what a relay is behind on. At gossipsub's default, 3,
 * a message accepted after a longer wait went to the relay's mesh peers and was never announced to the
 * others (node/test/network/gossipsub-options.test.ts). The cost: each message id (32 B) is announced in
 * up to 13 heartbeats instead of 3, to a few non-mesh peers each.
 */
const MCACHE_GOSSIP = Math.ceil(DEFAULT_MAX_WAIT_MS / 1000) + 1

/**
 * Heartbeats a message stays in the cache: an accept reported after it left would no longer forward it,
 * and gossipsub's slack of 2 heartbeats past the gossip window (its defaults: 3 and 5) keeps a message
 * announced last until the IWANT for it comes.
 */
const MCACHE_LENGTH = MCACHE_GOSSIP + 2

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
    // gossip.ts reports each message's validation; a relay may wait for what it is behind on (SPEC section 6)
    asyncValidation: true,
    mcacheLength: MCACHE_LENGTH,
    mcacheGossip: MCACHE_GOSSIP,
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
