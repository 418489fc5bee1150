import tap from 'tap'
import { singleFlight } from '../../src/quorum/single-flight.ts'

tap.test('calls for one key while it runs join the run; later calls and other keys run on their own', async (t) => {
  const calls: string[] = []
  const gates = new Map<string, PromiseWithResolvers<void>>()
  const once = singleFlight(async (key: string) => {
    calls.push(key)
    const gate = Promise.withResolvers<void>()
    gates.set(key, gate)
    await gate.promise
  })
  const first = once('job-1')
  const joined = once('job-1')
  const other = once('job-2')
  t.same(calls, ['job-1', 'job-2'], 'the second call for job-1 did not run it again')
  gates.get('job-1')?.resolve()
  gates.get('job-2')?.resolve()
  await Promise.all([first, joined, other])
  const again = once('job-1')
  t.same(calls, ['job-1', 'job-2', 'job-1'], 'after the run ended, a call runs again')
  gates.get('job-1')?.resolve()
  await again
})

tap.test('a failed run fails every caller that joined it and does not stay', async (t) => {
  let runs = 0
  const once = singleFlight(async () => {
    runs++
    if (runs === 1) throw new Error('store unavailable')
  })
  const results = await Promise.allSettled([once('k'), once('k')])
  t.same(results.map((r) => r.status), ['rejected', 'rejected'])
  await once('k')
  t.equal(runs, 2)
})
