import tap from 'tap'
import { seededRandom } from '../../scripts/reputation/random.ts'
import { createClamavEngine } from '../../src/scan/clamav-engine.ts'
import { ENGINE_CATEGORIES } from '#protocol/messages.ts'
import { fakeClamd } from './clamd-fake.ts'
import { eicar, input, silentLogger } from './yara-helpers.ts'
import type { ClamavEngineOptions } from '../../src/scan/clamav-engine.ts'
import type { FakeAnswer, FakeClamdOptions } from './clamd-fake.ts'
import type { Test } from 'tap'

const isEicar = (sample: Buffer): boolean => sample.toString('latin1').includes('EICAR-STANDARD')
const honest = (sample: Buffer): FakeAnswer => isEicar(sample) ? 'stream: Win.Test.EICAR_HDB-1 FOUND' : 'stream: OK'

/** an engine on a fake clamd, started, stopped at teardown */
async function rig (t: Test, fake: FakeClamdOptions, engine: Partial<ClamavEngineOptions> = {}) {
  const clamd = await fakeClamd(t, fake)
  const clam = createClamavEngine({ address: { socket: clamd.path }, timeoutMs: 5000, logger: silentLogger, ...engine })
  await clam.start()
  t.teardown(async () => { await clam.stop() })
  return { clamd, clam }
}

tap.test('sessions are reused across many scans, one per scan in flight', async t => {
  const { clamd, clam } = await rig(t, { answer: honest }, { concurrency: 3 })
  const samples = Array.from({ length: 300 }, (_, i) => i % 3 === 0 ? input(eicar()) : input(`clean ${i}\n`))
  const results = await Promise.all(samples.map(async s => await clam.scan(s)))
  t.same(results.map(r => r.category), samples.map((_, i) => i % 3 === 0 ? 'malicious' : 'undetected'), 'every scan keeps its own reply')
  t.equal(results[0]?.result, 'Win.Test.EICAR_HDB-1')
  t.ok(clamd.sessions >= 1 && clamd.sessions <= 3, `300 scans over ${clamd.sessions} sessions (concurrency 3)`)
  for (let i = 0; i < 20; i++) await clam.scan(input('one at a time'))
  t.ok(clamd.sessions <= 3, 'sequential scans reuse an idle session')
})

tap.test('an idle session is ended after idleMs and a new one opened on demand', async t => {
  const { clamd, clam } = await rig(t, { answer: honest }, { idleMs: 50 })
  t.equal((await clam.scan(input('a'))).category, 'undetected')
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(clamd.clientClosed, 1, 'the idle session was closed by the engine')
  t.equal((await clam.scan(input('b'))).category, 'undetected')
  t.equal(clamd.sessions, 2)
})

tap.test('replies clamd would not send are failures, never crashes, and the engine reconnects', async t => {
  const malformed: Array<[string, FakeAnswer]> = [
    ['wrong id', { raw: '7: stream: OK\0' }],
    ['id 0', { raw: '0: stream: OK\0' }],
    ['no id', { raw: 'stream: OK\0' }],
    ['two replies', { raw: '1: stream: OK\x001: stream: OK\0' }],
    ['trailing bytes', { raw: '1: stream: OK\0junk' }],
    ['plain-form complaint', { raw: 'COMMAND READ TIMED OUT\n' }],
    ['over 64 KiB without NUL', { raw: 'A'.repeat(70_000) }],
    ['invalid UTF-8', { raw: Buffer.from([0x31, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x00]) }],
    ['empty', ''],
    ['control character in a name', 'stream: Evil\u0007Name FOUND'],
    ['name with spaces', 'stream: Two Words FOUND'],
    ['name over 255 bytes', `stream: ${'A'.repeat(300)} FOUND`],
    ['non-ASCII name', 'stream: Ünïcode FOUND'],
    ['FOUND without a name', 'stream:  FOUND'],
    ['unknown status', 'stream: MAYBE'],
    ['ERROR', 'stream: Can\'t allocate memory ERROR'],
    ['connection dropped', 'drop']
  ]
  const answers: FakeAnswer[] = malformed.flatMap(([, bad]) => [bad, 'stream: OK'])
  const { clamd, clam } = await rig(t, { answer: (_, at) => answers[at.scan] ?? 'stream: OK' })
  for (const [what] of malformed) {
    const bad = await clam.scan(input('x'))
    t.same([bad.category, bad.result], ['failure', ''], what)
    t.equal((await clam.scan(input('y'))).category, 'undetected', `${what}: the next scan works`)
  }
  t.ok(clamd.sessions >= 8, `broken sessions were replaced (${clamd.sessions} sessions)`)
})

