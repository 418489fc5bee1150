import tap from 'tap'
import { jobHoldsAt, reportMembershipProblem } from '../../src/quorum/membership-check.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { MEMBERS, OUTSIDER, signedReport } from '../fixtures/signed-reports.ts'

const members = MEMBERS.map((m) => m.address)
// signed by MEMBERS[0..2] (MEMBERS[0] is the origin), memberCount 4
const report = await signedReport(new TextEncoder().encode('membership check'))
const without = (i: number): Hex[] => members.filter((_, j) => j !== i)

tap.test('a report holds against the members it was made under, in any order and case', async (t) => {
  t.equal(reportMembershipProblem(report, { members }), undefined)
  t.equal(reportMembershipProblem(report, { members: members.toReversed().map((m) => m.toUpperCase().replace('0X', '0x') as Hex) }), undefined)
  t.equal(reportMembershipProblem(report, { members: [...members, members[0] as Hex] }), undefined, 'a repeated address is one member')
})

tap.test('a report no longer holds when the membership at its block changed', async (t) => {
  t.equal(reportMembershipProblem(report, { members: without(3) })?.code, 'MEMBER_COUNT_MISMATCH', 'a non-signing member fewer')
  t.equal(reportMembershipProblem(report, { members: [...members, OUTSIDER.address] })?.code, 'MEMBER_COUNT_MISMATCH', 'one member more (the quorum grows)')
  // a v2 report names its members: any other set at its block, even of the same size, is a mismatch
  t.equal(reportMembershipProblem(report, { members: [...without(1), OUTSIDER.address] })?.code, 'MEMBER_COUNT_MISMATCH', 'a signer swapped for someone else')
  t.equal(reportMembershipProblem(report, { members: [...without(0), OUTSIDER.address] })?.code, 'MEMBER_COUNT_MISMATCH', 'the origin swapped for someone else')
  t.equal(reportMembershipProblem(report, { members: [] })?.code, 'MEMBER_COUNT_MISMATCH', 'nobody is a member any more')
})

tap.test('a stored report that is not what its verdicts derive is not kept either', async (t) => {
  const tampered: Report = { ...report, stats: { ...report.stats, malicious: 0, undetected: 1 } }
  t.equal(reportMembershipProblem(tampered, { members })?.code, 'DERIVATION_MISMATCH')
  const noQuorum: Report = { ...report, verdicts: report.verdicts.slice(0, 2) }
  t.equal(reportMembershipProblem(noQuorum, { members })?.code, 'NO_QUORUM')
  t.equal(reportMembershipProblem(null as unknown as Report, { members })?.code, 'MALFORMED', 'not an object')
  t.equal(reportMembershipProblem({ ...report, verdicts: 'x' } as unknown as Report, { members })?.code, 'MALFORMED', 'hostile shape')
})

tap.test('a live job holds only if its origin is a member and it wraps the key for exactly the members', async (t) => {
  const { job } = report.job
  t.ok(jobHoldsAt(job, members))
  t.ok(jobHoldsAt(job, members.toReversed().map((m) => m.toUpperCase().replace('0X', '0x') as Hex)), 'order and case do not matter')
  t.notOk(jobHoldsAt(job, without(0)), 'origin not a member (and one wrap too many)')
  t.notOk(jobHoldsAt(job, without(3)), 'a wrapped member is not a member')
  t.notOk(jobHoldsAt(job, [...members, OUTSIDER.address]), 'a member has no wrap')
  t.notOk(jobHoldsAt(job, [...without(3), OUTSIDER.address]), 'same count, another member')
  t.notOk(jobHoldsAt(job, []), 'no members')
  // an indicator's subject is public: it wraps no key, so only its origin's membership matters
  const indicator = { ...job, kind: 'url' as const, keyWraps: [] }
  t.ok(jobHoldsAt(indicator, members))
  t.ok(jobHoldsAt(indicator, [...without(3), OUTSIDER.address]), 'other members changed')
  t.notOk(jobHoldsAt(indicator, without(0)), 'its origin is not a member')
})

tap.test('a report must use the chain\'s fault divisor at its block when the chain names one', async (t) => {
  t.equal(reportMembershipProblem(report, { members, faultDivisor: report.faultDivisor }), undefined)
  t.equal(reportMembershipProblem(report, { members, faultDivisor: 4 })?.code, 'FAULT_DIVISOR_MISMATCH', 'a reorg changed the divisor')
})
