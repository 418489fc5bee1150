// Evidence of equivocation from an untrusted source (a node's /api/virusmap/evidence answer, a file
// someone passed on), checked as the EquivocationEvidence contract will check it, so a submission
// that would revert costs nothing: both messages are schema-valid protocol messages, name one member
// and one job, differ, and recover to that member under this chain and registry. Pure.
import { parseMessage } from '#protocol/encoding.ts'
import { EVIDENCE_KIND_TOPIC, EvidenceError, checkEquivocation } from '#protocol/evidence.ts'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { Hex } from '#protocol/messages.ts'

export { EvidenceError }
export type { CheckedEvidence }
export type { EvidenceErrorCode } from '#protocol/evidence.ts'

/** The largest evidence text read: two verdict messages at their 64 KiB gossip limit and the wrapping. */
export const MAX_EVIDENCE_BYTES = 160 * 1024

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * One evidence object as the node's API serves it ({type: "evidence", id, attributes: {kind, member,
 * job_id, first, second, ...}}) or its attributes alone. Throws EvidenceError.
 */
export function checkEvidence (value: unknown, chainId: number, registry: Hex): CheckedEvidence {
  const e = isObject(value) && isObject(value.attributes) ? value.attributes : value
  if (!isObject(e)) throw new EvidenceError('MALFORMED', 'evidence must be a JSON object')
  if (e.kind !== 'commitment' && e.kind !== 'verdict' && e.kind !== 'attestation') throw new EvidenceError('MALFORMED', 'evidence kind must be "commitment", "verdict" or "attestation"')
  let first, second
  try {
    first = parseMessage(EVIDENCE_KIND_TOPIC[e.kind], e.first)
    second = parseMessage(EVIDENCE_KIND_TOPIC[e.kind], e.second)
  } catch (err) {
    throw new EvidenceError('MALFORMED', `evidence messages are not valid ${e.kind}s: ${(err as Error).message.slice(0, 200)}`, { cause: err })
  }
  return checkEquivocation(e.kind, first, second, chainId, registry)
}
