/**
 * What the page checks of a report before it calls it verified (SPEC section 12), each check named
 * so the page can say plainly what it checked: the job answers the question in the page's URL, the
 * report is the one its signed messages make under the chain's members, engines and quorum rule
 * at the job's block (read from the user's pinned RPC, never from the node), every served field
 * that restates it agrees, the job is not from this browser's future, and not younger than its
 * block allows (created after block membershipBlock + maxJobAgeBlocks was mined).
 */
// relative imports: the same module loads in the page (/web/) and in Node's tests
import { createdPastAgeLimit } from '../../../protocol/src/job-age.js'
import { checkAnchor, parseServedAnchor } from './anchor-proof.js'
import { canonicalIndicator } from './indicator-canonical.js'
import { CATEGORIES, deriveReport } from './report-derive.js'

const HASH_FIELDS = { 64: 'sha256', 40: 'sha1', 32: 'md5' }
const bare = (hex) => String(hex).replace(/^0x/i, '').toLowerCase()

/** JSON with object keys sorted: compares served and derived values independently of key order. */
function canonical (value) {
  return JSON.stringify(value, (_key, v) => (typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).toSorted().map((k) => [k, v[k]]))
    : v))
}

/** Whether the signed job is about what the page's URL asks: a file hash, or an indicator canonicalized here. */
function answersQuestion (verifier, job, asked) {
  if (asked.hash !== undefined) {
    const digits = bare(asked.hash)
    const field = /^[0-9a-f]+$/.test(digits) ? HASH_FIELDS[digits.length] : undefined
    const source = asked.source === undefined ? '' : ` (${asked.source})`
    return { ok: field !== undefined && job.kind === 'file' && job[field] === `0x${digits}`, detail: `the signed job is about the file whose ${field ?? 'hash'} is in this page's address${source}` }
  }
  const subject = canonicalIndicator(asked.kind, asked.subject, verifier.keccak)
  return { ok: subject !== undefined && job.kind === asked.kind && job.subject === subject, detail: `the signed job is about the ${asked.kind} in this page's address, ${subject ?? '(not a valid one)'}` }
}

/** The VirusTotal fields a report makes (api/vt-objects.ts vtResults, vtStats). */
function vtFields (report) {
  const results = Object.fromEntries(Object.keys(report.results).toSorted().map((name) => {
    const e = report.results[name]
    return [name, { category: e.category, engine_name: e.engine, engine_version: e.engineVersion, engine_update: e.engineUpdate, method: e.method, result: e.result === '' ? null : e.result }]
  }))
  return { results, stats: { ...Object.fromEntries(CATEGORIES.map((c) => [c, 0])), 'confirmed-timeout': 0, ...report.stats } }
}

/** The first served field that restates the report and differs from it; undefined when all agree. */
function servedDifference (a, vm, report, job, chain) {
  const engines = Object.fromEntries(Object.entries(report.results).map(([k, e]) => [k, { members: e.members, answered: e.answered, registered: e.registered, attested: e.attested }]))
  const expected = {
    version: 2, job_id: report.jobId, membership_block: job.membershipBlock, members: report.members, member_count: report.members.length,
    fault_divisor: chain.faultDivisor, quorum: report.quorum, registrations: chain.registrations, absent: report.absent, withheld: report.withheld, engines
  }
  const field = Object.keys(expected).find((k) => canonical(vm[k]) !== canonical(expected[k]))
  if (field !== undefined) return `virusmap.${field}`
  const vt = vtFields(report)
  if (canonical(a.last_analysis_results) !== canonical(vt.results)) return 'last_analysis_results'
  if (canonical(a.last_analysis_stats) !== canonical(vt.stats)) return 'last_analysis_stats'
  if (a.last_analysis_date !== Math.floor(report.date / 1000)) return 'last_analysis_date'
  if (job.kind === 'file') return ['sha256', 'sha1', 'md5', 'size'].find((k) => (k === 'size' ? a.size !== job.size : a[k] !== bare(job[k])))
  if (vm.kind !== job.kind || vm.subject !== job.subject) return 'virusmap.subject'
  return ['url', 'last_final_url'].find((k) => a[k] !== undefined && a[k] !== job.subject)
}

