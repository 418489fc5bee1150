/**
 * Final reports (SPEC sections 7 and 8): a deterministic function of the signed job, commitments,
 * verdicts and attestations they carry and of the chain's members, engine registrations and fault
 * divisor at the job's block. A quorum of members signed the content as a whole, so a serving node
 * can neither drop nor add a verdict; any node or light client recomputes the rest (checkReport).
 */
import { reportDigest, scanJobId } from './eip712.ts'
import { parseMessage, parseSignedScanJob } from './encoding.ts'
import { GossipValidationError, ReportInvalidError } from './errors.ts'
import { aggregateEngines } from './report-engines.ts'
import { quorumThreshold } from './quorum.ts'
import { attestationFor, computeCommitment, recoverCommitmentSigner, recoverReportSigner, recoverScanJobSigner, recoverVerdictSigner } from './signing.ts'
import { scannedInWindow } from './validation.ts'
import type { ReportCode } from './errors.ts'
import type { Hex, SignedCommitment, SignedScanJob, SignedVerdict } from './messages.ts'
import type { Report, ReportSignature } from './report-format.ts'

export interface DeriveReportInput {
  job: SignedScanJob
  commitments: SignedCommitment[]
  verdicts: SignedVerdict[]
  attestations: ReportSignature[]
  /** the members at the job's membership block */
  members: Hex[]
  /** engine id -> the members at the job's block whose engines include it */
  registrations: Record<string, Hex[]>
  /** the network's quorumFaultDivisor at the job's membership block (3 when never set) */
  faultDivisor: number
  chainId: number
  registry: Hex
}

/** Throws ReportInvalidError on the first message, signature, registration or quorum that does not hold. */
export function deriveReport (input: DeriveReportInput): Report {
  const { job, chainId } = input
  checkCarried(input)
  const registry = input.registry.toLowerCase() as Hex
  const members = sortedUnique(input.members.map(m => m.toLowerCase() as Hex))
  const memberSet = new Set(members)
  const registrations = normalizeRegistrations(input.registrations, memberSet)
  const jobId = scanJobId(job.job, chainId, registry)
  if (recoverOrFail(() => recoverScanJobSigner(job, chainId, registry)) !== job.job.origin) fail('BAD_SIGNATURE', 'job not signed by its origin')
  if (!memberSet.has(job.job.origin)) fail('NOT_MEMBER', 'origin not a member at the job block')

  let quorum: number
  try {
    quorum = quorumThreshold(members.length, input.faultDivisor)
  } catch (err) {
    throw new ReportInvalidError('MALFORMED', 'need at least one member and a faultDivisor integer >= 2', { cause: err })
  }

  const commitments = onePerMember(input.commitments, c => c.commitment.member, (c) => {
    if (c.commitment.jobId !== jobId) fail('JOB_MISMATCH', 'commitment is for another job')
    if (!memberSet.has(c.commitment.member)) fail('NOT_MEMBER', 'committer not a member at the job block')
    if (recoverOrFail(() => recoverCommitmentSigner(c, chainId, registry)) !== c.commitment.member) fail('BAD_SIGNATURE', 'commitment not signed by its member')
  })
  const committedBy = new Map(commitments.map(c => [c.commitment.member, c.commitment.commitment]))
  const enginesOf = enginesByMember(registrations)
  const verdicts = onePerMember(input.verdicts, v => v.verdict.member, (msg) => {
    const v = msg.verdict
    if (v.jobId !== jobId || v.sha256 !== job.job.sha256 || v.membershipBlock !== job.job.membershipBlock) fail('JOB_MISMATCH', 'verdict is for another job')
    if (!memberSet.has(v.member)) fail('NOT_MEMBER', 'verdict signer not a member at the job block')
    if (recoverOrFail(() => recoverVerdictSigner(msg, chainId, registry)) !== v.member) fail('BAD_SIGNATURE', 'verdict not signed by its member')
    if (committedBy.get(v.member) !== computeCommitment(v, msg.salt)) fail('COMMITMENT_MISMATCH', 'verdict does not open its member\'s carried commitment')
    if (!scannedInWindow(v.scannedAt, job.job)) fail('BAD_SCAN_TIME', 'scannedAt outside the job\'s commit window')
    const own = enginesOf.get(v.member) ?? new Set<string>()
    if (v.results.some(r => !own.has(r.engine))) fail('UNREGISTERED_ENGINE', 'a result for an engine not registered to its member')
  })
  if (verdicts.length < quorum) fail('NO_QUORUM', `${verdicts.length} verdicts, quorum is ${quorum}`)

  const digest = reportDigest(attestationFor(job, commitments, verdicts, chainId, registry), chainId, registry)
  // a signature that recovers to another address is an attestation of other content: it does not count
  const attestations = onePerMember(input.attestations, a => a.member, (a) => {
    if (!memberSet.has(a.member)) fail('NOT_MEMBER', 'attester not a member at the job block')
  }).filter(a => recoverOrFail(() => recoverReportSigner(digest, a.signature, a.member)) === a.member)
  if (attestations.length !== input.attestations.length || attestations.length < quorum) {
    fail('NO_ATTESTATION_QUORUM', `${attestations.length} of ${input.attestations.length} attestations sign this content, quorum is ${quorum}`)
  }

  const revealed = new Set(verdicts.map(v => v.verdict.member))
  const { results, stats } = aggregateEngines(verdicts, registrations, input.faultDivisor)
  return {
    version: 2,
    jobId,
    chainId,
    registry,
    job,
    members,
    memberCount: members.length,
    faultDivisor: input.faultDivisor,
    quorum,
    registrations,
    commitments,
    verdicts,
    attestations: attestations.map(a => ({ member: a.member, signature: a.signature })),
    absent: members.filter(m => !revealed.has(m)),
    withheld: commitments.map(c => c.commitment.member).filter(m => !revealed.has(m)),
    results,
    stats,
    date: Math.max(...verdicts.map(v => v.verdict.scannedAt))
  }
}

