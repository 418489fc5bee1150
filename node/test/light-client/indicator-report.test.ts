import tap from 'tap'
import { Wallet } from 'ethers'
import { signScanJob } from '#protocol/index.ts'
import type { Hex, Report } from '#protocol/index.ts'
import { createChainReader, verifyReportWith } from '../../src/light-client/index.ts'
import type { Question, VerifyResult } from '../../src/light-client/index.ts'
import { CHAIN_ID, finalReport, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Member } from '../fixtures/signed-reports.ts'
import { memoryChain } from '../fixtures/memory-chain.ts'
import { createMemoryIndicators, signedIndicator } from '../fixtures/memory-indicators.ts'

const ASKED: Question = { kind: 'url', subject: 'http://phish.example/' }
const verify = async (report: Report, asked: Question = ASKED): Promise<VerifyResult> =>
  await verifyReportWith(report, asked, createChainReader(memoryChain(MEMBERS.map((m) => m.address))), expected)
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)
const USER = new Wallet(`0x${'5'.repeat(64)}`)

async function urlReport (): Promise<Report> {
  const ind = createMemoryIndicators()
  const s = await signedIndicator('url', 'http://phish.example/', USER)
  const { analysisId } = await ind.port.submitIndicator({ kind: 'url', subject: 'http://phish.example/', context: '', ...s })
  return await ind.complete(analysisId)
}

/**
 * The job re-signed by its origin with other fields and run to a final report by the members: the
 * report holds together, so only the light client's own checks can catch it.
 */
async function resigned (report: Report, change: Record<string, unknown>): Promise<Report> {
  const job = await signScanJob({ ...report.job.job, ...change }, CHAIN_ID, REGISTRY, (MEMBERS[0] as Member).wallet)
  return await finalReport(job, { results: () => report.verdicts[0]?.verdict.results ?? [] })
}

tap.test('an indicator report verifies with its submitter\'s signature, and not without it', async (t) => {
  const report = await urlReport()
  const ok = await verify(report)
  t.same(codes(ok), [])
  t.equal(ok.attesters.length, 3)
  t.same(codes(await verify(report, { kind: 'url', subject: 'HTTP://Phish.Example' })), [], 'any spelling of the indicator asked')

  const forged = await resigned(report, { submitter: (MEMBERS[1] as Member).address })
  t.same(codes(await verify(forged)), ['SUBMITTER_SIGNATURE'])
  const anonymous = await resigned(report, { submitter: '0x0000000000000000000000000000000000000000' as Hex, submitterSignature: '0x' as Hex, submittedAt: 0 })
  t.same(codes(await verify(anonymous)), ['SUBMITTER_SIGNATURE'])
  const relabelled = await resigned(report, { subject: 'http://bank.example/' })
  t.same(codes(await verify(relabelled, { kind: 'url', subject: 'http://bank.example/' })), ['SUBJECT_MISMATCH'], 'the subject is not what the sha256 names')
  t.same(codes(await verify(relabelled)), ['QUESTION_MISMATCH', 'SUBJECT_MISMATCH'])
  const uncanonical = await resigned(report, { subject: 'HTTP://PHISH.EXAMPLE' })
  t.same(codes(await verify(uncanonical)), ['QUESTION_MISMATCH', 'SUBJECT_MISMATCH'])
})
