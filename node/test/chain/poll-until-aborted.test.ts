import tap from 'tap'
import { pollUntilAborted, untilNextPoll } from '../../src/chain/poll-until-aborted.ts'

tap.test('the next poll is at the next multiple of the interval on the clock at least half an interval away', async (t) => {
  t.equal(untilNextPoll(500, 10_000), 500, 'on a multiple: a whole interval')
  t.equal(untilNextPoll(500, 10_001), 499)
  t.equal(untilNextPoll(500, 10_250), 250)
  t.equal(untilNextPoll(500, 10_251), 749, 'less than half an interval to the next: the one after')
  t.equal(untilNextPoll(500, 10_499), 501)
  t.equal(untilNextPoll(1000, 10_250), 750)
  t.equal(untilNextPoll(0, 10_250), 0, 'an interval of 0: at once')
})

tap.test('two loops with the same interval pass at the same moments, whenever they started', async (t) => {
  const controller = new AbortController()
  const at: number[][] = [[], []]
  const loop = (i: number): Promise<void> => pollUntilAborted(async () => { at[i]?.push(Date.now()) }, 200, controller.signal)
  const first = loop(0)
  await new Promise((resolve) => setTimeout(resolve, 110))
  const second = loop(1)
  await new Promise((resolve) => setTimeout(resolve, 700))
  controller.abort()
  await Promise.all([first, second])
  // each one's passes after its first land on the multiples of 200 ms (a timer fires a little late, never early)
  for (const times of at) for (const time of times.slice(1)) t.ok(time % 200 < 80, `a pass at ${time % 200} ms past a multiple`)
  t.ok((at[0]?.length ?? 0) >= 3 && (at[1]?.length ?? 0) >= 3, 'both kept passing')
  t.equal(await pollUntilAborted(async () => {}, 100, controller.signal), undefined, 'an aborted signal: no pass')
})
