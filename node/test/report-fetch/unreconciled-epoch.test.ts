// Issue 16: a member down through an anchored epoch whose connected peers hold neither the anchored list nor
// its reports cannot compute the rewards epochs that read them (epoch 1 itself first, then epoch 2, which pays
// it). Over real libp2p hosts, its wait must end explicitly: past unreconciledAfterMs on its clock (whether or
// not the quorum posted a root for the epoch without it) the epoch is declared unreconciled (logged with its
// reason, virusmap_rewards_unreconciled_epoch and _total), nothing is signed for it, and the fetch goes on at
// its backoff, so the epoch is computed as soon as a peer that holds the list and the reports is connected
// (and signed then only if the chain has no root for it yet).
import tap from 'tap'
import { startFetchMember } from './fetch-member.ts'
import { ANCHORED, connect, PAYING, proposalOf, rewardedReport, startHost, startServer } from './fetch-world.ts'
import { MEMBERS } from '../fixtures/signed-reports.ts'
import type { Test } from 'tap'
import type { Report } from '#protocol/report-format.ts'
import type { FetchMember } from './fetch-member.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

const reports = await Promise.all(['one', 'two'].map(async (l, i) => await rewardedReport(`unreconciled-${l}`, i))) as [Report, Report]
const honest = await proposalOf(ANCHORED, reports)
const AFTER_MS = 60_000
const self = (MEMBERS[3] as typeof MEMBERS[number]).address

const value = async (m: FetchMember, name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
  const metric = await m.metrics.registry.getSingleMetric(name)?.get()
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value
}

/** a member connected only to a peer that holds nothing, with its clock; and the honest peer, not connected yet */
async function world (t: Test): Promise<{ member: FetchMember, host: VirusmapLibp2p, honestPeer: VirusmapLibp2p, clock: { at: number } }> {
  const empty = await startServer(t, () => undefined)
  const honestPeer = await startServer(t, (jobId) => reports.find((r) => r.jobId === jobId), {}, undefined, (epoch, root) => (epoch === ANCHORED && root === honest.root ? honest : undefined))
  const host = await startHost(t)
  await connect(host, empty)
  const clock = { at: 1_000_000 }
  const member = await startFetchMember(t, host, { anchored: honest, maxJobsPerPass: 8, now: () => clock.at, unreconciledAfterMs: AFTER_MS })
  return { member, host, honestPeer, clock }
}

tap.test('no peer holds the anchored list: the rewards epoch ends unreconciled past the bound, unsigned, and is computed once a peer has it', async (t) => {
  const { member, host, honestPeer, clock } = await world(t)
  for (let k = 0; k < 3; k++) {
    await member.round()
    clock.at += 10_000
  }
  t.equal(await member.repos.rewards.epoch(PAYING), undefined, 'the epoch waits: nobody served the list')
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), -1, 'not unreconciled within the bound')
  clock.at += AFTER_MS
  await member.round()
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), ANCHORED, 'past the bound the first rewards epoch that reads the anchored epoch is unreconciled')
  t.equal(await value(member, 'virusmap_rewards_unreconciled_total', { reason: 'UNMATCHED' }), 1, 'counted with its reason: the anchored list never arrived')
  t.equal(member.warnings.filter((w) => w.startsWith('rewards epoch unreconciled')).length, 1, 'and logged')
  const asked = await value(member, 'virusmap_report_fetch_total', { outcome: 'not-found' }) ?? 0
  for (let k = 0; k < 3; k++) {
    clock.at += 11 * 60_000
    await member.round()
  }
  t.equal(await value(member, 'virusmap_rewards_unreconciled_total', { reason: 'UNMATCHED' }), 1, 'declared once')
  t.ok((await value(member, 'virusmap_report_fetch_total', { outcome: 'not-found' }) ?? 0) > asked, 'the fetch goes on at its backoff')
  for (const epoch of [ANCHORED, PAYING]) t.same(await member.repos.rewards.signatures(epoch), [], `nothing signed for epoch ${epoch}`)

  await connect(host, honestPeer)
  for (let k = 0; k < 6 && (await member.repos.rewards.epoch(PAYING)) === undefined; k++) {
    clock.at += 11 * 60_000
    await member.round()
  }
  t.equal((await member.repos.rewards.epoch(PAYING))?.items.length, 2, 'a peer holding the list appeared: the epoch is computed from the anchored reports')
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), -1, 'and no longer unreconciled')
  t.same((await member.repos.rewards.signatures(PAYING)).map((s) => s.member), [self], 'its root is signed: the chain has none for it yet')
})

tap.test('the quorum posted the epoch without this member: unreconciled past the bound, and not signed when it catches up', async (t) => {
  const { member, host, honestPeer, clock } = await world(t)
  member.chain.posts.push({ epoch: PAYING, root: `0x${'ee'.repeat(32)}`, total: 1n, signers: [] })
  await member.round()
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), -1, 'not at once: a member catching up fetches within a few passes')
  clock.at += AFTER_MS
  await member.round()
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), ANCHORED, 'past the bound')
  await connect(host, honestPeer)
  for (let k = 0; k < 6 && (await member.repos.rewards.epoch(PAYING)) === undefined; k++) {
    clock.at += 11 * 60_000
    await member.round()
  }
  t.equal((await member.repos.rewards.epoch(PAYING))?.items.length, 2, 'computed once the reports arrived')
  t.equal(await value(member, 'virusmap_rewards_unreconciled_epoch'), -1)
  t.same(await member.repos.rewards.signatures(PAYING), [], 'not signed: the chain already holds a root for it')
})
