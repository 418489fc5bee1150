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
