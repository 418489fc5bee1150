import tap from 'tap'
import { BlockPresence } from '../../src/ipfs/block-presence.ts'

/** a probe of the disk that answers `found` and counts its calls */
function disk (found: boolean): { probe: () => Promise<boolean>, calls: () => number } {
  let calls = 0
  return { probe: async () => { calls++; return found }, calls: () => calls }
}

/** a probe that must not be made: the answer is known */
const never = async (): Promise<boolean> => { throw new Error('no probe expected') }

tap.test('a block probed once is answered from memory after, found or not', async (t) => {
  const p = new BlockPresence()
  const missing = disk(false)
  t.equal(await p.check('a', missing.probe), false)
  t.equal(await p.check('a', missing.probe), false)
  t.equal(missing.calls(), 1, 'one probe for a missing block asked twice')
  const there = disk(true)
  t.equal(await p.check('b', there.probe), true)
  t.equal(await p.check('b', there.probe), true)
  t.equal(there.calls(), 1)
})

tap.test('a block renamed into place is there, and one deleted is not, whatever was kept before', async (t) => {
  const p = new BlockPresence()
  await p.check('a', disk(false).probe)
  p.added('a')
  t.equal(await p.check('a', never), true, 'the rename replaced the kept absence')
  p.removed('a', false)
  const during = disk(true)
  t.equal(await p.check('a', during.probe), true, 'while the unlink runs the disk is asked')
  t.equal(during.calls(), 1)
  p.removed('a', true)
  t.equal(await p.check('a', never), false, 'deleted')
})

tap.test('a probe that overlapped a rename or a deletion is answered but not kept', async (t) => {
  const p = new BlockPresence()
  // the probe reads the disk before the rename and answers after it
  const slow = Promise.withResolvers<boolean>()
  const checking = p.check('a', async () => await slow.promise)
  p.added('b')
  slow.resolve(false)
  t.equal(await checking, false, 'the disk\'s answer')
  const again = disk(true)
  t.equal(await p.check('a', again.probe), true, 'asked again: the stale absence was not kept')
  t.equal(again.calls(), 1)

  const slower = Promise.withResolvers<boolean>()
  const before = p.check('c', async () => await slower.promise)
  p.removed('c', false)
  slower.resolve(true)
  t.equal(await before, true)
  p.removed('c', true)
  t.equal(await p.check('c', disk(true).probe), false, 'the deletion stands, not the overlapping probe')
})

tap.test('memory is bounded: the oldest kept names are probed again', async (t) => {
  const p = new BlockPresence(2)
  for (const name of ['a', 'b', 'c']) await p.check(name, disk(false).probe)
  const a = disk(false)
  await p.check('a', a.probe)
  t.equal(a.calls(), 1, 'a was dropped')
  const c = disk(false)
  await p.check('c', c.probe)
  t.equal(c.calls(), 0, 'c is kept')
  t.throws(() => new BlockPresence(0), RangeError)
})
