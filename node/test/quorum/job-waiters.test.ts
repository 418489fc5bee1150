import tap from 'tap'
import { createJobWaiters } from '../../src/quorum/job-waiters.ts'
import type { Hex } from '#protocol/messages.ts'

// What a relay's gossip validation waits on (SPEC section 6): news of its job, else a short retry; never past its signal.
const JOB = `0x${'aa'.repeat(32)}` as Hex
const OTHER = `0x${'bb'.repeat(32)}` as Hex
const reason = (code: string): Error => Object.assign(new Error(code), { code })

tap.test('news of the job wakes its waiters at once, and only them', async (t) => {
  const waiters = createJobWaiters()
  const woke: string[] = []
  const a = waiters.changed(JOB, {}).then(() => { woke.push('a') })
  const b = waiters.changed(JOB, {}).then(() => { woke.push('b') })
  const other = waiters.changed(OTHER, {}).then(() => { woke.push('other') })
  const start = Date.now()
  waiters.notify(JOB)
  await Promise.all([a, b])
  t.ok(Date.now() - start < 400, 'before the retry timer')
  t.same(woke.toSorted(), ['a', 'b'])
  await other
  t.ok(Date.now() - start >= 400, 'another job\'s waiter wakes only at its retry')
})

tap.test('without news a waiter retries after a short while; a notify with nobody waiting is nothing', async (t) => {
  const waiters = createJobWaiters()
  waiters.notify(JOB)
  const start = Date.now()
  await waiters.changed(JOB, {})
  t.ok(Date.now() - start >= 400 && Date.now() - start < 5000)
})

tap.test('an aborted signal ends the wait with its reason, and an aborted one never starts', async (t) => {
  const waiters = createJobWaiters()
  const controller = new AbortController()
  const waiting = waiters.changed(JOB, { signal: controller.signal })
  controller.abort(reason('STOPPING'))
  await t.rejects(waiting, { code: 'STOPPING' })
  await t.rejects(waiters.changed(JOB, { signal: AbortSignal.abort(reason('NO_SLOT')) }), { code: 'NO_SLOT' })
})
