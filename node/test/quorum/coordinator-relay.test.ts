import tap from 'tap'
import { BLOCK, memoryCoordinators, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { quickEngine } from '../fixtures/test-engines.ts'
import type { Hex } from '#protocol/messages.ts'
import type { RegistryFollower } from '../../src/chain/registry-follower.ts'
import type { Repositories } from '../../src/db/index.ts'
import type { MemoryCoordinators } from '../fixtures/memory-coordinators.ts'

// SPEC section 6: gossipsub forwards only what a node accepts. Members are not all peers of each other
// (a mesh of degree 4-8 among dozens), so a relay that is merely behind (on the chain, or on the job a
// message names) must wait and forward, not ignore: otherwise the message stops one hop from its
// publisher, and the members past the relay never see it.
// windows wide enough for a loaded machine: the first attempt must report, a retry would hide the fault
const parameters = { commitWindowMs: 3000n, revealWindowMs: 2000n, attestWindowMs: 1000n }

/** the members in a line, 0 - 1 - 2 - 3: each is a peer of its neighbours only */
function line (net: MemoryCoordinators): void {
  const at = (g: unknown): number => [0, 1, 2, 3].findIndex((i) => net.gossip(i) === g)
  net.bus.linked = (a, b) => Math.abs(at(a) - at(b)) === 1
}

/** `shared` one block behind until `caughtUp` resolves: the node polls the chain later than the others */
function behind (shared: RegistryFollower, caughtUp: Promise<void>): RegistryFollower {
  let block = BLOCK - 1
  void caughtUp.then(() => { block = BLOCK })
  return {
    ...shared,
    get followedBlock () { return block },
    isMemberAt: (operator, at) => at <= block && shared.isMemberAt(operator, at),
    membersAt: (at) => (at <= block ? shared.membersAt(at) : []),
    enginesAt: (member, at) => (at <= block ? shared.enginesAt(member, at) : []),
    parameterAt: (name, at) => (at <= block ? shared.parameterAt(name, at) : undefined),
    async waitFor (at, options = {}) {
      if (at <= block) return
      await Promise.race([caughtUp, new Promise((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
      })])
    }
  }
}

/** every member's report of the analysis's first job, with the members whose verdicts it carries */
async function firstAttemptReports (net: MemoryCoordinators, jobId: Hex): Promise<Array<Hex[]>> {
  return await Promise.all(net.repos.map(async (repos: Repositories, i) => await until(`member ${i} reports the first job`, async () => {
    const report = await repos.reports.get(jobId)
    return report?.verdicts.map((v) => v.verdict.member).toSorted()
  }, 20_000)))
}

tap.test('a relay behind on the chain forwards a job once it has followed the job\'s block', async (t) => {
  const { promise: caughtUp, resolve: catchUp } = Promise.withResolvers<void>()
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    parameters,
    follower: (shared, i) => (i === 1 ? behind(shared, caughtUp) : shared)
  })
  line(net)
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a job that passes a relay a block behind'), {})
  setTimeout(catchUp, 300)
  const reports = await firstAttemptReports(net, analysisId)
  const all = net.addresses.toSorted()
  t.same(reports, [all, all, all, all], 'members 2 and 3, past the relay, scanned the first job: every member reports every verdict')
})

tap.test('a relay that has not seen a job yet forwards its commitments once the job arrives', async (t) => {
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], parameters })
  line(net)
  // the job reaches member 1 late, after member 0's commitment for it
  net.bus.delay = (topic, _msg, to) => (topic === 'jobs' && to === net.gossip(1) ? 300 : undefined)
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a commitment that outruns its job'), {})
  const reports = await firstAttemptReports(net, analysisId)
  const all = net.addresses.toSorted()
  t.same(reports, [all, all, all, all], 'member 0\'s commitment and reveal reached members 2 and 3 through member 1')
  t.notOk(net.bus.refused.includes('UNKNOWN_JOB'), 'no message was dropped for outrunning its job')
})
