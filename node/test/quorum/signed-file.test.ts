/**
 * A file a wallet signed (protocol SPEC 17) on a four-member in-memory network: its job and every
 * member's report name the wallet, the origin answers with a receipt its operator key signed, a later
 * submission of the same file joins without a receipt, and a bad submission stores nothing.
 */
import { createHash } from 'node:crypto'
import tap from 'tap'
import { Wallet } from 'ethers'
import { checkReport, recoverReceiptSigner, signSubmission } from '#protocol/index.ts'
import type { FileSubmission, Hex } from '#protocol/index.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { quickEngine } from '../fixtures/test-engines.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createApiPorts } from '../../src/supernode/api-adapters.ts'
import type { Coordinator } from '../../src/quorum/coordinator.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

const TEXT = 'a sample a wallet found'
const SHA = `0x${createHash('sha256').update(TEXT).digest('hex')}` as Hex

async function submission (by: Wallet, sha256: Hex = SHA, submittedAt = Date.now()): Promise<FileSubmission> {
  const signature = await signSubmission({ kind: 'file', sha256, context: 'from my honeypot', submittedAt }, CHAIN_ID, REGISTRY, by)
  return { sha256, context: 'from my honeypot', submitter: by.address.toLowerCase() as Hex, submittedAt, signature }
}

tap.test('a signed file: the job and the reports name the wallet, the origin signs a receipt', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()] })
  const finder = new Wallet(`0x${'07'.repeat(32)}`)
  const first = await net.coordinator(0).submitFile(sourceOf(TEXT), { submission: await submission(finder) })
  t.equal(first.sha256, SHA)
  const receipt = first.receipt
  if (receipt === undefined) throw new Error('no receipt')
  const { signature, ...signed } = receipt
  t.equal(recoverReceiptSigner(signed, signature, CHAIN_ID, REGISTRY), net.addresses[0], 'signed by the origin\'s operator key')
  t.equal(signed.submitter, finder.address.toLowerCase())
  t.equal(signed.jobId, first.analysisId)
  t.same(await net.repos[0]?.receipts.get(first.analysisId), receipt, 'the origin stored the receipt it answered with')

  const late = await net.coordinator(0).submitFile(sourceOf(TEXT), { submission: await submission(new Wallet(`0x${'08'.repeat(32)}`)) })
  t.equal(late.analysisId, first.analysisId, 'joins the job in flight')
  t.equal(late.receipt, undefined, 'no receipt: the job names the first wallet')
  t.same(await net.repos[0]?.receipts.get(first.analysisId), receipt, 'the joined submission left the first wallet\'s receipt alone')
  for (const [i, repos] of net.repos.entries()) if (i > 0) t.equal(await repos.receipts.get(first.analysisId), undefined, `member ${i} signed no receipt`)

  for (const [i, repos] of net.repos.entries()) {
    const report = await until(`member ${i}'s report`, async () => await repos.reports.getLatestBySha256(SHA))
    t.equal(report.job.job.submitter, finder.address.toLowerCase(), `member ${i}: the report names the wallet`)
    t.equal(report.job.job.context, 'from my honeypot')
    t.doesNotThrow(() => checkReport(report, { members: net.addresses }))
  }
})

tap.test('the origin serves the receipt with the analysis, after a restart too', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()] })
  const first = await net.coordinator(0).submitFile(sourceOf(TEXT), { submission: await submission(new Wallet(`0x${'07'.repeat(32)}`)) })
  const analysis = async (coordinator: Coordinator): Promise<{ meta: { receipt?: unknown } }> => {
    const api = await startApi(t, createApiPorts({
      coordinator, repositories: net.repos[0] as Repositories, follower: net.follower, metrics: createNodeMetrics(), libp2p: {} as VirusmapLibp2p,
      operator: net.addresses[0] as Hex, chainId: CHAIN_ID, registry: REGISTRY, requireApiKey: false
    }))
    const res = await fetch(`${api.url}/api/v3/analyses/${first.analysisId}`)
    t.equal(res.status, 200)
    return await res.json() as { meta: { receipt?: unknown } }
  }
  t.same((await analysis(net.coordinator(0))).meta.receipt, first.receipt, 'the upload\'s receipt, again')
  await net.stop(0)
  t.same((await analysis(await net.start(0))).meta.receipt, first.receipt, 'kept across a restart')
  await until('member 1 holds the job', async () => await net.repos[1]?.jobs.get(first.analysisId))
  t.equal(await net.repos[1]?.receipts.get(first.analysisId), undefined, 'a member that did not receive the upload serves no receipt')
})

tap.test('a bad submission is refused, before the bytes are read unless only the bytes can tell', async (t) => {
  let ingested = 0
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    samples: (shared) => ({ ...shared, ingest: async (source, options) => { ingested++; return await shared.ingest(source, options) } })
  })
  const finder = new Wallet(`0x${'07'.repeat(32)}`)
  const good = await submission(finder)
  const cases: Array<[string, FileSubmission, string]> = [
    ['another wallet\'s signature', { ...good, submitter: new Wallet(`0x${'09'.repeat(32)}`).address.toLowerCase() as Hex }, 'SIGNER_MISMATCH'],
    ['an hour old', await submission(finder, SHA, Date.now() - 3_600_000), 'SUBMISSION_EXPIRED'],
    ['over other bytes', await submission(finder, `0x${'ab'.repeat(32)}`), 'HASH_MISMATCH']
  ]
  for (const [name, s, code] of cases) {
    await t.rejects(net.coordinator(0).submitFile(sourceOf(TEXT), { submission: s }), { code, name: 'FileSubmissionError' }, name)
  }
  t.equal(ingested, 1, 'only the submission over other bytes was read (the hash needs them)')
})
