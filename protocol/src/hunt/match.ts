/**
 * A member's signed notification that a vendor's ruleset matched a sample (SPEC section 19): the EIP-712
 * HuntMatch under the protocol's domain, its strict parse, and the vendor's count: a rule's match on a
 * job is confirmed once at least f+1 distinct members at the job's block signed it.
 */
import type { Signer } from 'ethers'
import { eip712 } from '../eip712.ts'
import type { Hex } from '../messages.ts'
import { quorumThreshold } from '../quorum.ts'
import { recoverMember, signTyped } from '../signing.ts'
import { HuntError } from './errors.ts'
import { ascending, boundedArray, exactObject, lowerHex, malformed, safeUint } from './parse.ts'

/** a YARA rule identifier as YARA-X accepts it, bounded */
export const RULE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
export const MAX_MATCH_RULES = 64

export interface HuntMatch {
  rulesetId: Hex
  member: Hex
  jobId: Hex
  sha256: Hex
  /** the job's membership block: whose members count */
  membershipBlock: number
  /** the matching rules, strictly ascending */
  rules: string[]
  matchedAt: number
}

export interface SignedHuntMatch {
  type: 'hunt-match'
  match: HuntMatch
  signature: Hex
}

const KEYS = ['type', 'match', 'signature'] as const
const MATCH_KEYS = ['rulesetId', 'member', 'jobId', 'sha256', 'membershipBlock', 'rules', 'matchedAt'] as const

export function huntMatchDigest (m: HuntMatch, chainId: number, registry: Hex): Hex {
  return eip712.digest('HuntMatch', m, chainId, registry) as Hex
}

export async function signHuntMatch (m: HuntMatch, chainId: number, registry: Hex, signer: Signer): Promise<SignedHuntMatch> {
  return { type: 'hunt-match', match: m, signature: await signTyped(signer, 'HuntMatch', m, chainId, registry) }
}

/** The fresh notification in key order from untrusted JSON; HuntError MALFORMED naming the first bad field. */
export function parseSignedHuntMatch (value: unknown): SignedHuntMatch {
  const o = exactObject(value, KEYS, 'notification')
  if (o.type !== 'hunt-match') malformed('type', 'not "hunt-match"')
  const m = exactObject(o.match, MATCH_KEYS, 'match')
  const rules = boundedArray(m.rules, 1, MAX_MATCH_RULES, 'match.rules').map((r, i) => {
    if (typeof r !== 'string' || !RULE_NAME.test(r)) malformed(`match.rules[${i}]`, 'not a YARA rule identifier')
    return r
  })
  ascending(rules, 'match.rules')
  return {
    type: 'hunt-match',
    match: {
      rulesetId: lowerHex(m.rulesetId, 32, 'match.rulesetId'),
      member: lowerHex(m.member, 20, 'match.member'),
      jobId: lowerHex(m.jobId, 32, 'match.jobId'),
      sha256: lowerHex(m.sha256, 32, 'match.sha256'),
      membershipBlock: safeUint(m.membershipBlock, 'match.membershipBlock'),
      rules,
      matchedAt: safeUint(m.matchedAt, 'match.matchedAt')
    },
    signature: lowerHex(o.signature, 65, 'signature')
  }
}

/** The notification's signer, which must be the member it names (HuntError BAD_SIGNATURE otherwise). */
export function checkHuntMatchSignature (n: SignedHuntMatch, chainId: number, registry: Hex): Hex {
  let signer: Hex
  try {
    signer = recoverMember(huntMatchDigest(n.match, chainId, registry), n.signature, n.match.member)
  } catch (err) {
    throw new HuntError('BAD_SIGNATURE', 'the notification\'s signature does not recover', { cause: err })
  }
  if (signer !== n.match.member) throw new HuntError('BAD_SIGNATURE', 'the notification is not signed by the member it names')
  return signer
}

/** What the vendor knows of the chain: the members at a block and the fault divisor in force there. */
export interface MatchCountContext {
  chainId: number
  registry: Hex
  membersAt(block: number): readonly Hex[]
  faultDivisorAt(block: number): number
}

export interface ConfirmedMatch {
  rulesetId: Hex
  jobId: Hex
  sha256: Hex
  rule: string
  membershipBlock: number
  /** distinct members that signed it, ascending */
  members: Hex[]
  /** f+1 at the job's block */
  needed: number
  confirmed: boolean
}

/**
 * Groups notifications by ruleset, job and rule and counts distinct signing members at the job's block.
 * A notification whose signature fails, or whose member was no member at its block, counts for nothing;
 * notifications of one job that disagree on its sha256 or block are grouped apart (only one can be true).
 */
export function countHuntMatches (notifications: readonly SignedHuntMatch[], ctx: MatchCountContext): ConfirmedMatch[] {
  const groups = new Map<string, ConfirmedMatch>()
  for (const n of notifications) {
    const m = n.match
    const members = ctx.membersAt(m.membershipBlock)
    if (!members.includes(m.member)) continue
    try {
      checkHuntMatchSignature(n, ctx.chainId, ctx.registry)
    } catch (err) {
      if (err instanceof HuntError) continue
      throw err
    }
    const f = members.length - quorumThreshold(members.length, ctx.faultDivisorAt(m.membershipBlock))
    for (const rule of m.rules) {
      const key = `${m.rulesetId}/${m.jobId}/${m.sha256}/${m.membershipBlock}/${rule}`
      const group = groups.get(key) ?? { rulesetId: m.rulesetId, jobId: m.jobId, sha256: m.sha256, rule, membershipBlock: m.membershipBlock, members: [], needed: f + 1, confirmed: false }
      if (!group.members.includes(m.member)) group.members = [...group.members, m.member].toSorted()
      group.confirmed = group.members.length >= group.needed
      groups.set(key, group)
    }
  }
  return [...groups.values()]
}
