import tap from 'tap'
import { createGroupFsync } from '../../src/ipfs/group-fsync.ts'

/** A fake fsync whose calls the test finishes by hand, in order. */
function manual () {
  const calls: Array<{ path: string, done: () => void, fail: (err: Error) => void }> = []
  const fsyncPath = async (path: string): Promise<void> => {
    await new Promise<void>((resolve, reject) => { calls.push({ path, done: resolve, fail: reject }) })
  }
  return { calls, fsyncPath }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

tap.test('callers asking while an fsync runs share one fsync that starts after it', async t => {
  const { calls, fsyncPath } = manual()
  const fsync = createGroupFsync(fsyncPath)
  const settled: string[] = []
  const first = fsync('/d').then(() => { settled.push('first') })
  await tick()
  t.equal(calls.length, 1)
  // these two may have renamed into /d after the running fsync began: it does not cover them
  const second = fsync('/d').then(() => { settled.push('second') })
  const third = fsync('/d').then(() => { settled.push('third') })
  await tick()
  t.equal(calls.length, 1, 'no second fsync while one runs')
  calls[0]?.done()
  await first
  await tick()
  t.same(settled, ['first'], 'the later callers wait for the next fsync')
  t.equal(calls.length, 2, 'which starts once the first is done')
  calls[1]?.done()
  await Promise.all([second, third])
  t.same(settled, ['first', 'second', 'third'])
  // other paths and later callers start afresh
  const other = fsync('/e')
  const again = fsync('/d')
  await tick()
  t.same(calls.slice(2).map(c => c.path), ['/e', '/d'])
  calls[2]?.done()
  calls[3]?.done()
  await Promise.all([other, again])
})

tap.test('a failed fsync fails the callers that shared it, and the next caller tries again', async t => {
  const { calls, fsyncPath } = manual()
  const fsync = createGroupFsync(fsyncPath)
  const first = fsync('/d')
  await tick()
  const waiting = fsync('/d')
  calls[0]?.fail(new Error('EIO'))
  await t.rejects(first, /EIO/)
  await tick()
  calls[1]?.fail(new Error('EIO again'))
  await t.rejects(waiting, /EIO again/)
  const later = fsync('/d')
  await tick()
  calls[2]?.done()
  await later
  t.equal(calls.length, 3)
})
