// Issue 16's last stall: a member down through an epoch holds none of its reports and no proposal. A lying
// member signs another jobId list under the anchored root and its leaves (only the reports tie a jobId to a
// leaf) and serves it first, so the member matches the root to jobs nobody holds. Over real libp2p hosts, the
// member must still end the epoch: no peer serves a listed job, so it asks every peer for the root's proposal,
// fetches the reports of each other list, keeps the list its reports prove (counted as a conflict), and its
// rewards epoch is computed. The liar serves one forged list, or a new one at each request, from one host or
// from eight sybil hosts each serving its own; a pass asks for three things at most, so the liar's lists of
// jobs nobody holds must not spend it before the anchored list's.
import tap from 'tap'
import { startFetchMember } from './fetch-member.ts'
import { ANCHORED, connect, PAYING, proposalOf, rewardedReport, signedProposal, startHost, startServer } from './fetch-world.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { StoredAnchorProposal } from '../../src/db/anchor-repository.ts'

const reports = await Promise.all(['one', 'two', 'three'].map(async (l, i) => await rewardedReport(`forged-${l}`, i))) as [Report, Report, Report]
const honest = await proposalOf(ANCHORED, reports)
const LIAR = 1
let forgeries = 0
/** the honest root and leaves over jobIds nobody holds, signed by the lying member */
async function forged (): Promise<StoredAnchorProposal> {
  forgeries++
  const jobIds = [1, 2, 3].map((k) => `0x${forgeries.toString(16).padStart(2, '0')}${k.toString(16).padStart(62, '0')}` as Hex)
  return await signedProposal({ epoch: ANCHORED, root: honest.root, leafCount: 3, jobIds, leaves: honest.leaves }, LIAR)
}
const first = await forged()

/** forged lists signed ahead (a host answers synchronously), one taken at each request */
const pool = await Promise.all(Array.from({ length: 160 }, forged))
const fresh = (): StoredAnchorProposal => pool.pop() ?? first

/** the anchored list as the lying member signed it: it proposed the anchored root, then forged lists under it */
const liarsOwn = await signedProposal({ epoch: ANCHORED, root: honest.root, leafCount: honest.leafCount, jobIds: honest.jobIds, leaves: honest.leaves }, LIAR)

/**
 * `anchored`: the list the honest peer serves (default the honest proposer's); `perPass`: asks a pass makes at most
 * (default 3). When the liar signed the anchored list too, only the reports tell its lists apart: what a pass has
 * left once the other signers' lists are done goes to the liar's next lists, so one pass finds the anchored one.
 */
const lies: Array<{ name: string, hosts: number, serve: () => Promise<StoredAnchorProposal | (() => StoredAnchorProposal)>, anchored?: StoredAnchorProposal, perPass?: number }> = [
  { name: 'one forged list', hosts: 1, serve: async () => first },
  { name: 'a new forged list at each request', hosts: 1, serve: forged },
  { name: 'a new forged list per request from each of 8 sybils', hosts: 8, serve: async () => fresh },
  { name: 'the anchored list\'s proposer\'s forgeries from 8 sybils', hosts: 8, serve: async () => fresh, anchored: liarsOwn, perPass: 12 }
]

for (const lie of lies) {
  tap.test(`a member holding none of an epoch's reports, served ${lie.name} first, computes it from the anchored list`, async (t) => {
    // the liar holds no report and serves its list; the honest peer serves the reports and the anchored proposal
    let served: StoredAnchorProposal | (() => StoredAnchorProposal) = first
    const liars = []
    for (let i = 0; i < lie.hosts; i++) liars.push(await startServer(t, () => undefined, {}, undefined, () => (typeof served === 'function' ? served() : served)))
    const anchored = lie.anchored ?? honest
    const peer = await startServer(t, (jobId) => reports.find((r) => r.jobId === jobId), {}, undefined, (epoch, root) => (epoch === ANCHORED && root === honest.root ? anchored : undefined))
    const host = await startHost(t)
    // asked in the order connected: the liars first
    for (const p of [...liars, peer]) await connect(host, p)
    const { repos, metrics, warnings, round } = await startFetchMember(t, host, { anchored: honest, maxJobsPerPass: lie.perPass ?? 3 })

    await round()
    t.same((await repos.anchors.proposal(ANCHORED, honest.root))?.jobIds, first.jobIds, 'the liar, asked first, served its forged list, and it was stored')
    served = await lie.serve()
    let rounds = 0
    for (; rounds < 8 && (await repos.rewards.epoch(PAYING)) === undefined; rounds++) await round()
    t.comment(`computed after ${rounds} more rounds`)
    t.same((await repos.anchors.proposal(ANCHORED, honest.root))?.jobIds, honest.jobIds, 'the list the fetched reports prove replaced the forged one')
    const record = await repos.anchors.epoch(ANCHORED)
    t.same(record?.jobIds, honest.jobIds, 'the anchored root is matched to the honest list again')
    t.same(record?.missing, [], 'every listed report is held and proven')
    for (const r of reports) t.ok(await repos.anchors.jobAnchor(r.jobId), 'each anchored job is provable here')
    const epoch = await repos.rewards.epoch(PAYING)
    t.ok(epoch?.root, `the rewards epoch ${PAYING} is computed`)
    t.equal(epoch?.items.length, 3, 'every anchored report scored')
    t.match(await metrics.registry.getSingleMetricAsString('virusmap_anchors_proposal_conflicts_total'), /virusmap_anchors_proposal_conflicts_total [1-9]/, 'the conflict is counted')
    t.ok(warnings.includes('two proposals list different jobs under one root'), 'and logged with both proposers')
  })
}
