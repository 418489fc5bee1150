import tap from 'tap'
import { Wallet } from 'ethers'
import { deriveReport, DEFAULT_FAULT_DIVISOR, signScanJob } from '../../../protocol/src/index.ts'
import type { Hex, Report } from '../../../protocol/src/index.ts'
import { verifyReportWith, type RegistryView } from '../../src/light-client/index.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Member } from '../fixtures/signed-reports.ts'
import { createMemoryIndicators, signedIndicator } from '../fixtures/memory-indicators.ts'

const view: RegistryView = {
  chainId: async () => CHAIN_ID,
  blockNumber: async () => 100,
  isMemberAt: async (address, block) => block >= MEMBERSHIP_BLOCK && MEMBERS.some((m) => m.address === address),
  membersAt: async (block) => (block >= MEMBERSHIP_BLOCK ? MEMBERS.map((m) => m.address) : []),
  // the engine the memory indicator network's members answer with
  enginesAt: async (address, block) => (block >= MEMBERSHIP_BLOCK && MEMBERS.some((m) => m.address === address) ? ['VirusMap-URL'] : []),
  faultDivisorAt: async () => 3
}
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)
const USER = new Wallet(`0x${'5'.repeat(64)}`)

async function urlReport (): Promise<Report> {
  const ind = createMemoryIndicators()
  const s = await signedIndicator('url', 'http://phish.example/', USER)
  const { analysisId } = await ind.port.submitIndicator({ kind: 'url', subject: 'http://phish.example/', context: '', ...s })
  return await ind.complete(analysisId)
}

/** The same verdicts over a job the origin re-signed with other fields: only the light client's own checks can catch it. */
async function resigned (report: Report, change: Record<string, unknown>): Promise<Report> {
  const job = await signScanJob({ ...report.job.job, ...change }, CHAIN_ID, REGISTRY, (MEMBERS[0] as Member).wallet)
  try {
    return deriveReport({ job, verdicts: report.verdicts, memberCount: 4, faultDivisor: DEFAULT_FAULT_DIVISOR, chainId: CHAIN_ID, registry: REGISTRY })
  } catch {
    // the verdicts name the old job id: the report is then the old one with the new job, as a lying server would send
    return { ...report, job }
  }
}

tap.test('an indicator report verifies with its submitter\'s signature, and not without it', async (t) => {
  const report = await urlReport()
  const ok = await verifyReportWith(report, view, expected)
  t.same(codes(ok), [])
  t.equal(ok.signers.length, 3)

  const forged = await resigned(report, { submitter: (MEMBERS[1] as Member).address })
  t.ok(codes(await verifyReportWith(forged, view, expected)).includes('SUBMITTER_SIGNATURE'))
  const anonymous = await resigned(report, { submitter: '0x0000000000000000000000000000000000000000' as Hex, submitterSignature: '0x' as Hex, submittedAt: 0 })
  t.ok(codes(await verifyReportWith(anonymous, view, expected)).includes('SUBMITTER_SIGNATURE'))
  const relabelled = await resigned(report, { subject: 'http://bank.example/' })
  t.ok(codes(await verifyReportWith(relabelled, view, expected)).includes('SUBJECT_MISMATCH'))
  const uncanonical = await resigned(report, { subject: 'HTTP://PHISH.EXAMPLE' })
  t.ok(codes(await verifyReportWith(uncanonical, view, expected)).includes('SUBJECT_MISMATCH'))
})
