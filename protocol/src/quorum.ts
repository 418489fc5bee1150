import type { Hex } from './messages.ts'

/**
 * BFT quorum: with n >= 3f + 1 members, 2f + 1 reveals outvote any f faulty members.
 * n - floor((n - 1) / 3) is 2f + 1 when n = 3f + 1 and grows by one with each further member.
 * The divisor 3 is a network parameter (quorumFaultDivisor, governance sets it on chain): with
 * divisor d the network tolerates f faulty of n >= d*f + 1 and needs n - floor((n - 1) / d) reveals.
 */
export const DEFAULT_FAULT_DIVISOR = 3

export function quorumThreshold (memberCount: number, faultDivisor: number = DEFAULT_FAULT_DIVISOR): number {
  if (!Number.isSafeInteger(memberCount) || memberCount < 1) {
    throw new RangeError('memberCount must be a positive integer')
  }
  if (!Number.isSafeInteger(faultDivisor) || faultDivisor < 2) {
    throw new RangeError('faultDivisor must be an integer >= 2')
  }
  return memberCount - Math.floor((memberCount - 1) / faultDivisor)
}

/**
 * f + 1 with f = floor((n - 1) / divisor): the fewest distinct members of n of whom at least one is honest
 * (MemberQuorum.oneHonest on chain; a data-market order is paid on this many Delivered signatures). 1 for none.
 */
export function oneHonestThreshold (memberCount: number, faultDivisor: number = DEFAULT_FAULT_DIVISOR): number {
  return memberCount < 1 ? 1 : Math.floor((memberCount - 1) / faultDivisor) + 1
}

export function hasQuorum (verdictCount: number, memberCount: number, faultDivisor: number = DEFAULT_FAULT_DIVISOR): boolean {
  return verdictCount >= quorumThreshold(memberCount, faultDivisor)
}

/**
 * The divisor a NetworkParameters value stands for: 0 (never set), or anything that is not an
 * integer >= 2, means the default 3. Nodes and light clients read the parameter through this one
 * rule, so they agree on every report's quorum.
 */
export function faultDivisorFrom (value: bigint | number | null | undefined): number {
  if (value == null) return DEFAULT_FAULT_DIVISOR
  const n = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : 0) : value
  return Number.isSafeInteger(n) && n >= 2 ? n : DEFAULT_FAULT_DIVISOR
}

/** What a member holds of one job when it decides whether to attest now (SPEC section 7). */
export interface HeldReveals {
  /** the number of members at the job's block */
  memberCount: number
  /** the members whose commitment it holds */
  committed: Iterable<Hex>
  /** the members whose reveal (verdict) it holds */
  revealed: { has(member: Hex): boolean, readonly size: number }
  commitDeadline: number
  /** its own clock */
  now: number
}

/**
 * Nothing more can change what a member attests to, so it attests now (SPEC section 7): it holds a
 * reveal from every member, or the commit window has closed on its clock (a commitment is taken while
 * now <= commitDeadline, and a reveal needs one) and it holds a reveal from every member whose
 * commitment it holds. Otherwise it waits for reveals until the reveal window closes (timing.ts attestAt).
 */
export function revealsComplete (held: HeldReveals): boolean {
  if (held.revealed.size >= held.memberCount) return true
  if (held.now <= held.commitDeadline) return false
  for (const member of held.committed) if (!held.revealed.has(member)) return false
  return true
}
