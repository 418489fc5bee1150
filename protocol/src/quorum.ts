/**
 * BFT quorum: with n >= 3f + 1 members, 2f + 1 reveals outvote any f faulty members.
 * n - floor((n - 1) / 3) is 2f + 1 when n = 3f + 1 and grows by one with each further member.
 */
export function quorumThreshold (memberCount: number): number {
  if (!Number.isSafeInteger(memberCount) || memberCount < 1) {
    throw new RangeError('memberCount must be a positive integer')
  }
  return memberCount - Math.floor((memberCount - 1) / 3)
}

export function hasQuorum (verdictCount: number, memberCount: number): boolean {
  return verdictCount >= quorumThreshold(memberCount)
}
