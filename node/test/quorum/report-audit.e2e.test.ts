import { setTimeout as sleep } from 'node:timers/promises'
import { encodeBytes32String, hexlify, randomBytes } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import {
  attestationFor, computeCommitment, DEFAULT_FAULT_DIVISOR, deriveReport, scanJobId, signAttestation, signCommitment, signScanJob, signVerdict, ZERO_ADDRESS
} from '#protocol/index.ts'
import { electMembers, proposeAndExecute, registerCandidate } from '#governance/index.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { JobBook } from '../../src/quorum/job-book.ts'
import { createReportAuditor } from '../../src/quorum/report-audit.ts'
import { createApiPorts } from '../../src/supernode/api-adapters.ts'
import type { Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { Coordinator } from '../../src/quorum/coordinator.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { hashes } from '../fixtures/signed-reports.ts'

// A report relies on a membership the follower applied; a reorg deeper than the confirmation
// depth takes it back. The node must stop serving the report, on a real anvil.
const { provider, signers, deployment, gov, operators } = await startGovernedChain(tap, 3)
const { contracts } = deployment
const chainId = deployment.chainId
const registry = contracts.registry.toLowerCase() as Hex
for (const op of signers) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}
const [A, B, C] = [0, 1, 2]
const initial = await electMembers({ ...gov, operators: [operators[A]!, operators[B]!] })

const logs: Array<Record<string, unknown>> = []
const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } })
const metrics = createNodeMetrics()
const follower = createRegistryFollower({
  provider, registry: contracts.registry, parameters: contracts.parameters as Hex, fromBlock: deployment.deployBlock,
  confirmations: 1, pollIntervalMs: 20, logChunk: 5, logger, metrics: metrics.chain
})
const db = await openDatabase({ path: tap.testdir() })
const repos = createRepositories(db)
const book = new JobBook({ retentionMs: 1e12, maxJobs: 100 })
const auditor = createReportAuditor({ logger, metrics: metrics.quorum }, { follower, reports: repos.reports, jobs: book })
await auditor.start()
await follower.start()
tap.teardown(async () => {
  await follower.stop()
  await auditor.stop()
  await db.close()
})
// the API over the real repositories and follower; no coordinator runs here, the book holds the live jobs
const coordinator = { liveJob: (id: Hex) => book.get(id) } as unknown as Coordinator
const api = await startApi(tap, createApiPorts({
  coordinator, repositories: repos, follower, metrics, libp2p: {} as VirusmapLibp2p, operator: operators[A]!, chainId, registry, requireApiKey: false
}))
const get = async (path: string): Promise<Response> => await fetch(`${api.url}${path}`)
const counter = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> => (await c.get()).values[0]?.value ?? 0

