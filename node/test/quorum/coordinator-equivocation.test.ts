import { randomBytes } from 'node:crypto'
import tap from 'tap'
import { computeCommitment, scanJobId, signCommitment, signVerdict } from '#protocol/index.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { quickEngine } from '../fixtures/test-engines.ts'
import type { GossipMessage, Hex, SignedScanJob, Verdict } from '#protocol/messages.ts'
import type { Gossip } from '../../src/network/gossip.ts'
import type { MemoryCoordinators } from '../fixtures/memory-coordinators.ts'
import type { Test } from 'tap'

// SPEC sections 6 and 7: one member signing two commitments for a job, each shown to some honest members
// only, must not stop the job. Honest members forward what they accept, so each soon holds both; what
// they attest to may not depend on which of the two reached them first.
const parameters = { commitWindowMs: 1500n, revealWindowMs: 1000n, attestWindowMs: 500n }
const ATTACKER = 3

interface Equivocator {
  /** the job ids the attacker equivocated on */
  jobs: Hex[]
}

/**
 * Member 3 as an attacker holding its own key: for every job it signs commitment A, shown straight only to
 * members 0 and 1, and commitment B, shown only to member 2; then, after the commit window, it reveals the
 * verdict A opens to everyone (`reveal: true`) or reveals nothing.
 */
async function equivocator (t: Test, net: MemoryCoordinators, reveal: boolean): Promise<Equivocator> {
  const wallet = net.wallets[ATTACKER]
  if (wallet === undefined) throw new Error('no attacker wallet')
  const member = net.addresses[ATTACKER] as Hex
  const gossip = net.bus.join()
  const toB = net.gossip(2)
  const second = new Set<string>()
  net.bus.route = (_topic: string, msg: GossipMessage, from: Gossip, to: Gossip) =>
    from !== gossip || msg.type !== 'commitment' || (second.has(msg.commitment.commitment) === (to === toB))
  const jobs: Hex[] = []
  gossip.handle('jobs', (msg) => {
    const signed = msg as SignedScanJob
    const { job } = signed
    const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
    jobs.push(jobId)
    const verdict = (scannedAt: number): Verdict => ({ jobId, member, sha256: job.sha256, membershipBlock: job.membershipBlock, scannedAt, results: [] })
    const a = verdict(job.createdAt)
    const b = verdict(job.createdAt + 1)
    const saltA = `0x${randomBytes(32).toString('hex')}` as Hex
    const saltB = `0x${randomBytes(32).toString('hex')}` as Hex
    void (async () => {
      const commitA = await signCommitment({ jobId, member, commitment: computeCommitment(a, saltA) }, CHAIN_ID, REGISTRY, wallet)
      const commitB = await signCommitment({ jobId, member, commitment: computeCommitment(b, saltB) }, CHAIN_ID, REGISTRY, wallet)
      second.add(commitB.commitment.commitment)
      await gossip.publish('commits', commitA)
      await gossip.publish('commits', commitB)
      if (!reveal) return
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.commitDeadline - Date.now() + 50)))
      await gossip.publish('verdicts', await signVerdict(a, saltA, CHAIN_ID, REGISTRY, wallet))
    })()
  })
  await gossip.start()
  t.teardown(async () => { await gossip.stop() })
  return { jobs }
}

async function finalReport (t: Test, net: MemoryCoordinators, analysisId: Hex, sha256: Hex): Promise<Array<{ absent: Hex[], revealed: Hex[] }>> {
  const seen = []
  for (const i of [0, 1, 2]) {
    const record = await until(`member ${i} ends the job`, async () => {
      const r = await net.repos[i]?.jobs.get(analysisId)
      return r?.status === 'reported' || r?.status === 'failed' ? r : undefined
    }, 30_000)
    t.equal(record.status, 'reported', `member ${i}: the first job is reported, not ${record.failure ?? ''}`)
    const report = await net.repos[i]?.reports.getLatestBySha256(sha256)
    if (report === undefined) throw new Error(`member ${i} holds no report`)
    seen.push({ absent: report.absent, revealed: report.verdicts.map((v) => v.verdict.member) })
  }
  return seen
}

tap.test('two commitments from one member, the verdict opening one revealed to all: the job is final at once, with that verdict', async (t) => {
  const net = await memoryCoordinators(t, { engines: (i) => (i === ATTACKER ? [] : [quickEngine()]), registered: ['Test-Quick'], parameters, online: [0, 1, 2] })
  const attack = await equivocator(t, net, true)
  const { analysisId, sha256 } = await net.coordinator(0).submitFile(sourceOf('one member, two commitments, one reveal'), { filename: 'x.txt' })
  const reports = await finalReport(t, net, analysisId, sha256)
  t.same(attack.jobs, [analysisId], 'the attacker saw the job')
  for (const r of reports) t.same(r, reports[0], 'every honest member assembled the same report')
  t.ok(reports[0]?.revealed.includes(net.addresses[ATTACKER] as Hex), 'the revealed verdict counts, beside the commitment it opens')
  for (const i of [0, 1, 2]) {
    const held = await until(`member ${i} holds the evidence`, async () => {
      const e = await net.repos[i]?.evidence.listByMember(net.addresses[ATTACKER] as Hex)
      return e !== undefined && e.length > 0 ? e : undefined
    })
    t.equal(held[0]?.kind, 'commitment', `member ${i}: the two commitments are evidence`)
  }
})

tap.test('two commitments from one member and no reveal: the member is left out, and the job is final at once', async (t) => {
  // the reveal window expires on purpose (the equivocator never reveals; the others do as soon as all have committed), so it is short
  const net = await memoryCoordinators(t, { engines: (i) => (i === ATTACKER ? [] : [quickEngine()]), registered: ['Test-Quick'], parameters: { ...parameters, revealWindowMs: 300n, minRevealWindowMs: 300n }, online: [0, 1, 2] })
  await equivocator(t, net, false)
  const { analysisId, sha256 } = await net.coordinator(0).submitFile(sourceOf('one member, two commitments, no reveal'), { filename: 'x.txt' })
  const reports = await finalReport(t, net, analysisId, sha256)
  for (const r of reports) t.same(r, reports[0], 'every honest member assembled the same report')
  t.same(reports[0]?.absent, [net.addresses[ATTACKER]], 'the equivocator is absent, neither commitment named')
})
