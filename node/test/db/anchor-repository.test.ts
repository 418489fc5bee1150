import tap from 'tap'
import { AnchorRepository, openDatabase } from '../../src/db/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { StoredAnchorProposal } from '../../src/db/index.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const ROOT_A = hex('a1', 32)
const ROOT_B = hex('b2', 32)
const J1 = hex('01', 32)
const J2 = hex('02', 32)
const M1 = hex('11', 20)
const M2 = hex('22', 20)
const M3 = hex('33', 20)

const proposal = (epoch: number, root: Hex, jobIds: Hex[]): StoredAnchorProposal =>
  ({ epoch, proposer: M1, jobIds, leaves: jobIds, root, leafCount: jobIds.length, signature: hex('00', 65) })

tap.test('anchor repository', async (suite) => {
  const db = await openDatabase({ path: suite.testdir() })
  suite.teardown(async () => { await db.close() })
  const anchors = new AnchorRepository(db)

  suite.test('proposals: the first one per (epoch, root) is kept', async (t) => {
    t.equal(await anchors.addProposal(proposal(7, ROOT_A, [J1, J2])), true)
    t.equal(await anchors.addProposal({ ...proposal(7, ROOT_A, [J1]), proposer: M2 }), false, 'the same root again is not stored')
    t.equal(await anchors.addProposal(proposal(7, ROOT_B, [J2])), true, 'another root for the same epoch is')
    t.same((await anchors.proposal(7, ROOT_A))?.jobIds, [J1, J2])
    t.equal((await anchors.proposal(7, ROOT_A))?.proposer, M1)
    t.equal(await anchors.proposal(8, ROOT_A), undefined, 'proposals are per epoch')
    t.same((await anchors.proposals(7)).map((p) => p.root), [ROOT_A, ROOT_B])
  })

  suite.test('signatures: per root, by member ascending whatever the arrival order', async (t) => {
    for (const member of [M3, M1, M2]) await anchors.addSignature(7, ROOT_A, { member, signature: hex(member.slice(2, 4), 65) })
    await anchors.addSignature(7, ROOT_B, { member: M2, signature: hex('22', 65) })
    await anchors.addSignature(70, ROOT_A, { member: M1, signature: hex('11', 65) })
    t.same((await anchors.signatures(7, ROOT_A)).map((s) => s.member), [M1, M2, M3])
    t.same((await anchors.signatures(7, ROOT_B)).map((s) => s.member), [M2])
    t.same((await anchors.signatures(70, ROOT_A)).map((s) => s.member), [M1], 'epoch 7 is not a prefix of epoch 70')
  })

  suite.test('anchored: recorded once, signatures and losing proposals dropped, jobs assigned with their proofs', async (t) => {
    const anchored = { epoch: 7, root: ROOT_A, leafCount: 2, block: 250, tx: hex('cc', 32), submitter: M2 }
    t.equal(await anchors.recordAnchored(anchored), true)
    t.equal(await anchors.recordAnchored({ ...anchored, root: ROOT_B }), false, 'the first anchor of an epoch stands')
    t.same(await anchors.signatures(7, ROOT_A), [])
    t.same(await anchors.signatures(7, ROOT_B), [])
    t.same((await anchors.signatures(70, ROOT_A)).length, 1, 'another epoch keeps its signatures')
    t.equal(await anchors.proposal(7, ROOT_B), undefined, 'the losing root is forgotten')
    t.ok(await anchors.proposal(7, ROOT_A), 'the anchored root is kept')
    t.equal(await anchors.jobAnchor(J1), undefined, 'no job is anchored before its proofs are recorded')
    await anchors.assignJobs(7, [J1, J2], [{ jobId: J2, proof: [] }], [J1])
    t.same(await anchors.jobAnchor(J2), { epoch: 7, root: ROOT_A, leafIndex: 1, proof: [], block: 250 })
    t.equal(await anchors.jobAnchor(J1), undefined, 'a job whose report is missing has no proof yet')
    t.same([(await anchors.epoch(7))?.jobIds, (await anchors.epoch(7))?.missing], [[J1, J2], [J1]], 'but is listed, and kept as missing')
    await anchors.assignJobs(7, [J1, J2], [{ jobId: J1, proof: [ROOT_B] }], [])
    t.same((await anchors.jobAnchor(J1))?.proof, [ROOT_B], 'proven once its report arrives')
    t.same((await anchors.epoch(7))?.missing, [])
    await t.rejects(anchors.assignJobs(8, [J1], [{ jobId: J1, proof: [] }], []), /not recorded/, 'an epoch not anchored takes no jobs')
  })

  suite.test('epochs: newest first, bounded, paged', async (t) => {
    for (const epoch of [9, 100, 8]) await anchors.recordAnchored({ epoch, root: ROOT_B, leafCount: 1, block: epoch * 30 + 31, tx: hex('dd', 32), submitter: M1 })
    t.same((await anchors.epochs(10)).map((e) => e.epoch), [100, 9, 8, 7])
    t.same((await anchors.epochs(2)).map((e) => e.epoch), [100, 9])
    t.same((await anchors.epochs(10, 9)).map((e) => e.epoch), [8, 7])
    t.same(await anchors.epochs(0), [])
    t.equal(await anchors.epoch(10), undefined)
  })

  suite.test('events read to a block, kept across reads', async (t) => {
    t.equal(await anchors.eventsReadTo(), undefined)
    await anchors.setEventsReadTo(1234)
    t.equal(await anchors.eventsReadTo(), 1234)
  })

  suite.test('a reorg takes back the anchors of its blocks and their jobs\' leaves', async (t) => {
    // epoch 7 (block 250, jobs J1 and J2) stays; 8, 9 and 100 were recorded from blocks 271, 301 and 3031
    t.same((await anchors.forgetAnchoredAfter(280)).toSorted((a, b) => a - b), [9, 100])
    t.same((await anchors.epochs(10)).map((e) => e.epoch), [8, 7])
    t.equal(await anchors.eventsReadTo(), 280, 'events are read again from the ancestor')
    t.same(await anchors.forgetAnchoredAfter(280), [], 'nothing more to forget')
    t.equal(await anchors.eventsReadTo(), 280)
    t.same(await anchors.forgetAnchoredAfter(100), [7, 8], 'in epoch order')
    t.equal(await anchors.jobAnchor(J1), undefined, 'a job of a forgotten epoch is pending again')
    t.equal(await anchors.jobAnchor(J2), undefined)
  })
})

