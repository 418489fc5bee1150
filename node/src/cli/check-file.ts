import type { Report } from '../../../protocol/src/messages.ts'
import type { FileResponse, IndicatorResponse, VtClient } from '../client/vt-client.ts'
import type { IndicatorKind } from '../../../protocol/src/messages.ts'
import { vtUrlId } from '../../../protocol/src/index.ts'
import { VtClientError } from '../client/vt-client.ts'
import { reportFromFileAttributes } from '../light-client/file-report.ts'
import { connectProvider } from '../light-client/provider.ts'
import { verifyReport, type VerifyResult } from '../light-client/verify-report.ts'
import { CliError } from './cli-error.ts'
import type { Target } from './target.ts'

/** A verification outcome, including failures found before the chain was asked. */
export interface Verification {
  verified: boolean
  signers: string[]
  memberCount: number
  quorum: number
  membershipBlock: number | undefined
  problems: Array<{ code: string, detail: string }>
}

export interface CheckedFile {
  file: FileResponse
  /** the report rebuilt from the signed verdicts (what is printed), when they allow one */
  report: Report | undefined
  verification: Verification
}

/** Fetches a file object and verifies its report against the chain, trusting only signatures and the chain. */
export async function checkFile (client: VtClient, hash: string, target: Target, signal: AbortSignal): Promise<CheckedFile> {
  let file: FileResponse
  try {
    file = await client.getFile(hash, { signal })
  } catch (err) {
    if (err instanceof VtClientError && err.code === 'NotFoundError') throw new CliError('NOT_FOUND', `${hash}: not known to ${client.baseUrl}`)
    throw err
  }
  return { file, ...await verifyServed(file.data.attributes ?? {}, hash, target, signal) }
}

export interface CheckedIndicator {
  kind: IndicatorKind
  subject: string
  object: IndicatorResponse
  report: Report | undefined
  verification: Verification
}

/** An indicator's object (VirusTotal's collections for url/domain/ip, VirusMap's for wallet/script), verified like a file's. */
export async function checkIndicator (client: VtClient, kind: IndicatorKind, subject: string, target: Target, signal: AbortSignal): Promise<CheckedIndicator> {
  let object: IndicatorResponse
  try {
    object = kind === 'url'
      ? await client.getUrl(vtUrlId(subject), { signal })
      : kind === 'domain' ? await client.getDomain(subject, { signal })
        : kind === 'ip' ? await client.getIpAddress(subject, { signal }) : await client.getIndicator(kind, subject, { signal })
  } catch (err) {
    if (err instanceof VtClientError && err.code === 'NotFoundError') throw new CliError('NOT_FOUND', `${kind} ${subject.slice(0, 200)}: not known to ${client.baseUrl}`)
    throw err
  }
  const checked = await verifyServed(object.data.attributes ?? {}, subject, target, signal)
  // the signed job must be about what was asked, not another indicator the server answered with
  const job = checked.report?.job.job
  if (job !== undefined && (job.kind !== kind || job.subject !== subject)) {
    checked.verification = { ...checked.verification, verified: false, problems: [...checked.verification.problems, { code: 'SUBJECT_MISMATCH', detail: `the report is about ${job.kind} ${job.subject.slice(0, 200)}` }] }
  }
  return { kind, subject, object, ...checked }
}

/** Rebuilds the report from the served signed job and verdicts and verifies it against the chain. */
async function verifyServed (attributes: Record<string, unknown>, name: string, target: Target, signal: AbortSignal): Promise<{ report: Report | undefined, verification: Verification }> {
  const derived = reportFromFileAttributes(attributes)
  if (!derived.ok && derived.code === 'NO_REPORT') throw new CliError('NOT_FOUND', `${name.slice(0, 200)}: no final report yet (the scan is still running)`)
  const report = derived.report
  if (report === undefined) {
    const problems = derived.ok ? [] : [{ code: derived.code, detail: derived.detail }]
    return { report, verification: { verified: false, signers: [], memberCount: 0, quorum: 0, membershipBlock: undefined, problems } }
  }
  const provider = await connectProvider(target.rpcUrl, { signal })
  let result: VerifyResult
  try {
    const { registry, chainId, parameters } = target.deployment
    result = await verifyReport(report, { provider, registry, chainId, ...(parameters === undefined ? {} : { parameters }) }, { signal })
  } finally {
    provider.destroy()
  }
  const problems = [...(derived.ok ? [] : [{ code: derived.code, detail: derived.detail }]), ...result.problems]
  return { report, verification: { ...result, verified: problems.length === 0, problems } }
}
