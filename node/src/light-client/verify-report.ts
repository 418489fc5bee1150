import type { Provider } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import {
  canonicalIndicatorOr, checkReport, createdPastAgeLimit, indicatorSha256, isIndicatorKind, quorumThreshold, recoverSubmissionSigner, submissionOf, ZERO_ADDRESS
} from '#protocol/index.ts'
import { checkAnchor, parseServedAnchor, type AnchorStatus } from './anchor-check.ts'
import { createAnchorsView } from './anchors-view.ts'
import { createChainReader, type ChainReader } from './chain-reader.ts'
import { createClockSkewReader } from './clock-skew.ts'
import { reportProblem, type VerifyProblem } from './problems.ts'
import { checkQuestion, type Question } from './question.ts'
import { createRegistryView } from './registry-view.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface VerifyResult {
  verified: boolean
  /** members whose attestations sign the report's content, ascending (the report's word unless verified) */
  attesters: Hex[]
  /** engines a quorum of their registered members answered: the only ones counted in the stats, ascending */
  attestedEngines: string[]
  /** members at the job's block without a verdict in the report */
  absent: Hex[]
  /** members that committed and did not reveal */
  withheld: Hex[]
  /** members at the job's block as the chain says (the report's claim if the chain was not read) */
  memberCount: number
  /** quorum(memberCount, the chain's divisor) */
  quorum: number
  membershipBlock: number
  /** whether the report is anchored (SPEC section 15): anchored in an epoch, pending, or a served anchor that failed (a problem says why) */
  anchor: AnchorStatus
  problems: VerifyProblem[]
}

/** The deployment a client trusts: only these, never the serving node, say what the chain is. */
export interface VerifyTarget {
  provider: Provider
  registry: Hex
  chainId: number
  /** the deployment's NetworkParameters (quorum rule, clock skew); absent in deployments from before it: the defaults */
  parameters?: Hex
  /** the deployment's ReportAnchors; absent: anchors are not checked and every report is pending */
  anchors?: Hex
}

export interface VerifyOptions extends AbortOptions {
  /** the anchor served beside the report (the VT attribute `virusmap_anchor`, anchor-check.ts ServedAnchor), untrusted */
  anchor?: unknown
  /** the client's clock, ms (tests pin it) */
  now?: () => number
}

/** One reader per provider and deployment, so a second report from a block already read costs no RPC. */
const readers = new WeakMap<Provider, Map<string, ChainReader>>()

/** The caching chain reader for a deployment on this provider. */
export function chainReaderFor (target: VerifyTarget): ChainReader {
  const byDeployment = readers.get(target.provider) ?? new Map<string, ChainReader>()
  readers.set(target.provider, byDeployment)
  const key = `${target.registry.toLowerCase()}/${target.parameters?.toLowerCase() ?? ''}/${target.anchors?.toLowerCase() ?? ''}`
  let reader = byDeployment.get(key)
  if (reader === undefined) {
    reader = createChainReader(
      createRegistryView(target.provider, target.registry, target.parameters),
      createClockSkewReader(target.provider, target.parameters),
      target.anchors === undefined ? undefined : createAnchorsView(target.provider, target.anchors)
    )
    byDeployment.set(key, reader)
  }
  return reader
}

/**
 * Checks a report without trusting the node that served it (SPEC section 12): it must answer
 * `asked`, name the deployment's chain and registry, and follow from the messages it carries under
 * the chain's members, engines and quorum rule at the job's block. Network failures throw;
 * everything else is a problem in the result.
 */
export async function verifyReport (report: Report, asked: Question, target: VerifyTarget, options: VerifyOptions = {}): Promise<VerifyResult> {
  return await verifyReportWith(report, asked, chainReaderFor(target), target, options)
}