async function until (what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting until ${what}`)
}

/** a job at `block` from `origin` wrapping keys for `members`, with the report `signers` committed, revealed and attested, stored */
async function storeReport (text: string, block: number, origin: number, members: number[], signers_: number[], scannedAt: number, faultDivisor = DEFAULT_FAULT_DIVISOR): Promise<{ report: Report, signed: SignedScanJob }> {
  const sample = hashes(new TextEncoder().encode(text))
  await repos.samples.recordUpload({ ...sample, fileType: 'text', cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba', contentKey: `0x${'33'.repeat(32)}`, seenAt: scannedAt })
  const job: ScanJob = {
    kind: 'file', subject: '', context: '', ...sample, fileType: 'text', cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba',
    membershipBlock: block, origin: operators[origin]!, createdAt: scannedAt - 5000, commitDeadline: scannedAt + 60_000, revealDeadline: scannedAt + 120_000,
    ephemeralPublicKey: `0x${'11'.repeat(32)}`,
    keyWraps: members.map((i) => operators[i]!).toSorted().map((member) => ({ member, wrappedKey: `0x${'22'.repeat(60)}` as Hex })),
    submitter: ZERO_ADDRESS,
    submittedAt: 0,
    submitterSignature: '0x'
  }
  const signed = await signScanJob(job, chainId, registry, signers[origin]!)
  const jobId = scanJobId(job, chainId, registry)
  // no engines are declared on this chain: the verdicts carry no results, and the report still needs its quorum
  const opened = await Promise.all(signers_.map(async (i) => {
    const verdict = { jobId, member: operators[i]!, sha256: sample.sha256, membershipBlock: block, scannedAt, results: [] }
    const salt = `0x${String(i + 1).repeat(64)}` as Hex
    const commitment = await signCommitment({ jobId, member: operators[i]!, commitment: computeCommitment(verdict, salt) }, chainId, registry, signers[i]!)
    return { commitment, verdict: await signVerdict(verdict, salt, chainId, registry, signers[i]!) }
  }))
  const commitments = opened.map((o) => o.commitment)
  const verdicts = opened.map((o) => o.verdict)
  const content = attestationFor(signed, commitments, verdicts, chainId, registry)
  const attestations = await Promise.all(signers_.map(async (i) => await signAttestation(content, chainId, registry, signers[i]!)))
  const report = deriveReport({
    job: signed, commitments, verdicts, attestations: attestations.map((a) => ({ member: a.member, signature: a.signature })),
    members: members.map((i) => operators[i]!), registrations: {}, faultDivisor, chainId, registry
  })
  await repos.reports.put(report)
  return { report, signed }
}

const fileJobId = async (sha256: Hex): Promise<unknown> => {
  const res = await get(`/api/v3/files/${sha256.slice(2)}`)
  return ((await res.json()) as { data?: { attributes?: { virusmap?: { job_id?: string } } } }).data?.attributes?.virusmap?.job_id
}
const audits = (): number => logs.filter((l) => l['msg'] === 'reorg audit done').length

tap.test('a reorg that takes back an admission withdraws the report relying on it and drops its live job', async (t) => {
  await mineBlocks(provider, 2)
  await follower.waitFor(initial.executionBlock + 1)
  const early = follower.followedBlock
  // A and B are members: an older report of the sample, and a report of another sample
  const older = await storeReport('sample one', early, A, [A, B], [A, B], 1_800_000_000_000)
  const untouched = await storeReport('sample two', early, B, [A, B], [A, B], 1_800_000_000_500)
  book.add(older.report.jobId, older.signed, 0)

  const { executionBlock } = await electMembers({ ...gov, operators: [operators[C]!] })
  await mineBlocks(provider, 2)
  await follower.waitFor(executionBlock + 1)
  t.ok(follower.isMemberAt(operators[C]!, executionBlock), 'C was admitted and the node followed it')
  // C takes an upload under A, B, C: a quorum of three, the sample's latest report
  const relying = await storeReport('sample one', executionBlock, C, [A, B, C], [A, B, C], 1_800_000_001_000)
  book.add(relying.report.jobId, relying.signed, 0)
  const sha256 = relying.report.job.job.sha256
  t.equal(await fileJobId(sha256), relying.report.jobId, 'the file lookup serves the report relying on C')
  t.equal((await get(`/api/v3/analyses/${relying.report.jobId}`)).status, 200)

  const head = await blockNumber(provider)
  const depth = head - executionBlock + 1
  t.ok(depth > 1, `the reorg (${depth} blocks) is deeper than the confirmation depth (1)`)
  await provider.send('anvil_reorg', [depth, []])
  await mineBlocks(provider, 2)
  await until('the report is withdrawn', async () => await repos.reports.withdrawn(relying.report.jobId) !== undefined)
  await auditor.settled()
  t.notOk(follower.isMemberAt(operators[C]!, executionBlock), 'the admission is gone')

  const withdrawn = await repos.reports.withdrawn(relying.report.jobId)
  t.equal(withdrawn?.code, 'MEMBER_COUNT_MISMATCH', 'two members at its block now, not three')
  t.ok((withdrawn?.ancestorBlock ?? Infinity) < executionBlock, 'it names the reorg')
  t.same(withdrawn?.report, relying.report, 'the evidence stays inspectable')
  await expectVtError(t, await get(`/api/v3/analyses/${relying.report.jobId}`), 404, 'NotFoundError')
  t.equal(await fileJobId(sha256), older.report.jobId, 'the file lookup points back to the older report')
  t.equal(await fileJobId(untouched.report.job.job.sha256), untouched.report.jobId, 'another sample keeps its report')
  t.same((await repos.reports.recent(10)).map((r) => r.jobId).toSorted(), [older.report.jobId, untouched.report.jobId].toSorted())
  t.equal(book.get(relying.report.jobId), undefined, 'the live job from C is dropped')
  t.ok(book.get(older.report.jobId), 'the live job from before the admission is kept')
  t.equal(await counter(metrics.quorum.reportsWithdrawn), 1)
  t.equal(await counter(metrics.quorum.liveJobsDropped), 1)
  t.equal(await repos.reports.put(relying.report), false, 'late reveals cannot store it again')
})

tap.test('a reorg that keeps the membership leaves reports and live jobs alone', async (t) => {
  await mineBlocks(provider, 4)
  await follower.waitFor(await blockNumber(provider) - 1)
  const block = follower.followedBlock
  const kept = await storeReport('sample three', block, B, [A, B], [A, B], 1_800_000_002_000)
  book.add(kept.report.jobId, kept.signed, 0)
  const before = audits()
  const reorgs = await counter(metrics.chain.reorgs)
  await provider.send('anvil_reorg', [3, []])
  await mineBlocks(provider, 2)
  await until('the reorg is audited', () => audits() > before)
  await auditor.settled()
  t.equal(await counter(metrics.chain.reorgs), reorgs + 1, 'the follower rolled back')
  const done = logs.filter((l) => l['msg'] === 'reorg audit done').at(-1)
  t.ok((done?.['from'] as number) <= block, `the audit re-checked from the ancestor (${String(done?.['from'])}), at or before the report's block ${block}`)
  t.match(done, { withdrawn: 0 }, 'nothing withdrawn')
  t.ok((done?.['checked'] as number) >= 1, 'the report was re-checked')
  t.equal(await repos.reports.withdrawn(kept.report.jobId), undefined)
  t.equal(await fileJobId(kept.report.job.job.sha256), kept.report.jobId, 'still served')
  t.equal((await get(`/api/v3/analyses/${kept.report.jobId}`)).status, 200)
  t.ok(book.get(kept.report.jobId), 'its live job is kept')
  t.equal(await counter(metrics.quorum.reportsWithdrawn), 1, 'no further withdrawal')
})