/** Reports arrive from untrusted servers: hold what they carry to the gossip schema before reading it. */
function checkCarried (input: DeriveReportInput): void {
  if (!Array.isArray(input.commitments) || !Array.isArray(input.verdicts) || !Array.isArray(input.attestations) ||
    !Array.isArray(input.members) || !input.members.every(isAddress) || !isRegistrations(input.registrations) ||
    !Number.isSafeInteger(input.chainId) || input.chainId < 0 || !isAddress(input.registry) ||
    !input.attestations.every(a => typeof a === 'object' && a !== null && isWireHex(a.member, 20) && isWireHex(a.signature, 65))) {
    fail('MALFORMED', 'commitments, verdicts, attestations, members, registrations, chainId or registry malformed')
  }
  try {
    parseSignedScanJob(input.job)
    for (const c of input.commitments) parseMessage('commits', c)
    for (const v of input.verdicts) parseMessage('verdicts', v)
  } catch (err) {
    if (err instanceof GossipValidationError) throw new ReportInvalidError('MALFORMED', 'a carried message is malformed', { cause: err })
    throw err
  }
}

/** Hex as the wire carries it (SPEC section 1): lowercase, exactly `bytes` long. */
function isWireHex (value: unknown, bytes: number): value is Hex {
  return typeof value === 'string' && value.length === 2 + 2 * bytes && /^0x[0-9a-f]*$/.test(value)
}

/** An address from the chain, in any case (it is lowercased before use). */
function isAddress (value: unknown): value is Hex {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)
}

function isRegistrations (value: unknown): value is Record<string, Hex[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  return Object.entries(value).every(([k, v]) => /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/.test(k) && Array.isArray(v) && v.every(isAddress))
}

/** Registrations of members only, each list ascending, engines by id ascending, engines nobody holds dropped. */
function normalizeRegistrations (registrations: Record<string, Hex[]>, members: Set<Hex>): Record<string, Hex[]> {
  const entries: Array<[string, Hex[]]> = []
  for (const engine of Object.keys(registrations).toSorted()) {
    const holders = sortedUnique((registrations[engine] ?? []).map(m => m.toLowerCase() as Hex)).filter(m => members.has(m))
    if (holders.length > 0) entries.push([engine, holders])
  }
  // fromEntries defines own properties, so an engine called "__proto__" cannot reach the prototype
  return Object.fromEntries(entries)
}

