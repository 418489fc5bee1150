import type { Report } from '../../../protocol/src/messages.ts'
import type { FileResponse, VtClient } from '../client/vt-client.ts'
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
  const derived = reportFromFileAttributes(file.data.attributes ?? {})
  if (!derived.ok && derived.code === 'NO_REPORT') throw new CliError('NOT_FOUND', `${hash}: no final report yet (the scan is still running)`)
  const report = derived.report
  if (report === undefined) {
    const problems = derived.ok ? [] : [{ code: derived.code, detail: derived.detail }]
    return { file, report, verification: { verified: false, signers: [], memberCount: 0, quorum: 0, membershipBlock: undefined, problems } }
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
  return { file, report, verification: { ...result, verified: problems.length === 0, problems } }
}
