import { epochRange, isEligible, leafOf, MAX_ANCHOR_PROOF, verifyAnchorProof } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { EpochAnchor } from './chain-reader.ts'
import type { VerifyProblem } from './problems.ts'

/**
 * The anchor a server serves beside a report (SPEC section 15), the VT attribute `virusmap_anchor`:
 * `{ epoch, root, proof }`, the epoch number, the root the server says ReportAnchors holds for it, and
 * the StandardMerkleTree proof of the report's leaf (sibling hashes from the leaf up; no index needed, pairs
 * are hashed sorted). Other keys are ignored. Nothing in it is trusted: the leaf is recomputed from the
 * report and the root read from the chain.
 */
export interface ServedAnchor {
  epoch: number
  root: Hex
  proof: Hex[]
}

/** What the client can say of a report's anchor: an explicit state, never a silent downgrade. */
export type AnchorStatus =
  /** the report's leaf is in the root ReportAnchors holds for `epoch`, posted in block `block` */
  | { status: 'anchored', epoch: number, block: number, root: Hex }
  /** verified under section 12 only: no anchor served, or a deployment without ReportAnchors to check one against */
  | { status: 'pending', reason: 'not-served' | 'no-anchors-contract' }
  /** an anchor was served and does not hold: see the problems */
  | { status: 'failed', epoch?: number }

const BYTES32 = /^0x[0-9a-f]{64}$/

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function malformed (why: string): VerifyProblem {
  return { code: 'ANCHOR_MISMATCH', detail: `the served anchor is malformed: ${why}` }
}

/** The served anchor in its wire shape, or why not; undefined (null too) when none was served. */
export function parseServedAnchor (value: unknown): ServedAnchor | VerifyProblem | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) return malformed('not an object')
  const { epoch, root, proof } = value
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) return malformed('epoch is not a non-negative integer')
  if (typeof root !== 'string' || !BYTES32.test(root)) return malformed('root is not 32 bytes of lowercase hex')
  if (!Array.isArray(proof) || proof.length > MAX_ANCHOR_PROOF) return malformed(`proof is not a list of at most ${MAX_ANCHOR_PROOF} hashes`)
  if (!proof.every((p) => typeof p === 'string' && BYTES32.test(p))) return malformed('a proof entry is not 32 bytes of lowercase hex')
  return { epoch, root: root as Hex, proof: proof as Hex[] }
}

/**
 * Holds a served anchor to the chain's (SPEC section 15): the leaf recomputed from the report is under the
 * root ReportAnchors holds for the epoch, the report is eligible for that epoch, and the epoch was anchored
 * while its members' keys still count. `chain` is what the chain says of the epoch. Pure.
 */
export function checkAnchor (report: Report, served: ServedAnchor, chain: EpochAnchor): { status: AnchorStatus, problems: VerifyProblem[] } {
  const { epoch } = served
  const failed = (code: VerifyProblem['code'], detail: string): { status: AnchorStatus, problems: VerifyProblem[] } =>
    ({ status: { status: 'failed', epoch }, problems: [{ code, detail }] })
  const { anchor } = chain
  if (anchor === undefined) return failed('ANCHOR_MISMATCH', `epoch ${epoch} has no anchor on chain`)
  if (anchor.root !== served.root) return failed('ANCHOR_MISMATCH', `the served root of epoch ${epoch} is not the one on chain (${anchor.root})`)
  let leaf: ReturnType<typeof leafOf>
  try {
    leaf = leafOf(report)
  } catch (err) {
    return failed('ANCHOR_MISMATCH', `the report has no leaf: ${(err as Error).message}`)
  }
  if (!verifyAnchorProof(anchor.root, leaf, served.proof)) return failed('ANCHOR_MISMATCH', `the report's leaf is not in epoch ${epoch}'s root by the served proof`)
  const { job } = report.job
  if (!isEligible(job, epoch, chain.epochBlocks, anchor.maxJobAgeBlocks)) {
    return failed('ANCHOR_INELIGIBLE', `the job at block ${job.membershipBlock} is not eligible for epoch ${epoch} (${chain.epochBlocks} blocks, maxJobAgeBlocks ${anchor.maxJobAgeBlocks})`)
  }
  const { end } = epochRange(epoch, chain.epochBlocks)
  if (anchor.anchoredAt - end > anchor.maxJobAgeBlocks) {
    return failed('ANCHOR_LATE', `epoch ${epoch} ended at block ${end} and was anchored at block ${anchor.anchoredAt}, more than maxJobAgeBlocks (${anchor.maxJobAgeBlocks}) later`)
  }
  return { status: { status: 'anchored', epoch, block: anchor.anchoredAt, root: anchor.root }, problems: [] }
}