function enginesByMember (registrations: Record<string, Hex[]>): Map<Hex, Set<string>> {
  const byMember = new Map<Hex, Set<string>>()
  for (const [engine, holders] of Object.entries(registrations)) {
    for (const m of holders) byMember.set(m, (byMember.get(m) ?? new Set()).add(engine))
  }
  return byMember
}

/**
 * Checks each item, then keeps one per member sorted by member. A member's second, different item is
 * refused outright: the content is signed as a whole, so a report carries exactly what was attested.
 */
function onePerMember<T> (items: T[], memberOf: (item: T) => Hex, check: (item: T) => void): T[] {
  const byMember = new Map<Hex, T>()
  for (const item of items) {
    check(item)
    const m = memberOf(item)
    if (byMember.has(m)) fail('DUPLICATE_MEMBER', 'more than one item from a member')
    byMember.set(m, item)
  }
  return [...byMember.keys()].toSorted().map(m => byMember.get(m) as T)
}

function sortedUnique (list: Hex[]): Hex[] {
  return [...new Set(list)].toSorted()
}

/**
 * engine id -> the members whose engines include it, from each member's engines at a block: the
 * `registrations` deriveReport and checkReport take (nodes and light clients build it this one way).
 */
export function registrationsOf (members: readonly Hex[], enginesOf: ReadonlyArray<readonly string[]>): Record<string, Hex[]> {
  const holders = new Map<string, Hex[]>()
  members.forEach((m, i) => { for (const e of enginesOf[i] ?? []) holders.set(e, [...(holders.get(e) ?? []), m.toLowerCase() as Hex]) })
  // fromEntries defines own properties, so an engine id cannot reach the prototype
  return Object.fromEntries([...holders.keys()].toSorted().map((e) => [e, (holders.get(e) as Hex[]).toSorted()]))
}

export interface CheckReportOptions {
  /** the members at the job's block, from the chain */
  members?: Hex[]
  /** engine id -> members registered for it at the job's block, from the chain */
  registrations?: Record<string, Hex[]>
  /** the quorumFaultDivisor at the job's block, from the chain: a report may not claim a smaller quorum */
  faultDivisor?: number
}

/** Recomputes the report from what it carries and throws ReportInvalidError on the first difference. */
export function checkReport (report: Report, options: CheckReportOptions = {}): void {
  if (typeof report !== 'object' || report === null || report.version !== 2) fail('MALFORMED', 'not a version-2 report')
  const derived = deriveReport({
    job: report.job,
    commitments: report.commitments,
    verdicts: report.verdicts,
    attestations: report.attestations,
    members: report.members,
    registrations: report.registrations,
    faultDivisor: report.faultDivisor,
    chainId: report.chainId,
    registry: report.registry
  })
  if (report.jobId !== derived.jobId) fail('JOB_ID_MISMATCH', 'jobId is not the digest of the carried job')
  if (options.members !== undefined && canonical(sortedUnique(options.members.map(m => m.toLowerCase() as Hex))) !== canonical(derived.members)) {
    fail('MEMBER_COUNT_MISMATCH', 'the report\'s members differ from the chain\'s')
  }
  if (options.registrations !== undefined && canonical(normalizeRegistrations(options.registrations, new Set(derived.members))) !== canonical(derived.registrations)) {
    fail('REGISTRATION_MISMATCH', 'the report\'s engine registrations differ from the chain\'s')
  }
  if (options.faultDivisor !== undefined && report.faultDivisor !== options.faultDivisor) {
    fail('FAULT_DIVISOR_MISMATCH', `report uses fault divisor ${report.faultDivisor}, the chain says ${options.faultDivisor}`)
  }
  if (canonical(report) !== canonical(derived)) fail('DERIVATION_MISMATCH', 'report differs from its derivation')
}

/** JSON with object keys sorted: compares reports independently of key order. */
function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
    return Object.fromEntries(Object.keys(v).toSorted().map(k => [k, (v as Record<string, unknown>)[k]]))
  })
}

function recoverOrFail (fn: () => Hex): Hex {
  const signer = recoverOrUndefined(fn)
  if (signer === undefined) fail('BAD_SIGNATURE', 'signature does not recover')
  return signer
}

function recoverOrUndefined (fn: () => Hex): Hex | undefined {
  try {
    return fn()
  } catch {
    return undefined
  }
}

function fail (code: ReportCode, message: string): never {
  throw new ReportInvalidError(code, message)
}