tap.test('job anchors are read through a cache that no overtaken read can leave stale', async (t) => {
  const db = await openDatabase({ path: t.testdir() })
  t.teardown(async () => { await db.close() })
  // a database whose next get answers only once let go, after the writes below have landed
  let hold: Promise<void> | undefined
  const slow = new Proxy(db, {
    get: (target, key) => key === 'get'
      ? async (...args: Parameters<typeof db.get>) => { const wait = hold; const value = await target.get(...args); await wait; return value }
      : (value => typeof value === 'function' ? value.bind(target) : value)(Reflect.get(target, key, target))
  })
  const anchors = new AnchorRepository(slow)
  await anchors.recordAnchored({ epoch: 3, root: ROOT_A, leafCount: 1, block: 90, tx: hex('cc', 32), submitter: M1 })
  const J3 = hex('ab', 32)
  t.equal(await anchors.jobAnchor(J3), undefined, 'not anchored yet (now known so)')
  const { promise: gate, resolve: release } = Promise.withResolvers<void>()
  hold = gate
  const overtaken = anchors.jobAnchor(J2) // reads before the write below, answers after it
  hold = undefined
  await anchors.assignJobs(3, [J3, J2], [{ jobId: J3, proof: [] }, { jobId: J2, proof: [ROOT_B] }], [])
  release()
  await overtaken
  t.same((await anchors.jobAnchor(J2))?.proof, [ROOT_B], 'the read the write overtook kept nothing: the next read sees the write')
  t.same((await anchors.jobAnchor(`0x${'AB'.repeat(32)}`))?.epoch, 3, 'a cached "not anchored" is forgotten by the write, whatever the case of the id')
  await anchors.forgetAnchoredAfter(50)
  t.equal(await anchors.jobAnchor(J2), undefined, 'a reorg forgets cached anchors')
})
