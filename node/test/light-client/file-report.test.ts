import t from 'tap'
import { reportFromFileAttributes } from '../../src/light-client/file-report.ts'
import { fileObject } from '../../src/api/vt-objects.ts'
import { hashes, MEMBERS, NOW, signedReport } from '../fixtures/signed-reports.ts'

const SAMPLE = new TextEncoder().encode('file report')

/** A file object's attributes as the API serves them, through JSON like a client gets them. */
async function attributes (): Promise<Record<string, any>> {
  const report = await signedReport(SAMPLE, { signers: MEMBERS })
  const sample = { ...hashes(SAMPLE), fileType: 'text', names: ['a.txt'], firstSeen: NOW, lastSeen: NOW }
  const object = fileObject({ sample, report }, 'http://x') as { data: { attributes: Record<string, unknown> } }
  return JSON.parse(JSON.stringify(object.data.attributes)) as Record<string, any>
}

t.test('rebuilds the version-2 report from the signed messages the attribute carries', async (st) => {
  const r = reportFromFileAttributes(await attributes())
  st.equal(r.ok, true)
  st.equal(r.report?.quorum, 3)
  st.equal(r.report?.attestations.length, 4)
  st.same(Object.keys(r.report?.results ?? {}), ['Heuristics', 'YARA'])
})

t.test('names what is wrong', async (st) => {
  st.match(reportFromFileAttributes({}), { ok: false, code: 'NO_REPORT' })
  st.match(reportFromFileAttributes({ virusmap: 'x' }), { ok: false, code: 'MALFORMED' })
  st.match(reportFromFileAttributes({ virusmap: { job: {}, verdicts: {} } }), { ok: false, code: 'MALFORMED' }, 'not a version-2 report')
  st.match(reportFromFileAttributes({ virusmap: { version: 2, job: {}, verdicts: {} } }), { ok: false, code: 'MALFORMED' })

  const hostile = await attributes()
  hostile.virusmap.job = { type: 'scan-job', job: { __proto__: { x: 1 } }, signature: '0x' }
  st.match(reportFromFileAttributes(hostile), { ok: false, code: 'MALFORMED' })

  const dropped = await attributes()
  dropped.virusmap.verdicts = dropped.virusmap.verdicts.slice(1)
  st.match(reportFromFileAttributes(dropped), { ok: false, code: 'NO_ATTESTATION_QUORUM' }, 'a trimmed verdict breaks every attestation')
})

t.test('every served field that restates the report is held to it', async (st) => {
  const edits: Array<[string, (a: Record<string, any>) => void]> = [
    ['a VT result', (a) => { a.last_analysis_results.YARA.category = 'harmless' }],
    ['a VT label', (a) => { a.last_analysis_results.YARA.result = 'Clean' }],
    ['VT stats', (a) => { a.last_analysis_stats.malicious = 0 }],
    ['the analysis date', (a) => { a.last_analysis_date += 1 }],
    ['the file hash', (a) => { a.sha256 = 'ab'.repeat(32) }],
    ['the md5', (a) => { a.md5 = 'ab'.repeat(16) }],
    ['the size', (a) => { a.size += 1 }],
    ['an engine\'s attestation', (a) => { a.virusmap.engines.YARA.attested = false }],
    ['the absent members', (a) => { a.virusmap.absent = [MEMBERS[3]?.address] }],
    ['the quorum', (a) => { a.virusmap.quorum = 2 }]
  ]
  for (const [what, edit] of edits) {
    const served = await attributes()
    edit(served)
    st.match(reportFromFileAttributes(served), { ok: false, code: 'SERVED_MISMATCH' }, what)
  }
})