/**
 * Checks a served object's report. `asked` is { hash, source? } or { kind, subject } from the page's URL;
 * `deployment` the pinned { chainId, registry }; `chain` the chain's { members, registrations,
 * faultDivisor, clockSkewMs } at the job's block, its `age` limit (chain-reads.js ageLimit) and, for a served
 * anchor, the `anchor` of its epoch (chain-reads.js epochAnchor; undefined without ReportAnchors);
 * `now` this browser's clock (ms).
 * Returns { ok, checks: [{ name, ok, detail }], attesters, attestedEngines, absent, withheld, quorum, memberCount,
 * anchor }, anchor being { status: 'anchored', epoch, block, leaf, proof, root }, { status: 'pending', reason } or { status: 'failed' }.
 */
export function checkReport (verifier, attributes, asked, deployment, chain, now) {
  const vm = attributes.virusmap
  const job = vm.job.job
  const checks = []
  const add = (name, ok, detail) => { checks.push({ name, ok: Boolean(ok), detail }) }
  const question = answersQuestion(verifier, job, asked)
  add('question', question.ok, question.detail)
  add('deployment', vm.chain_id === deployment.chainId && String(vm.registry).toLowerCase() === deployment.registry.toLowerCase(),
    `the report names chain ${vm.chain_id} and registry ${vm.registry}; signatures are checked for your chain ${deployment.chainId} and registry ${deployment.registry}`)
  const report = deriveReport(verifier, vm, chain, deployment, checks)
  if (report !== undefined) {
    const differs = servedDifference(attributes, vm, report, job, chain)
    add('results shown', differs === undefined, differs === undefined
      ? 'the results, stats, members and engines this page shows are exactly what the signed verdicts give under the chain\'s registrations'
      : `the node's ${differs} differ from what the signed messages give`)
  }
  add('time', job.createdAt <= now + chain.clockSkewMs, `the job was not created in this browser's future (clock skew allowed: ${chain.clockSkewMs} ms)`)
  const { age } = chain
  add('job age', !createdPastAgeLimit(job.createdAt, age.limitTimestamp, chain.clockSkewMs), age.limitTimestamp === undefined
    ? `the job's block ${job.membershipBlock} is within ${age.maxJobAgeBlocks} blocks of the chain's head`
    : `the job was created before block ${age.limitBlock}, ${age.maxJobAgeBlocks} blocks after its block ${job.membershipBlock}, was mined`)
  if (job.kind !== 'file') {
    add('subject', canonicalIndicator(job.kind, job.subject, verifier.keccak) === job.subject && verifier.subjectSha256(job.subject) === String(job.sha256).toLowerCase(),
      'the job\'s subject is canonical and its sha256 is the subject\'s')
    add('submitter signature', verifier.recoverSubmitter(job, deployment.chainId, deployment.registry) === String(job.submitter).toLowerCase(),
      `submitted and signed by ${job.submitter}`)
  }
  const anchor = anchorCheck(verifier, attributes.virusmap_anchor, job, report, chain, add)
  const attestedEngines = report === undefined ? [] : Object.keys(report.results).filter((e) => report.results[e].attested)
  return {
    ok: checks.every((c) => c.ok),
    checks,
    attesters: report?.attesters ?? [],
    attestedEngines,
    absent: report?.absent ?? [],
    withheld: report?.withheld ?? [],
    quorum: report?.quorum ?? 0,
    memberCount: chain.members.length,
    anchor
  }
}

/** The anchor's status; a served anchor is a check of its own (SPEC section 15), never a silent pending. */
function anchorCheck (verifier, value, job, report, chain, add) {
  const served = parseServedAnchor(value)
  if (served === undefined) return { status: 'pending', reason: 'not-served' }
  if (typeof served === 'string') {
    add('anchor', false, `the node's anchor is malformed: ${served}`)
    return { status: 'failed' }
  }
  if (chain.anchor === undefined) return { status: 'pending', reason: 'no-anchors-contract' }
  if (report === undefined) return { status: 'failed', epoch: served.epoch }
  const checked = checkAnchor(job, report, served, chain.anchor, verifier.keccak)
  add('anchor', checked.ok, checked.detail)
  return checked.status
}
