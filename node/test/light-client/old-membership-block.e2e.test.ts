/**
 * Issue 11, "old membership blocks": a founder admitted alone (a quorum of one at that block) and
 * later removed signs a job for a file made today at its old block. On anvil, through governance:
 * members following the chain drop that job at gossip validation, and a light client reading the
 * chain refuses the one-member report, while an honest report from that block keeps verifying.
 */
import { encodeBytes32String, hexlify, randomBytes, toQuantity } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import {
  attestationFor, computeCommitment, deriveReport, signAttestation, signCommitment, signScanJob, signVerdict,
  validateScanJob, ZERO_ADDRESS, scanJobId
} from '#protocol/index.ts'
import { electMembers, proposeAndExecute, registerCandidate, removeMembers } from '#governance/index.ts'
import { blockNumber } from '#governance/anvil-time.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { verifyReport } from '../../src/light-client/index.ts'
import { JobBook } from '../../src/quorum/job-book.ts'
import { createValidationContext } from '../../src/quorum/validation-context.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { hashes } from '../fixtures/signed-reports.ts'
import type { Hex, Report, ScanJob, SignedScanJob } from '#protocol/index.ts'

const MAX_AGE = 64
const { provider, signers, deployment, gov, operators } = await startGovernedChain(tap, 3)
const { contracts } = deployment
const { chainId } = deployment
const registry = contracts.registry.toLowerCase() as Hex
const parameters = (contracts.parameters as string).toLowerCase() as Hex
for (const op of signers) {
  await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}
const [A, B, C] = [0, 1, 2] as const
const op = (i: number): Hex => operators[i] as Hex
// the founder is admitted alone: at this block one member is a quorum
const founded = (await electMembers({ ...gov, operators: [op(A)] })).executionBlock
await electMembers({ ...gov, operators: [op(B), op(C)] })
const removed = (await removeMembers({ ...gov, operators: [op(A)] })).executionBlock
const { executionBlock: parameterBlock } = await proposeAndExecute({
  ...gov,
  targets: [parameters],
  values: [0n],
  calldatas: [parametersInterface.encodeFunctionData('set', [encodeBytes32String('maxJobAgeBlocks'), MAX_AGE])],
  description: `maxJobAgeBlocks ${MAX_AGE}`
})
// 12 s blocks, as on mainnet: the chain's clock runs ahead of the wall clock from here on
await provider.send('anvil_mine', [toQuantity(2 * MAX_AGE), toQuantity(12)])

/** the chain's clock, ms: governance moved it past the wall clock, and a job is stamped on its origin's clock */
const chainNow = async (): Promise<number> => Number((await provider.getBlock('latest'))?.timestamp) * 1000
const timestampOf = async (block: number): Promise<number> => Number((await provider.getBlock(block))?.timestamp) * 1000

const follower = createRegistryFollower({
  provider, registry: contracts.registry, parameters, fromBlock: deployment.deployBlock, confirmations: 1, pollIntervalMs: 20, logger: pino({ level: 'silent' })
})
await follower.start()
tap.teardown(async () => { await follower.stop() })
await follower.waitFor(await blockNumber(provider) - 1)

async function jobAt (text: string, block: number, origin: number, members: number[], createdAt: number): Promise<SignedScanJob> {
  const job: ScanJob = {
    kind: 'file', subject: '', context: '', ...hashes(new TextEncoder().encode(text)), fileType: 'text', cid: 'bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba',
    membershipBlock: block, origin: op(origin), createdAt, commitDeadline: createdAt + 5000, revealDeadline: createdAt + 15_000,
    ephemeralPublicKey: `0x${'11'.repeat(32)}`,
    keyWraps: members.map((i) => op(i)).toSorted().map((member) => ({ member, wrappedKey: `0x${'22'.repeat(60)}` as Hex })),
    submitter: ZERO_ADDRESS,
    submittedAt: 0,
    submitterSignature: '0x'
  }
  return await signScanJob(job, chainId, registry, signers[origin]!)
}

