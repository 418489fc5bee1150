import tap from 'tap'
import { createPendingValidations } from '../../src/network/pending-validations.ts'
import type { AbortOptions } from '@libp2p/interface'

/** a validation that waits for what its node is behind on until its signal aborts; how long it waited */
const waitsUntilAborted = (waited: number[]) => async (options: AbortOptions): Promise<void> => {
  const t0 = performance.now()
  await new Promise<void>((resolve) => {
    if (options.signal?.aborted === true) resolve()
    options.signal?.addEventListener('abort', () => { resolve() }, { once: true })
  })
  waited.push(performance.now() - t0)
}

tap.test('the time a message spent queued counts against its wait: the bound holds from arrival', async (t) => {
  const pending = createPendingValidations({ maxWaitMs: 400 })
  pending.start()
  // AbortSignal.timeout does not keep the process alive; this test has nothing else pending
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => { pending.stop(); clearInterval(alive) })
  const waited: number[] = []
  await pending.run('peer', waitsUntilAborted(waited), 300)
  t.ok((waited[0] ?? 0) < 250, `waited ${waited[0]} ms of the 100 left`)
  await pending.run('peer', waitsUntilAborted(waited), 400)
  t.ok((waited[1] ?? 1) < 50, 'queued the whole bound: judged once, at once')
  t.equal(pending.size, 0, 'the slots are free again')
})

tap.test('waiting validations end at their own deadlines, in order, never late; the ones that end at once leave nothing behind', async (t) => {
  const pending = createPendingValidations({ maxWaitMs: 300 })
  pending.start()
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => { pending.stop(); clearInterval(alive) })
  for (let i = 0; i < 1000; i++) await pending.run('peer', () => {})
  t.equal(pending.size, 0, 'a thousand validations that ended at once')
  const reasons: unknown[] = []
  const order: number[] = []
  const t0 = performance.now()
  // queued 0, 200, 100 ms before: 300, 100 and 200 ms left
  await Promise.all([0, 200, 100].map(async (queued) => {
    await pending.run('peer', async (options) => {
      await new Promise<void>((resolve) => { options.signal?.addEventListener('abort', () => { resolve() }, { once: true }) })
      order.push(queued)
      reasons.push(options.signal?.reason)
      const waited = performance.now() - t0
      t.ok(waited <= 300 - queued + 60, `queued ${queued} ms: aborted after ${waited.toFixed(0)} ms of the ${300 - queued} left`)
      t.ok(waited >= 300 - queued - 5, 'not before its time')
    }, queued)
  }))
  t.same(order, [200, 100, 0], 'the earliest deadline first')
  t.ok(reasons.every((r) => r instanceof DOMException && r.name === 'TimeoutError'), 'each aborted as timed out')
  t.equal(pending.size, 0)
})

tap.test('stop aborts every waiting validation at once; a validation after stop gets an aborted signal; start takes them again', async (t) => {
  const pending = createPendingValidations({ maxWaitMs: 60_000 })
  pending.start()
  const aborted: boolean[] = []
  const waiting = Promise.all([1, 2, 3].map(async () => {
    await pending.run('peer', async (options) => {
      await new Promise<void>((resolve) => { options.signal?.addEventListener('abort', () => { resolve() }, { once: true }) })
      aborted.push(options.signal?.reason instanceof DOMException && (options.signal.reason as DOMException).name === 'AbortError')
    })
  }))
  t.equal(pending.size, 3)
  pending.stop()
  await waiting
  t.same(aborted, [true, true, true], 'stopped, not timed out')
  t.equal(pending.size, 0)
  await pending.run('peer', (options) => { t.equal(options.signal?.aborted, true, 'no slot while stopped') })
  pending.start()
  await pending.run('peer', (options) => { t.equal(options.signal?.aborted, false, 'a slot again after start') })
})

tap.test('the bounds: a peer over its share and a node over its total get an aborted signal at once', async (t) => {
  const pending = createPendingValidations({ max: 3, maxPerPeer: 2, maxWaitMs: 60_000 })
  pending.start()
  t.teardown(() => { pending.stop() })
  const hold = Promise.withResolvers<void>()
  const holding = (options: { signal?: AbortSignal }): Promise<void> => { t.equal(options.signal?.aborted, false); return hold.promise }
  const runs = [pending.run('a', holding), pending.run('a', holding)]
  await pending.run('a', (options) => { t.equal(options.signal?.aborted, true, 'the third of one peer') })
  runs.push(pending.run('b', holding))
  await pending.run('c', (options) => { t.equal(options.signal?.aborted, true, 'past the node\'s total') })
  hold.resolve()
  await Promise.all(runs)
  t.equal(pending.size, 0)
  await pending.run('a', (options) => { t.equal(options.signal?.aborted, false, 'slots free again') })
})
