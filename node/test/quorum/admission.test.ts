import tap from 'tap'
import { createAdmission } from '../../src/quorum/admission.ts'
import { NetworkBusyError } from '../../src/quorum/errors.ts'
import { memoryCoordinators, SHORT_JOB_PARAMETERS, sourceOf } from '../fixtures/memory-coordinators.ts'
import { MAX_JOB_ATTEMPTS } from '../../src/quorum/job-submission.ts'
import { gate, gatedEngine, quickEngine } from '../fixtures/test-engines.ts'
import type { Hex } from '#protocol/messages.ts'
import type { LiveJob } from '../../src/quorum/job-book.ts'

// SPEC section 10: an origin keeps at most maxActiveJobs of its own jobs open; a further submission
// waits for a slot, and is refused as NETWORK_BUSY when its wait is cut short.

/** a promise's outcome so far, without waiting for it */
function watch<T> (p: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false }
  p.then(() => { state.settled = true }, () => { state.settled = true })
  return state
}

/** lets every pending promise reaction run */
const drain = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

tap.test('a limit must be a positive integer', async (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) t.throws(() => createAdmission(bad), RangeError, String(bad))
})

tap.test('slots are granted up to the limit, then in arrival order as they are released', async (t) => {
  const admission = createAdmission(2)
  await admission.acquire()
  await admission.acquire()
  t.equal(admission.open, 2)
  const order: string[] = []
  const first = admission.acquire().then(() => { order.push('first') })
  const second = admission.acquire().then(() => { order.push('second') })
  await drain()
  t.same(order, [], 'both wait while the slots are held')
  t.equal(admission.waiting, 2)
  admission.release()
  await first
  await drain()
  t.same(order, ['first'], 'a release hands its slot to the first waiter')
  t.equal(admission.open, 2, 'the slot passed on is still held')
  admission.release()
  await second
  t.same(order, ['first', 'second'])
  for (let i = 0; i < 3; i++) admission.release()
  t.equal(admission.open, 0, 'releasing more than was taken never goes below zero')
})

tap.test('a waiter whose signal aborts is refused NETWORK_BUSY and leaves the queue', async (t) => {
  const admission = createAdmission(1)
  await admission.acquire()
  await t.rejects(admission.acquire({ signal: AbortSignal.abort() }), { code: 'NETWORK_BUSY' }, 'already aborted')
  const controller = new AbortController()
  const waiting = admission.acquire({ signal: controller.signal })
  await drain()
  t.equal(admission.waiting, 1)
  controller.abort()
  await t.rejects(waiting, NetworkBusyError)
  t.equal(admission.waiting, 0, 'it left the queue')
  admission.release()
  t.equal(admission.open, 0, 'the released slot went to nobody')
  await admission.acquire({ signal: AbortSignal.timeout(1000) })
  t.equal(admission.open, 1, 'a free slot is taken at once')
})

tap.test('take holds a slot without waiting, past the limit: a retry keeps its failed job\'s place', async (t) => {
  const admission = createAdmission(1)
  await admission.acquire()
  admission.take()
  t.equal(admission.open, 2)
  const next = watch(admission.acquire())
  admission.release()
  await drain()
  t.equal(next.settled, false, 'one release of two leaves the limit reached')
  admission.release()
  await drain()
  t.equal(next.settled, true)
})

tap.test('with maxActiveJobs 1 a second upload waits for the first job to end; cut short it is NETWORK_BUSY', async (t) => {
  // members answer only when the test opens the gate, so the first job stays open until then
  const scans = gate()
  const net = await memoryCoordinators(t, {
    engines: () => [gatedEngine(quickEngine(), scans.opened)],
    maxActiveJobs: 1,
    parameters: { commitWindowMs: 10_000n }
  })
  const origin = net.coordinator(0)
  const first = await origin.submitFile(sourceOf('the first upload'), {})
  await t.rejects(origin.submitFile(sourceOf('a second upload'), {}, { signal: AbortSignal.timeout(200) }), { code: 'NETWORK_BUSY' })
  const again = await origin.submitFile(sourceOf('the first upload'), {}, { signal: AbortSignal.timeout(200) })
  t.equal(again.analysisId, first.analysisId, 'the same sample joins its open job without a slot')

  let firstWhenAdmitted: LiveJob['state'] | undefined
  const second = origin.submitFile(sourceOf('a second upload'), {}).then((r) => {
    firstWhenAdmitted = origin.liveJob(first.analysisId)?.state
    return r
  })
  scans.open()
  const { analysisId } = await second
  t.equal(firstWhenAdmitted, 'final', 'the second job was created only once the first had its report')
  t.not(analysisId, first.analysisId)
  t.match(origin.liveJob(analysisId), { state: 'open' }, 'and it runs')
})

tap.test('a retry keeps its failed job\'s slot: a waiting upload is admitted only once the retries are over', async (t) => {
  // members 2 and 3 never answer, so every job fails NO_QUORUM and is retried
  const net = await memoryCoordinators(t, { engines: () => [quickEngine()], online: [0, 1], maxActiveJobs: 1, parameters: SHORT_JOB_PARAMETERS })
  const origin = net.coordinator(0)
  const failing = await origin.submitFile(sourceOf('a sample short of its quorum'), {})
  let seen: { attempts: Array<LiveJob['state']>, open: number } | undefined
  await origin.submitFile(sourceOf('an upload that waits for a slot'), {}).then(() => {
    seen = {
      attempts: origin.jobs.fromBlock(0).filter((l) => l.signed.job.sha256 === failing.sha256).map((l) => l.state),
      open: origin.jobs.openBy(net.addresses[0] as Hex)
    }
  })
  t.same(seen, { attempts: Array(MAX_JOB_ATTEMPTS).fill('failed'), open: 1 }, 'every attempt had ended, and one job of this origin is open')
})

tap.test('tryAcquire takes a slot only while the reserve stays free, and never past a waiting submission', async (t) => {
  const admission = createAdmission(4)
  t.equal(admission.tryAcquire(2), true)
  t.equal(admission.tryAcquire(2), true)
  t.equal(admission.tryAcquire(2), false, 'two of four must stay free')
  t.equal(admission.open, 2)
  t.equal(admission.tryAcquire(-5), true, 'a negative reserve is none')
  await admission.acquire()
  t.equal(admission.open, 4)
  const waiting = admission.acquire()
  await drain()
  t.equal(admission.tryAcquire(0), false, 'full, with a submission waiting')
  admission.release()
  await waiting
  t.equal(admission.open, 4, 'the freed slot went to the waiting submission')
  admission.release()
  t.equal(admission.tryAcquire(0), true)
})
