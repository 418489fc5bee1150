import tap from 'tap'
import { createCipheriv } from 'node:crypto'
import { aggregateEngines } from '#protocol/report-engines.ts'
import { FUZZY_ENGINE, parseFuzzy } from '#protocol/rewards/fuzzy.ts'
import type { EngineResult, Hex, SignedVerdict } from '#protocol/messages.ts'
import { tlsh } from '../../src/scan/tlsh.ts'
import { TLSH_ENGINE_MAX_BYTES, createTlshEngine } from '../../src/scan/tlsh-engine.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { engineCompliance } from './engine-compliance.ts'
import { input, realFile, silentLogger } from './tlsh-helpers.ts'

const T1 = /^T1[0-9A-F]{70}$/

const engineResult = (engine: string, category: EngineResult['category'], label: string): EngineResult =>
  ({ engine, engineVersion: '1', engineUpdate: '20261206', category, result: label, method: 'm' })

tap.test('tlsh passes the engine compliance test (an engine that describes, never flags)', async t => {
  engineCompliance(t, {
    create: () => createTlshEngine({ timeoutMs: 30_000, logger: silentLogger }),
    detected: input(realFile('elf').bytes),
    clean: input('too short for TLSH\n'),
    describes: T1,
    misbehaving: {
      create: () => createTlshEngine({ timeoutMs: 1500, concurrency: 2, logger: silentLogger, testHooks: true }),
      slow: input(TEST_HOOKS.hang),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('tlsh engine: the digest under type-unsupported; inputs TLSH cannot digest answered empty, by code', async t => {
  const engine = createTlshEngine({ timeoutMs: 60_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.equal(engine.name, FUZZY_ENGINE, 'the engine the rewards read')
  const file = realFile('rule').bytes
  const { result, detail } = await engine.scanDetailed(input(file))
  t.same([result.category, result.result, result.method], ['type-unsupported', tlsh(file), 'fuzzy-hash'])
  t.same(detail, { digest: tlsh(file) })
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'TLSH_TOO_SHORT'],
    ['49 bytes', file.subarray(0, 49), 'TLSH_TOO_SHORT'],
    ['1 MiB of zeros', new Uint8Array(1 << 20), 'TLSH_TOO_LITTLE_VARIANCE']
  ]
  for (const [what, bytes, code] of cases) {
    const r = await engine.scanDetailed(input(bytes))
    t.same([r.result.category, r.result.result, r.detail], ['type-unsupported', '', { code }], what)
  }
  const fifty = await engine.scan(input(file.subarray(0, 50)))
  t.match(fifty.result, T1, '50 bytes are enough')
})

tap.test('tlsh engine: 100 MiB digested within its budget, the same as in-process; a byte more is refused', async t => {
  const engine = createTlshEngine({ timeoutMs: 60_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  // a fixed AES-CTR keystream, not periodic, so a lost or repeated piece changes the digest; its digest is pinned:
  // tlsh() of these 100 MiB in this process cost as much CPU as the worker's scan (one byte less digests to T185..., not T134...)
  const big = createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(TLSH_ENGINE_MAX_BYTES + 1))
  const atBound = await engine.scan(input(big.subarray(0, TLSH_ENGINE_MAX_BYTES)))
  t.equal(atBound.category, 'type-unsupported')
  t.equal(atBound.result, 'T1343833AC617658ABCFB41411ABB2F9BE783319803719E9023BD776B1643DC8D0777846', 'the worker digests 100 MiB as tlsh() did in process')
  const over = await engine.scanDetailed(input(big))
  t.same([over.result.category, over.result.result, over.detail], ['type-unsupported', '', { code: 'TLSH_ENGINE_TOO_LARGE' }])
})

tap.test('a report attests the digest and counts it in no detection stat', async t => {
  const members = ['0x01', '0x02', '0x03', '0x04'].map(m => `${m}${'00'.repeat(19)}` as Hex)
  const digest = tlsh(realFile('elf').bytes)
  const verdicts = members.map(member => ({
    type: 'verdict',
    verdict: { member, results: [engineResult('YARA', 'malicious', 'Evil'), engineResult(FUZZY_ENGINE, 'type-unsupported', digest)] }
  }) as unknown as SignedVerdict)
  const registrations = { YARA: members, [FUZZY_ENGINE]: members }
  const { results, stats } = aggregateEngines(verdicts, registrations, 3)
  t.equal(results[FUZZY_ENGINE]?.attested, true)
  t.equal(parseFuzzy(results[FUZZY_ENGINE]?.result ?? ''), digest.toLowerCase(), 'the rewards read the attested digest')
  t.same([stats.malicious, stats.suspicious, stats.undetected, stats.harmless], [1, 0, 0, 0], '1 of 1 judging engines, not 1 of 2')
  t.equal(stats['type-unsupported'], 1)
})
