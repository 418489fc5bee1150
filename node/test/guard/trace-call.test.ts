// The fork path's two tracers against a node that answers them badly: the callTracer's frames are
// required, the prestateTracer's sender balance is a refinement that a missing tracer or a hostile
// answer leaves out without failing the simulation. The real tracers on anvil: simulation.e2e.
import tap from 'tap'
import { traceCall } from '../../src/guard/trace-call.ts'
import type { JsonRpc } from '../../src/guard/index.ts'

const FROM = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const TX = { from: FROM, to: '0x1111111111111111111111111111111111111111', value: 0n, data: '0x' } as const
const FRAME = { type: 'CALL', from: FROM, to: TX.to, value: '0x0', gasUsed: '0x5208', calls: [] }

/** answers the callTracer with FRAME and the prestateTracer with `prestate` (an Error: thrown) */
const rpcWith = (prestate: unknown): JsonRpc => ({
  url: 'memory:',
  async call<T>(_method: string, params: unknown[]): Promise<T> {
    const tracer = (params[2] as { tracer: string }).tracer
    if (tracer === 'callTracer') return FRAME as T
    if (prestate instanceof Error) throw prestate
    return prestate as T
  }
})

tap.test('the sender\'s balance from the prestate tracer, any address case', async (t) => {
  t.equal((await traceCall(rpcWith({ [FROM.toUpperCase().replace('0X', '0x')]: { balance: '0xde0b6b3a7640000' } }), TX)).startBalance, 10n ** 18n)
})

tap.test('a missing or hostile prestate leaves the balance out, never the simulation', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['no prestate tracer', new Error('tracer not found')],
    ['null', null],
    ['an array', [1, 2]],
    ['no sender', { '0x2222222222222222222222222222222222222222': { balance: '0x1' } }],
    ['a decimal balance', { [FROM]: { balance: '1000' } }],
    ['a balance beyond 256 bits', { [FROM]: { balance: `0x${'f'.repeat(65)}` } }],
    ['a numeric balance', { [FROM]: { balance: 5 } }],
    ['an account that is no object', { [FROM]: 'rich' }]
  ]
  for (const [name, prestate] of cases) {
    const outcome = await traceCall(rpcWith(prestate), TX)
    t.equal(outcome.startBalance, undefined, name)
    t.equal(outcome.reverted, false, `${name}: still simulated`)
  }
})

tap.test('the caller\'s abort during the prestate trace is an abort', async (t) => {
  const controller = new AbortController()
  controller.abort(new Error('closed'))
  await t.rejects(traceCall(rpcWith(new Error('aborted')), TX, { signal: controller.signal }), { message: 'aborted' })
})
