// VirusTotal's file object carries `tlsh`; here it is the tlsh engine's digest, and only once a quorum of the
// members registered for that engine attested it: one member's word, or a result that is no digest, is left out.
import t from 'tap'
import { fileObject } from '../../src/api/vt-objects.ts'
import { signedReport, hashes } from '../fixtures/signed-reports.ts'
import type { Report, ReportEngineEntry } from '#protocol/report-format.ts'

const DIGEST = `t1${'0a'.repeat(35)}`
const bytes = new TextEncoder().encode('a sample with a fuzzy hash')
const report = await signedReport(bytes)
const sample = { ...hashes(bytes), fileType: 'text', names: [], firstSeen: 1, lastSeen: 1 }
const entry = (result: string, attested: boolean): ReportEngineEntry => ({ engine: 'tlsh', category: 'type-unsupported', result, members: [], answered: 3, registered: 4, attested } as unknown as ReportEngineEntry)
const attributes = (r: Report): Record<string, unknown> => (fileObject({ report: r, sample }, 'http://x') as { data: { attributes: Record<string, unknown> } }).data.attributes

t.test('tlsh: the attested digest in VirusTotal\'s spelling, nothing otherwise', async (st) => {
  st.equal(attributes({ ...report, results: { ...report.results, tlsh: entry(DIGEST, true) } }).tlsh, DIGEST.toUpperCase())
  st.notOk('tlsh' in attributes({ ...report, results: { ...report.results, tlsh: entry(DIGEST, false) } }), 'not attested')
  for (const bad of ['', 'T1', `${DIGEST}00`, `t2${'0a'.repeat(35)}`, '<script>', 'x'.repeat(100_000)]) {
    st.notOk('tlsh' in attributes({ ...report, results: { ...report.results, tlsh: entry(bad, true) } }), `not a digest: ${bad.slice(0, 20)}`)
  }
  st.notOk('tlsh' in attributes(report), 'no tlsh engine in the report')
  st.notOk('tlsh' in (fileObject({ sample }, 'http://x') as { data: { attributes: Record<string, unknown> } }).data.attributes, 'no report yet')
})
