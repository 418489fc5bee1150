import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import tap from 'tap'
import { abortable } from '../../src/ingest/index.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

tap.test('chunks already consumed are not kept reachable while the iteration goes on', async t => {
  const refs: Array<WeakRef<Uint8Array>> = []
  async function * source (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 50; i++) {
      const chunk = new Uint8Array(1024)
      refs.push(new WeakRef(chunk))
      yield chunk
    }
  }
  let seen = 0
  for await (const chunk of abortable(source(), { signal: new AbortController().signal })) {
    void chunk
    if (++seen < 50) continue
    // still inside the loop: every earlier chunk is garbage now
    await new Promise(resolve => setImmediate(resolve))
    gc()
    await new Promise(resolve => setImmediate(resolve))
    t.ok(refs.slice(0, 40).every(r => r.deref() === undefined), 'earlier chunks were collected')
  }
  t.equal(seen, 50)
})

tap.test('an abort ends a stalled wait with the signal\'s reason, and a source error passes through', async t => {
  const controller = new AbortController()
  const stalled: AsyncIterable<number> = { [Symbol.asyncIterator]: () => ({ next: async () => await new Promise<IteratorResult<number>>(() => {}) }) }
  setImmediate(() => { controller.abort(new Error('gone')) })
  await t.rejects((async () => { for await (const v of abortable(stalled, { signal: controller.signal })) void v })(), /gone/)
  const failing = (async function * () { yield 1; throw new Error('source broke') })()
  await t.rejects((async () => { for await (const v of abortable(failing, { signal: new AbortController().signal })) void v })(), /source broke/)
})