tap.test('seeded fuzz: mutated and random replies only ever yield a wire-valid result', async t => {
  const random = seededRandom(0xc1a3d)
  const byte = (): number => Math.floor(random() * 256)
  const { clam } = await rig(t, {
    answer: (_, at) => {
      // mostly a real reply with a few bytes changed, so the fuzz reaches the reply parser and not only the framing
      if (random() < 0.2) return { raw: Buffer.from([...Array.from({ length: Math.floor(random() * 64) }, byte), 0]) }
      const reply = Buffer.from(`${at.command}: stream: ${random() < 0.5 ? 'OK' : 'Win.Test.EICAR_HDB-1 FOUND'}\0`)
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) reply[Math.floor(random() * reply.length)] = byte()
      return { raw: reply }
    }
  }, { timeoutMs: 200 })
  const seen = new Set<string>()
  for (let i = 0; i < 300; i++) {
    const r = await clam.scan(input(`sample ${i}`))
    seen.add(r.category)
    t.ok(ENGINE_CATEGORIES.includes(r.category), `reply ${i}: ${r.category}`)
    if (r.category === 'malicious' || r.category === 'suspicious') t.match(r.result, /^[\x21-\x7e]{1,255}$/, `reply ${i}: printable label`)
    else t.equal(r.result, '', `reply ${i}: no label`)
  }
  t.ok(seen.has('failure') && seen.size > 1, `outcomes: ${[...seen].join(', ')}`)
})

tap.test('abort mid-stream rejects promptly and drops only that connection', async t => {
  const { clamd, clam } = await rig(t, { answer: honest, stall: scan => scan === 0 })
  const controller = new AbortController()
  const started = performance.now()
  const pending = clam.scan(input(new Uint8Array(16 * 2 ** 20)), { signal: controller.signal })
  setTimeout(() => { controller.abort(new Error('job cancelled')) }, 100)
  await t.rejects(pending, { code: 'SCAN_ABORTED' })
  t.ok(performance.now() - started < 2000, 'well before the 5 s budget')
  t.equal((await clam.scan(input(eicar()))).category, 'malicious', 'the next scan works on a new session')
  t.equal(clamd.sessions, 2)
})

tap.test('a stream clamd stops reading is a timeout', async t => {
  const { clam } = await rig(t, { answer: honest, stall: scan => scan === 0 }, { timeoutMs: 300 })
  t.equal((await clam.scan(input(new Uint8Array(16 * 2 ** 20)))).category, 'timeout')
  t.equal((await clam.scan(input('after'))).category, 'undetected')
})

tap.test('a kept session clamd closed before taking the sample is retried once on a new connection', async t => {
  const { clamd, clam } = await rig(t, { answer: honest, dropReused: true })
  const big = input(new Uint8Array(8 * 2 ** 20))
  t.equal((await clam.scan(big)).category, 'undetected')
  t.equal((await clam.scan(big)).category, 'undetected', 'sent again on a fresh session')
  t.equal(clamd.sessions, 2)
})

tap.test('a kept session that dies after taking the whole sample is a failure, not retried', async t => {
  const { clamd, clam } = await rig(t, { answer: (sample, at) => at.scan === 1 ? 'drop' : honest(sample) })
  t.equal((await clam.scan(input('first'))).category, 'undetected')
  t.equal((await clam.scan(input('kills clamd'))).category, 'failure')
  t.equal(clamd.sessions, 1, 'no second attempt: the sample may be what killed clamd')
  t.equal((await clam.scan(input('third'))).category, 'undetected')
})
