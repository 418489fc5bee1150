import { ENGINE_CATEGORIES } from '#protocol/messages.ts'
import type { Engine, ScanInput } from '../../src/scan/engine.ts'
import type { EngineResult } from '#protocol/messages.ts'
import type { Test } from 'tap'

export interface ComplianceCase {
  /** builds a fresh, not yet started engine */
  create: () => Engine
  /** a sample the engine must flag (malicious or suspicious) */
  detected: ScanInput
  /** a sample the engine must not flag */
  clean: ScanInput
  /**
   * An engine that describes samples instead of judging them (tlsh: a digest): it flags nothing;
   * `detected` is a sample it describes (its result matches this), `clean` one it has nothing on.
   */
  describes?: RegExp
  /**
   * An engine rigged to misbehave (short timeout, a scanner that hangs or dies on chosen
   * inputs): `slow` must come back as `timeout`, `crash` as `failure`, and the same engine must
   * then still scan `clean`; aborting a `slow` scan mid-way must reject promptly.
   */
  misbehaving?: {
    create: () => Engine
    slow: ScanInput
    crash: ScanInput
  }
}

/**
 * What every engine owes the quorum code: stable identity, results that name the engine and
 * fit the wire format, coded errors before start and on abort, concurrent scans that do not
 * mix results, and a clean stop. Each engine's test file calls this with its own samples.
 */
const flagged = (r?: EngineResult): boolean => r?.category === 'malicious' || r?.category === 'suspicious'

export function engineCompliance (parent: Test, c: ComplianceCase): void {
  const isHit = (r?: EngineResult): boolean => c.describes === undefined ? flagged(r) : !flagged(r) && c.describes.test(r?.result ?? '')
  const isMiss = (r?: EngineResult): boolean => c.describes === undefined ? r?.category === 'undetected' || r?.category === 'harmless' : !flagged(r) && r?.result === ''
  parent.test('engine compliance', async t => {
    const engine = c.create()
    await t.rejects(engine.scan(c.clean), { code: 'ENGINE_NOT_STARTED' }, 'scan before start')
    await engine.start()
    t.teardown(async () => { await engine.stop() })

    t.match(engine.name, /^[\w. -]{1,64}$/, 'name')
    t.ok(engine.version.length > 0 && engine.version.length <= 64, 'version fits the wire limit')
    t.match(engine.signatureDate, /^\d{8}$/, 'signature date is YYYYMMDD')
    t.ok(engine.kinds.length > 0, 'supports some kind')

    const [hit, miss] = await Promise.all([engine.scan(c.detected), engine.scan(c.clean)])
    for (const r of [hit, miss]) {
      t.equal(r?.engine, engine.name)
      t.equal(r?.engineVersion, engine.version)
      t.equal(r?.engineUpdate, engine.signatureDate)
      t.ok(ENGINE_CATEGORIES.includes(r?.category ?? 'failure'))
      t.ok((r?.result.length ?? 0) <= 256, 'label fits the wire limit')
      t.ok((r?.method.length ?? 0) > 0)
    }
    t.ok(isHit(hit), `detected sample flagged or described (${hit?.category})`)
    t.ok((hit?.result.length ?? 0) > 0, 'a detection has a label')
    t.ok(isMiss(miss), `clean sample not flagged (${miss?.category})`)
    t.equal(miss?.result, '')

    const many = await Promise.all(Array.from({ length: 8 }, async (_, i) => await engine.scan(i % 2 === 0 ? c.detected : c.clean)))
    // a describing engine's result is its answer, so it must not mix either
    const answer = (r?: EngineResult): string => c.describes === undefined ? String(r?.category) : `${r?.category} ${r?.result}`
    t.same(many.map(answer), many.map((_, i) => answer(i % 2 === 0 ? hit : miss)), 'concurrent scans keep their own results')

    await t.rejects(engine.scan(c.clean, { signal: AbortSignal.abort() }), { code: 'SCAN_ABORTED' }, 'an aborted signal rejects')

    // a kind the engine does not declare (a URL handed to a file engine) is answered, not scanned
    const foreign = { ...c.detected, kind: 'url-not-a-file' as ScanInput['kind'] }
    const unsupported = await engine.scan(foreign)
    t.equal(unsupported.category, 'type-unsupported', 'an unsupported kind is type-unsupported')
    t.equal(unsupported.result, '')
    t.equal(unsupported.engine, engine.name)
    await engine.stop()
    await t.rejects(engine.scan(c.clean), { code: 'ENGINE_NOT_STARTED' }, 'scan after stop')
  })

  const rig = c.misbehaving
  if (rig === undefined) return
  parent.test('engine compliance: timeout, crash, cancellation', async t => {
    const engine = rig.create()
    await engine.start()
    t.teardown(async () => { await engine.stop() })

    const slow = await engine.scan(rig.slow)
    t.equal(slow.category, 'timeout', 'a scan over its budget is a timeout')
    t.equal(slow.result, '')
    t.equal(slow.engine, engine.name)
    const clean = await engine.scan(c.clean)
    t.ok(isMiss(clean), `the engine scans again after a timeout (${clean.category})`)

    const crash = await engine.scan(rig.crash)
    t.equal(crash.category, 'failure', 'a crashing scanner is a failure')
    t.equal(crash.result, '')
    const [again, hit] = await Promise.all([engine.scan(c.clean), engine.scan(c.detected)])
    t.ok(isMiss(again), `the engine survives its crash (${again.category})`)
    t.ok(isHit(hit), `and still detects (${hit.category})`)

    // cancellation: the slow scan is aborted mid-way and must reject long before its budget
    const controller = new AbortController()
    const pending = engine.scan(rig.slow, { signal: controller.signal })
    setTimeout(() => { controller.abort(new Error('job cancelled')) }, 50)
    await t.rejects(pending, { code: 'SCAN_ABORTED' }, 'aborting mid-scan rejects')
    const after = await engine.scan(c.clean)
    t.ok(isMiss(after), 'the engine scans again after a cancellation')
  })
}
