import { ENGINE_CATEGORIES } from '../../../protocol/src/messages.ts'
import type { Engine, ScanInput } from '../../src/scan/engine.ts'
import type { Test } from 'tap'

export interface ComplianceCase {
  /** builds a fresh, not yet started engine */
  create: () => Engine
  /** a sample the engine must flag (malicious or suspicious) */
  detected: ScanInput
  /** a sample the engine must not flag */
  clean: ScanInput
}

/**
 * What every engine owes the quorum code: stable identity, results that name the engine and
 * fit the wire format, coded errors before start and on abort, concurrent scans that do not
 * mix results, and a clean stop. Each engine's test file calls this with its own samples.
 */
export function engineCompliance (parent: Test, c: ComplianceCase): void {
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
    t.ok(hit?.category === 'malicious' || hit?.category === 'suspicious', `detected sample flagged (${hit?.category})`)
    t.ok((hit?.result.length ?? 0) > 0, 'a detection has a label')
    t.ok(miss?.category === 'undetected' || miss?.category === 'harmless', `clean sample not flagged (${miss?.category})`)
    t.equal(miss?.result, '')

    const many = await Promise.all(Array.from({ length: 8 }, async (_, i) => await engine.scan(i % 2 === 0 ? c.detected : c.clean)))
    t.same(many.map(r => r.category), many.map((_, i) => i % 2 === 0 ? hit?.category : miss?.category), 'concurrent scans keep their own results')

    await t.rejects(engine.scan(c.clean, { signal: AbortSignal.abort() }), { code: 'SCAN_ABORTED' }, 'an aborted signal rejects')
    await engine.stop()
    await t.rejects(engine.scan(c.clean), { code: 'ENGINE_NOT_STARTED' }, 'scan after stop')
  })
}