/** verifyReport over any ChainReader (the chain reads are the only I/O). */
export async function verifyReportWith (
  report: Report,
  asked: Question,
  chain: ChainReader,
  expected: { registry: Hex, chainId: number },
  options: VerifyOptions = {}
): Promise<VerifyResult> {
  const { signal } = options
  if (typeof report !== 'object' || report === null) throw new TypeError('verifyReport needs a report object')
  const problems: VerifyProblem[] = []
  const question = checkQuestion(report, asked)
  if (question !== undefined) problems.push(question)
  if (String(report.registry).toLowerCase() !== expected.registry.toLowerCase()) {
    problems.push({ code: 'WRONG_REGISTRY', detail: `report names registry ${String(report.registry)}, deployment has ${expected.registry}` })
  }
  const chainId = await chain.chainId({ signal })
  if (report.chainId !== expected.chainId || chainId !== expected.chainId) {
    problems.push({ code: 'WRONG_CHAIN', detail: `report chain ${String(report.chainId)}, deployment chain ${expected.chainId}, provider chain ${chainId}` })
  }
  const job = report.job?.job
  const block = job?.membershipBlock
  const served = parseServedAnchor(options.anchor)
  // a report that fails before the chain is read has its anchor unchecked: failed if one was served
  let anchor: AnchorStatus = served === undefined ? { status: 'pending', reason: 'not-served' } : { status: 'failed' }
  const result = (memberCount: number, quorum: number): VerifyResult => ({
    verified: problems.length === 0,
    attesters: listOf(report.attestations).map((a) => a.member).toSorted(),
    attestedEngines: Object.entries(report.results ?? {}).filter(([, e]) => e?.attested === true).map(([engine]) => engine).toSorted(),
    absent: listOf(report.absent),
    withheld: listOf(report.withheld),
    memberCount,
    quorum,
    membershipBlock: block,
    anchor,
    problems
  })
  if (!Number.isSafeInteger(block) || block < 0) {
    problems.push({ code: 'MALFORMED', detail: 'the report names no membership block' })
    return result(report.memberCount, report.quorum)
  }
  const state = await chain.blockState(block, { signal })
  if (state === undefined) {
    problems.push({ code: 'FUTURE_MEMBERSHIP_BLOCK', detail: `job names block ${block}, past the chain's head` })
    return result(report.memberCount, report.quorum)
  }
  try {
    checkReport(report, { members: state.members, registrations: state.registrations, faultDivisor: state.faultDivisor })
  } catch (err) {
    problems.push(reportProblem(err))
  }
  const now = (options.now ?? Date.now)()
  if (job.createdAt > now + state.clockSkewMs) {
    problems.push({ code: 'FUTURE_JOB', detail: `the job was created ${job.createdAt - now} ms in this client's future (skew allowed: ${state.clockSkewMs} ms)` })
  }
  const age = await chain.ageLimit(block, { signal })
  if (createdPastAgeLimit(job.createdAt, age.limitTimestamp, state.clockSkewMs)) {
    problems.push({
      code: 'OLD_MEMBERSHIP_BLOCK',
      detail: `the job names block ${block} but was created after block ${age.limitBlock} (maxJobAgeBlocks ${age.maxJobAgeBlocks} later) was mined`
    })
  }
  checkSubmission(report, expected, problems)
  anchor = await anchorOf(report, served, chain, problems, { signal })
  const n = state.members.length
  return result(n, n === 0 ? 0 : quorumThreshold(n, state.faultDivisor))
}

/** The report's anchor status (SPEC section 15); a served anchor that does not hold adds its problem. */
async function anchorOf (report: Report, served: ReturnType<typeof parseServedAnchor>, chain: ChainReader, problems: VerifyProblem[], { signal }: AbortOptions = {}): Promise<AnchorStatus> {
  if (served === undefined) return { status: 'pending', reason: 'not-served' }
  if ('code' in served) {
    problems.push(served)
    return { status: 'failed' }
  }
  const onChain = await chain.epochAnchor(served.epoch, { signal })
  if (onChain === undefined) return { status: 'pending', reason: 'no-anchors-contract' }
  const checked = checkAnchor(report, served, onChain)
  problems.push(...checked.problems)
  return checked.status
}

/** A report's list as served; a hostile report may carry anything there */
function listOf<T> (value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : []
}

function recoverOrUndefined (recover: () => Hex): Hex | undefined {
  try {
    return recover().toLowerCase() as Hex
  } catch {
    return undefined
  }
}

/**
 * Who vouched for the job (SPEC section 12, step 5): an indicator always names its submitter, whose
 * EIP-712 Submission must recover under the deployment's domain; and its subject must be the
 * canonical one the job's sha256 stands for.
 */
export function checkSubmission (report: Report, expected: { registry: Hex, chainId: number }, problems: VerifyProblem[]): void {
  const { job } = report.job
  if (isIndicatorKind(job.kind)) {
    const canonical = canonicalIndicatorOr(job.kind, job.subject, () => undefined)
    if (canonical !== job.subject || indicatorSha256(job.subject) !== String(job.sha256).toLowerCase()) {
      problems.push({ code: 'SUBJECT_MISMATCH', detail: `the ${job.kind} job's subject is not canonical or not what its sha256 names` })
    }
  }
  if (job.submitter === ZERO_ADDRESS && !isIndicatorKind(job.kind)) return
  const signer = recoverOrUndefined(() => recoverSubmissionSigner(submissionOf(job), job.submitterSignature, expected.chainId, expected.registry))
  if (job.submitter === ZERO_ADDRESS || signer !== String(job.submitter).toLowerCase()) {
    problems.push({ code: 'SUBMITTER_SIGNATURE', detail: `the submission is not signed by its submitter ${String(job.submitter)}` })
  }
}
