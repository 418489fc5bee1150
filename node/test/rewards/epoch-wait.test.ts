// How a rewards epoch's wait ends (epoch-wait.ts): unreconciled past the bound (whether or not the chain holds a
// root for it), only for inputs peers owe (not the chain's ANCHOR_OPEN), once, and cleared when computed or forgotten.
import tap from 'tap'
import pino from 'pino'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import { createEpochWait } from '../../src/rewards/epoch-wait.ts'
import type { Hex } from '#protocol/messages.ts'

function world (): { clock: { at: number }, wait: ReturnType<typeof createEpochWait>, gauge: () => Promise<number | undefined>, count: (reason: string) => Promise<number> } {
  const metrics = createNodeMetrics()
  const clock = { at: 0 }
  const wait = createEpochWait({ afterMs: 1000 }, { logger: pino({ level: 'silent' }), metrics: metrics.rewards, now: () => clock.at })
  return {
    clock,
    wait,
    gauge: async () => (await metrics.rewards.unreconciledEpoch.get()).values[0]?.value,
    count: async (reason) => (await metrics.rewards.unreconciled.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0
  }
}
const missing = { ready: false as const, reason: 'MISSING_REPORTS' as const, epoch: 4, missing: [`0x${'01'.repeat(32)}` as Hex] }

tap.test('past the bound, once; cleared when computed', async (t) => {
  const w = world()
  t.equal(await w.gauge(), -1, 'none at start')
  w.wait.waiting(5, missing, false)
  w.clock.at = 999
  w.wait.waiting(5, missing, false)
  t.equal(await w.gauge(), -1, 'within the bound')
  w.clock.at = 1000
  w.wait.waiting(5, missing, false)
  w.wait.waiting(5, missing, false)
  t.equal(await w.gauge(), 5)
  t.equal(await w.count('MISSING_REPORTS'), 1, 'declared once')
  w.wait.computed(5)
  t.equal(await w.gauge(), -1)
})

tap.test('not at once when the chain holds a root for it: a member catching up fetches within a few passes', async (t) => {
  const w = world()
  w.wait.waiting(3, { ready: false, reason: 'UNMATCHED', epoch: 3 }, true)
  t.equal(await w.gauge(), -1)
  w.clock.at = 1000
  w.wait.waiting(3, { ready: false, reason: 'UNMATCHED', epoch: 3 }, true)
  t.equal(await w.gauge(), 3)
  t.equal(await w.count('UNMATCHED'), 1)
})

tap.test('a wait for the chain is never unreconciled', async (t) => {
  const w = world()
  for (const at of [0, 10_000, 1e9]) {
    w.clock.at = at
    w.wait.waiting(2, { ready: false, reason: 'ANCHOR_OPEN', epoch: 2 }, true)
  }
  t.equal(await w.gauge(), -1)
  t.equal(await w.count('ANCHOR_OPEN'), 0)
})

tap.test('a reorg forgets the waits from an epoch on; the gauge shows the oldest left', async (t) => {
  const w = world()
  w.wait.waiting(2, missing, true)
  w.wait.waiting(6, missing, true)
  w.clock.at = 1000
  w.wait.waiting(2, missing, true)
  w.wait.waiting(6, missing, true)
  t.equal(await w.gauge(), 2)
  w.wait.computed(2)
  t.equal(await w.gauge(), 6, 'epoch 2 computed: 6 is the oldest left')
  w.wait.forgetFrom(4)
  t.equal(await w.gauge(), -1)
  w.wait.waiting(6, missing, false)
  t.equal(await w.gauge(), -1, 'waits again from its own start')
})
