/**
 * Whether an anchor proposal a peer served for an anchored epoch may be stored (SPEC 17, "Reports fetched
 * from peers"): a member down when the epoch was proposed never matches the anchored root to its jobs. The
 * answer must be an anchor proposal in the gossip schema, for the epoch and root anchored on chain, signed
 * by a member at the epoch's first block, with leaves that build that root: the checks a gossiped proposal
 * gets (SPEC 15), but for an epoch already anchored. Its reports are then fetched and each held to its leaf.
 */
import { GossipValidationError, parseMessage, validateAnchorProposal } from '#protocol/index.ts'
import { FetchedReportError } from './report-check.ts'
import type { AnchorProposal, Hex } from '#protocol/messages.ts'
import type { FetchChainView } from './report-check.ts'

export interface AnchoredRoot {
  epoch: number
  root: Hex
}

/** The proposal, once every check holds; FetchedReportError (WRONG_PROPOSAL, INVALID_PROPOSAL) otherwise. */
export function checkFetchedProposal (value: unknown, anchored: AnchoredRoot, chain: FetchChainView & { epochBlocks: number }): AnchorProposal {
  let msg: AnchorProposal
  try {
    const parsed = parseMessage('anchors', value)
    if (parsed.type !== 'anchor-proposal') throw new FetchedReportError('INVALID_PROPOSAL', 'not an anchor proposal')
    msg = parsed
  } catch (err) {
    if (err instanceof GossipValidationError) throw new FetchedReportError('INVALID_PROPOSAL', err.message, err.code)
    throw err
  }
  if (msg.epoch !== anchored.epoch || msg.root.toLowerCase() !== anchored.root.toLowerCase()) throw new FetchedReportError('WRONG_PROPOSAL', 'a proposal of another epoch or root')
  try {
    validateAnchorProposal(msg, {
      chainId: chain.chainId,
      registry: chain.registry,
      followedBlock: chain.follower.followedBlock,
      isMemberAt: (member, block) => chain.follower.membersAt(block).includes(member.toLowerCase() as Hex),
      epochBlocks: chain.epochBlocks,
      // anchored is what is asked for here: the gossip rule that ignores anchored epochs does not apply
      isAnchored: () => false
    })
  } catch (err) {
    if (err instanceof GossipValidationError) throw new FetchedReportError('INVALID_PROPOSAL', err.message, err.code)
    throw err
  }
  return msg
}
