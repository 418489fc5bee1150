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
  // 400 ms: a timer a busy machine runs up to 200 ms late still wakes both loops for the same multiple
  const controller = new AbortController()
  const at: number[][] = [[], []]
  const loop = (i: number): Promise<void> => pollUntilAborted(async () => { at[i]?.push(Date.now()) }, 400, controller.signal)
  const first = loop(0)
  await new Promise((resolve) => setTimeout(resolve, 220))
  const second = loop(1)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  controller.abort()
  await Promise.all([first, second])
  // each pass of the later loop after its first is at a moment the first loop passes too: both wait for the same
  // multiple of the interval, so their timers fire in one turn, however late the machine runs them
  for (const time of at[1]?.slice(1) ?? []) {
    const nearest = Math.min(...(at[0] ?? []).map((other) => Math.abs(other - time)))
    t.ok(nearest < 20, `a pass of the second loop ${nearest} ms from one of the first`)
  }
  t.ok((at[0]?.length ?? 0) >= 3 && (at[1]?.length ?? 0) >= 2, 'both kept passing')
  t.equal(await pollUntilAborted(async () => {}, 100, controller.signal), undefined, 'an aborted signal: no pass')
})