/** the report `members` commit, reveal and attest to for a job at their block */
async function reportOf (signed: SignedScanJob, members: number[]): Promise<Report> {
  const { job } = signed
  const jobId = scanJobId(job, chainId, registry)
  const opened = await Promise.all(members.map(async (i) => {
    const verdict = { jobId, member: op(i), sha256: job.sha256, membershipBlock: job.membershipBlock, scannedAt: job.createdAt + 1000, results: [] }
    const salt = `0x${String(i + 1).repeat(64)}` as Hex
    const commitment = await signCommitment({ jobId, member: op(i), commitment: computeCommitment(verdict, salt) }, chainId, registry, signers[i]!)
    return { commitment, verdict: await signVerdict(verdict, salt, chainId, registry, signers[i]!) }
  }))
  const commitments = opened.map((o) => o.commitment)
  const verdicts = opened.map((o) => o.verdict)
  const content = attestationFor(signed, commitments, verdicts, chainId, registry)
  const attestations = await Promise.all(members.map(async (i) => await signAttestation(content, chainId, registry, signers[i]!)))
  return deriveReport({
    job: signed, commitments, verdicts, attestations: attestations.map((a) => ({ member: a.member, signature: a.signature })),
    members: members.map((i) => op(i)), registrations: {}, faultDivisor: 3, chainId, registry
  })
}

tap.test('members drop a job at a membership block older than maxJobAgeBlocks', async (t) => {
  t.equal(follower.parameterAt('maxJobAgeBlocks', parameterBlock), BigInt(MAX_AGE), 'the node follows the parameter governance set')
  t.notOk(follower.isMemberAt(op(A), follower.followedBlock), 'the founder is no longer a member')
  t.ok(follower.isMemberAt(op(A), founded), 'but was the only member at its founding block')
  const now = await chainNow()
  const ctx = createValidationContext({ chainId, registry, maxSampleBytes: 1 << 20 }, follower, new JobBook({ retentionMs: 1e12, maxJobs: 100 }), () => now)
  const attack = await jobAt('a file created today', founded, A, [A], now)
  t.throws(() => validateScanJob(attack, ctx), { name: 'GossipValidationError', code: 'OLD_MEMBERSHIP_BLOCK', action: 'ignore' },
    `a job at block ${founded}, ${follower.followedBlock - founded} blocks behind the followed block, is dropped`)

  const atEdge = follower.followedBlock - MAX_AGE
  t.ok(atEdge > removed, 'the edge block has B and C as members')
  const edge = await jobAt('an edge case', atEdge, B, [B, C], now)
  t.doesNotThrow(() => validateScanJob(edge, ctx), 'a job exactly maxJobAgeBlocks behind is still taken')
  const older = await jobAt('one block older', atEdge - 1, B, [B, C], now)
  t.throws(() => validateScanJob(older, ctx), { code: 'OLD_MEMBERSHIP_BLOCK' }, 'one block more is not')
  const fresh = await jobAt('a fresh job', follower.followedBlock, B, [B, C], now)
  t.doesNotThrow(() => validateScanJob(fresh, ctx), 'a job at the followed block by a current member is taken')
})

tap.test('a light client refuses the one-member report at the old block and keeps honest old reports', async (t) => {
  const target = { provider, registry, chainId, parameters }
  const now = await chainNow()
  const attack = await reportOf(await jobAt('a file created today', founded, A, [A], now - 20_000), [A])
  t.equal(attack.quorum, 1, 'one member, a quorum of one')
  const refused = await verifyReport(attack, { hash: attack.job.job.sha256 }, target, { now: () => now })
  t.equal(refused.verified, false, 'not verified')
  t.same(refused.problems.map((p) => p.code), ['OLD_MEMBERSHIP_BLOCK'], 'the only problem is the job\'s age against its block')

  // the founder's honest report from its own time: created before block founded + maxJobAgeBlocks was mined
  const then = await timestampOf(founded)
  const honest = await reportOf(await jobAt('a file from back then', founded, A, [A], then), [A])
  const kept = await verifyReport(honest, { hash: honest.job.job.sha256 }, target, { now: () => now })
  t.same(kept.problems, [], 'a report made when its block was recent still verifies')
  t.equal(kept.verified, true)

  const limit = await timestampOf(founded + MAX_AGE)
  const late = await reportOf(await jobAt('created just after the limit block', founded, A, [A], limit + 1000 + 1000 + 1), [A])
  t.same((await verifyReport(late, { hash: late.job.job.sha256 }, target, { now: () => now })).problems.map((p) => p.code), ['OLD_MEMBERSHIP_BLOCK'],
    'created past the limit block\'s second and the clock skew')
  const edge = await reportOf(await jobAt('created within the limit block\'s second', founded, A, [A], limit + 1000 + 1000), [A])
  t.same((await verifyReport(edge, { hash: edge.job.job.sha256 }, target, { now: () => now })).problems, [], 'at the edge')
})
