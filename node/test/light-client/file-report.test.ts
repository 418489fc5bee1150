import t from 'tap'
import { reportFromFileAttributes } from '../../src/light-client/file-report.ts'
import { virusmapAttribute, vtResults, vtStats } from '../../src/api/vt-objects.ts'
import { signedReport } from '../fixtures/signed-reports.ts'

async function attributes (): Promise<Record<string, unknown>> {
  const report = await signedReport(new TextEncoder().encode('file report'))
  return { last_analysis_results: vtResults(report), last_analysis_stats: vtStats(report), virusmap: virusmapAttribute(report) }
}

t.test('rebuilds the report from the signed verdicts', async (st) => {
  const a = await attributes()
  const r = reportFromFileAttributes(a)
  st.equal(r.ok, true)
  st.equal(r.report?.quorum, 3)
})

t.test('names what is wrong', async (st) => {
  st.match(reportFromFileAttributes({}), { ok: false, code: 'NO_REPORT' })
  st.match(reportFromFileAttributes({ virusmap: 'x' }), { ok: false, code: 'MALFORMED' })
  st.match(reportFromFileAttributes({ virusmap: { job: {}, verdicts: {} } }), { ok: false, code: 'MALFORMED' })

  const served = await attributes()
  ;(served.last_analysis_results as Record<string, { category: string }>).YARA!.category = 'harmless'
  st.match(reportFromFileAttributes(served), { ok: false, code: 'SERVED_RESULTS_MISMATCH' })

  const dropped = await attributes()
  const vm = dropped.virusmap as { verdicts: unknown[] }
  vm.verdicts = vm.verdicts.slice(0, 2)
  st.match(reportFromFileAttributes(dropped), { ok: false, code: 'REPORT_INVALID' }, 'two of four is no quorum')

  const hostile = await attributes()
  ;(hostile.virusmap as { job: unknown }).job = { type: 'scan-job', job: { __proto__: { x: 1 } }, signature: '0x' }
  st.match(reportFromFileAttributes(hostile), { ok: false, code: 'REPORT_INVALID' })
})