tap.test('a reorg that leaves the chain shorter than a report\'s block: the audit re-checks it once the follower is back there', async (t) => {
  const snapshot = await provider.send('evm_snapshot', []) as string
  const { executionBlock } = await electMembers({ ...gov, operators: [operators[C]!] })
  await mineBlocks(provider, 2)
  await follower.waitFor(executionBlock + 1)
  const relying = await storeReport('sample four', executionBlock, C, [A, B, C], [A, B, C], 1_800_000_003_000)
  const before = audits()
  t.ok(await provider.send('evm_revert', [snapshot]), 'reverted to before the admission')
  t.ok(await blockNumber(provider) < executionBlock, 'the chain is now shorter than the report\'s block')
  await until('the rollback is audited', () => audits() > before)
  const done = logs.filter((l) => l['msg'] === 'reorg audit done').at(-1)
  t.equal(done?.['waitingFor'], executionBlock, 'the report waits for its block to be followed again')
  t.equal(await repos.reports.withdrawn(relying.report.jobId), undefined, 'it is not judged on a membership not known yet')

  await mineBlocks(provider, executionBlock + 2 - await blockNumber(provider))
  await until('the report is withdrawn', async () => await repos.reports.withdrawn(relying.report.jobId) !== undefined)
  t.equal((await repos.reports.withdrawn(relying.report.jobId))?.code, 'MEMBER_COUNT_MISMATCH', 'C is not a member at that block on the new chain')
  t.equal(await fileJobId(relying.report.job.job.sha256), undefined, 'the sample has no other report to fall back on')
})

tap.test('a reorg that takes back a quorumFaultDivisor change withdraws the report derived with it', async (t) => {
  const description = `fault divisor 2 (block ${await blockNumber(provider)})`
  const { executionBlock } = await proposeAndExecute({
    ...gov, targets: [contracts.parameters as string], values: [0n], calldatas: [parametersInterface.encodeFunctionData('set', [encodeBytes32String('quorumFaultDivisor'), 2])], description
  })
  await mineBlocks(provider, 2)
  await follower.waitFor(executionBlock + 1)
  t.equal(follower.parameterAt('quorumFaultDivisor', executionBlock), 2n, 'the node followed the change')
  const relying = await storeReport('sample five', executionBlock, A, [A, B], [A, B], 1_800_000_004_000, 2)
  await provider.send('anvil_reorg', [await blockNumber(provider) - executionBlock + 1, []])
  await mineBlocks(provider, 2)
  await until('the report is withdrawn', async () => await repos.reports.withdrawn(relying.report.jobId) !== undefined)
  t.equal((await repos.reports.withdrawn(relying.report.jobId))?.code, 'FAULT_DIVISOR_MISMATCH', 'the divisor at its block is the default again')
})
