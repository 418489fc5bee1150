// SPEC section 9, inline blocks: an origin publishes a small file's blocks beside its job; every member that holds
// a key wrap of the valid job is offered them for its scan, a non-member relay is not, and the job that is stored
// and carried into reports is the signed job alone.
import tap from 'tap'
import { memoryCoordinators, sourceOf, until } from '../fixtures/memory-coordinators.ts'
import { quickEngine } from '../fixtures/test-engines.ts'
import type { SampleAccess } from '../../src/quorum/ports.ts'

const parameters = { commitWindowMs: 3000n, revealWindowMs: 2000n, attestWindowMs: 1000n }

tap.test('members are offered the blocks the origin published with the job; reports carry the job alone', async (t) => {
  const blocks = [new Uint8Array([1, 2, 3]), new Uint8Array(4112).fill(9)]
  const offered = new Map<number, Uint8Array[][]>()
  const read = new Map<number, number>()
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    parameters,
    observers: 1,
    samples: (shared, i): SampleAccess => ({
      ...shared,
      readSample: async (cid, key, options) => { read.set(i, (read.get(i) ?? 0) + 1); return await shared.readSample(cid, key, options) },
      inlineBlocks: async () => blocks,
      offerBlocks: (given) => { offered.set(i, [...(offered.get(i) ?? []), given.map((b) => new Uint8Array(b))]) }
    })
  })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a small file with its blocks inline'), {})
  const reports = await Promise.all([0, 1, 2, 3].map(async (i) => await until(`member ${i} reports`, async () => await net.repos[i]?.reports.get(analysisId))))
  for (const i of [1, 2, 3]) t.same(offered.get(i), [blocks], `member ${i} was offered the blocks once, as published`)
  t.equal(offered.get(0), undefined, 'the origin reads its own')
  t.equal(offered.get(4), undefined, 'a node without a key wrap keeps none')
  t.ok([0, 1, 2, 3].every((i) => read.get(i) === 1), 'each member read the sample once, through its own store')
  for (const report of reports) t.same(Object.keys(report.job), ['type', 'job', 'signature'], 'the report\'s job is the signed job alone')
  const stored = await net.repos[2]?.jobs.get(analysisId)
  t.same(Object.keys(stored?.job ?? {}), ['type', 'job', 'signature'], 'so is the job a member stored')

  // a relay sends the same signed job again with other blocks: a job already known, ignored before anything is offered
  await net.gossip(4).publish('jobs', { ...(stored?.job as NonNullable<typeof stored>['job']), blocks: [Buffer.alloc(4096, 7).toString('base64')] })
  await new Promise((resolve) => setTimeout(resolve, 200))
  for (const i of [1, 2, 3]) t.same(offered.get(i), [blocks], `member ${i}: the variant's blocks were not offered`)
})

tap.test('a sample access that reads no inline blocks publishes the job without them', async (t) => {
  const offered: number[] = []
  const net = await memoryCoordinators(t, {
    engines: () => [quickEngine()],
    parameters,
    samples: (shared, i): SampleAccess => ({ ...shared, inlineBlocks: async () => { throw new Error('disk gone') }, offerBlocks: () => { offered.push(i) } })
  })
  const { analysisId } = await net.coordinator(0).submitFile(sourceOf('a file whose blocks could not be read back'), {})
  await Promise.all([0, 1, 2, 3].map(async (i) => await until(`member ${i} reports`, async () => await net.repos[i]?.reports.get(analysisId))))
  t.same(offered, [], 'nothing offered: the members read the sample as for a large file')
})
