/**
 * A lying serving node between the CLI and a real API server. Before protocol v2 each of these
 * made `virusmap lookup` / `virusmap submit` print "verified: yes" for a wrong answer: the client
 * neither held the report to the hash it asked (nor to the file it uploaded: it looked up whatever
 * file the node's analysis named), nor could it tell a dropped verdict from one never sent. Now
 * each is exit 3 with the problem named.
 */
import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { aggregateEngines } from '#protocol/index.ts'
import type { Report, SignedVerdict } from '#protocol/index.ts'
import { virusmapAttribute, vtResults, vtStats } from '../../src/vt/report-attributes.ts'
import { startCliWorld, runIn } from '../fixtures/cli-world.ts'
import { startLyingProxy, type Lie } from '../fixtures/lying-proxy.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { engineResults, hashes, MEMBERS } from '../fixtures/signed-reports.ts'

const MALWARE = new TextEncoder().encode('lying node: the malware')
const CLEAN = new TextEncoder().encode('lying node: a clean file')
const A = hashes(MALWARE)
const B = hashes(CLEAN)
const bare = (h: string): string => h.replace(/^0x/, '')
const isFileA = (path: string): boolean => [A.sha256, A.sha1, A.md5].some((h) => path === `/api/v3/files/${bare(h)}`)

// all four members reveal and attest; two of them detect, so one dropped verdict flips YARA's category
const node = createMemoryNode({ signers: MEMBERS, results: (_m, i) => engineResults(i < 2) })
const world = await startCliWorld(t, { node })
await writeFile(join(world.dir, 'malware.bin'), MALWARE)
await node.addReported(MALWARE, ['malware.bin'])
await node.addReported(CLEAN, ['clean.bin'], { results: () => engineResults(false) })

/** (a) the clean file's genuine report when asked about the malware, and an analysis that names the clean file */
const otherFile: Lie = async ({ method, path, body, upstream }) => {
  if (method === 'GET' && isFileA(path)) return await upstream(`/api/v3/files/${bare(B.sha256)}`)
  if (method === 'GET' && path.startsWith('/api/v3/analyses/') && body?.meta?.file_info?.sha256 === bare(A.sha256)) {
    return { ...body, meta: { file_info: { sha256: bare(B.sha256), sha1: bare(B.sha1), md5: bare(B.md5), size: B.size } } }
  }
  return undefined
}

/** (b) a detecting member's verdict dropped, and every summary recomputed from the rest, as a careful liar would */
const trimmedVerdict: Lie = ({ method, path, body }) => {
  if (method !== 'GET' || !isFileA(path)) return undefined
  const a = body.data.attributes
  const dropped = a.virusmap.verdicts.find((v: SignedVerdict) => v.verdict.results.some((r) => r.category === 'malicious')) as SignedVerdict
  const verdicts = a.virusmap.verdicts.filter((v: SignedVerdict) => v !== dropped) as SignedVerdict[]
  const { results, stats } = aggregateEngines(verdicts, a.virusmap.registrations, a.virusmap.fault_divisor)
  const lie = { ...body.data }
  const report = { results, stats } as unknown as Report
  lie.attributes = { ...a, last_analysis_results: vtResults(report), last_analysis_stats: vtStats(report) }
  lie.attributes.virusmap = {
    ...a.virusmap,
    verdicts,
    absent: [...a.virusmap.absent, dropped.verdict.member].toSorted(),
    engines: virusmapAttribute({ ...report, job: { job: {} } } as unknown as Report).engines
  }
  return { data: lie }
}

/** (c) the VT fields say "clean": YARA's label and category swapped, the stats to match */
const swappedLabel: Lie = ({ method, path, body }) => {
  if (method !== 'GET' || !isFileA(path)) return undefined
  const a = body.data.attributes
  a.last_analysis_results.YARA = { ...a.last_analysis_results.YARA, category: 'undetected', result: null }
  a.last_analysis_stats = { ...a.last_analysis_stats, malicious: a.last_analysis_stats.malicious - 1, undetected: a.last_analysis_stats.undetected + 1 }
  return body
}

const honest: Lie = () => undefined

interface Outcome { code: number, verified: boolean, problems: string[], yara: string | undefined }

async function through (lie: Lie, argv: string[]): Promise<Outcome> {
  const proxy = await startLyingProxy(t, world.api, lie)
  const r = await runIn([...argv, '--api', proxy, '--json'], world.dir)
  const json = JSON.parse(r.out) as { verified: boolean, verification: { problems: Array<{ code: string }> }, data: { attributes: { last_analysis_results: { YARA?: { category: string } } } } }
  return { code: r.code, verified: json.verified, problems: json.verification.problems.map((p) => p.code), yara: json.data.attributes.last_analysis_results.YARA?.category }
}

const lookup = ['lookup', bare(A.sha256)]
const submit = ['submit', 'malware.bin']

t.test('through an honest proxy the malware verifies as malicious', async (st) => {
  st.match(await through(honest, lookup), { code: 0, verified: true, problems: [], yara: 'malicious' })
  st.match(await through(honest, submit), { code: 0, verified: true, problems: [], yara: 'malicious' })
  st.match(await through(honest, ['lookup', bare(A.md5)]), { code: 0, verified: true })
})

t.test('(a) the report of another file is refused: it does not answer the question', async (st) => {
  st.match(await through(otherFile, lookup), { code: 3, verified: false, problems: ['QUESTION_MISMATCH'], yara: 'undetected' })
  st.match(await through(otherFile, ['lookup', bare(A.sha1)]), { code: 3, problems: ['QUESTION_MISMATCH'] })
  st.match(await through(otherFile, submit), { code: 3, verified: false, problems: ['QUESTION_MISMATCH'] }, 'submit holds the report to the bytes it hashed, not to the analysis the node names')
})

t.test('(b) a dropped verdict is refused, however carefully the summary is redone', async (st) => {
  st.match(await through(trimmedVerdict, lookup), { code: 3, verified: false, problems: ['NO_ATTESTATION_QUORUM'], yara: 'undetected' })
  st.match(await through(trimmedVerdict, submit), { code: 3, verified: false, problems: ['NO_ATTESTATION_QUORUM'] })
})

t.test('(c) VT fields that differ from the signed report are refused', async (st) => {
  st.match(await through(swappedLabel, lookup), { code: 3, verified: false, problems: ['SERVED_MISMATCH'], yara: 'undetected' })
  st.match(await through(swappedLabel, submit), { code: 3, verified: false, problems: ['SERVED_MISMATCH'] })
})
