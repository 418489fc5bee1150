import type { IndicatorKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { FileResponse, IndicatorResponse, VtClient } from '../client/vt-client.ts'
import { vtUrlId } from '#protocol/index.ts'
import { VtClientError } from '../client/vt-client.ts'
import { reportFromFileAttributes } from '../light-client/file-report.ts'
import type { VerifyProblem } from '../light-client/problems.ts'
import { connectProvider } from '../light-client/provider.ts'
import type { Question } from '../light-client/question.ts'
import { verifyReport, type VerifyResult } from '../light-client/verify-report.ts'
import { CliError } from './cli-error.ts'
import type { Target } from './target.ts'

/** A verification outcome, including failures found before the chain was asked. */
export type Verification = Omit<VerifyResult, 'membershipBlock'> & { membershipBlock: number | undefined }

export interface CheckedFile {
  file: FileResponse
  /** the report rebuilt from the signed messages (what is printed), when they allow one */
  report: Report | undefined
  verification: Verification
}

function notFound (err: unknown, what: string, client: VtClient): never {
  if (err instanceof VtClientError && err.code === 'NotFoundError') throw new CliError('NOT_FOUND', `${what.slice(0, 200)}: not known to ${client.baseUrl}`)
  throw err
}

/**
 * Fetches a file object by `hash` and verifies its report is about that file and holds against the
 * chain, trusting only signatures and the chain. `hash` is what the user asked or computed, never
 * a value the node answered with.
 */
export async function checkFile (client: VtClient, hash: string, target: Target, signal: AbortSignal): Promise<CheckedFile> {
  const file = await client.getFile(hash, { signal }).catch((err: unknown) => notFound(err, hash, client))
  return { file, ...await verifyServed(file.data.attributes ?? {}, { hash }, hash, target, signal) }
}

export interface CheckedIndicator {
  kind: IndicatorKind
  subject: string
  object: IndicatorResponse
  report: Report | undefined
  verification: Verification
}

/**
 * An indicator's object (VirusTotal's collections for url/domain/ip, VirusMap's for wallet/script),
 * verified like a file's against the canonical `subject` asked.
 */
export async function checkIndicator (client: VtClient, kind: IndicatorKind, subject: string, target: Target, signal: AbortSignal): Promise<CheckedIndicator> {
  const object = await (kind === 'url'
    ? client.getUrl(vtUrlId(subject), { signal })
    : kind === 'domain' ? client.getDomain(subject, { signal })
      : kind === 'ip' ? client.getIpAddress(subject, { signal }) : client.getIndicator(kind, subject, { signal }))
    .catch((err: unknown) => notFound(err, `${kind} ${subject}`, client))
  return { kind, subject, object, ...await verifyServed(object.data.attributes ?? {}, { kind, subject }, subject, target, signal) }
}

/** A report that cannot be rebuilt: nothing of it, its anchor included, was checked against the chain. */
function failed (problems: VerifyProblem[], anchorServed: boolean): Verification {
  return {
    verified: false, attesters: [], attestedEngines: [], absent: [], withheld: [], memberCount: 0, quorum: 0, membershipBlock: undefined,
    anchor: anchorServed ? { status: 'failed' } : { status: 'pending', reason: 'not-served' },
    problems
  }
}

/** Rebuilds the report from the served signed messages and verifies it answers `asked` and holds against the chain. */
async function verifyServed (
  attributes: Record<string, unknown>, asked: Question, name: string, target: Target, signal: AbortSignal
): Promise<{ report: Report | undefined, verification: Verification }> {
  const derived = reportFromFileAttributes(attributes)
  if (!derived.ok && derived.code === 'NO_REPORT') throw new CliError('NOT_FOUND', `${name.slice(0, 200)}: no final report yet (the scan is still running)`)
  const served: VerifyProblem[] = derived.ok || derived.code === 'NO_REPORT' ? [] : [{ code: derived.code, detail: derived.detail }]
  const report = derived.report
  const anchor = attributes.virusmap_anchor
  if (report === undefined) return { report, verification: failed(served, anchor !== undefined && anchor !== null) }
  const provider = await connectProvider(target.rpcUrl, { signal })
  let result: VerifyResult
  try {
    const { registry, chainId, parameters, anchors } = target.deployment
    const deployment = { provider, registry, chainId, ...(parameters === undefined ? {} : { parameters }), ...(anchors === undefined ? {} : { anchors }) }
    result = await verifyReport(report, asked, deployment, { signal, anchor })
  } finally {
    provider.destroy()
  }
  const problems = [...served, ...result.problems]
  return { report, verification: { ...result, verified: problems.length === 0, problems } }
}
