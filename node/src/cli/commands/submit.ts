import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createVtClient, type AnalysisResponse } from '../../client/vt-client.ts'
import type { Command, Output } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { checkFile, checkIndicator } from '../check-file.ts'
import { sha256OfFile } from '../local-hash.ts'
import { jsonCheckedFile, jsonCheckedIndicator, renderCheckedFile, renderCheckedIndicator } from '../render.ts'
import { indicatorFromFlags, INDICATOR_OPTIONS, signIndicator } from '../submit-indicator.ts'
import { checkReceipt, signFile } from '../sign-file.ts'
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../target.ts'
import { terminalText } from '../terminal-text.ts'
import type { Target } from '../target.ts'
import type { CommandArgs, CommandContext } from '../command.ts'
import { UsageError } from '../usage-error.ts'
import { CliError } from '../cli-error.ts'

/** Rewrites one status line on a terminal; silent otherwise, so logs and pipes stay clean. */
function progressLine (stderr: Output): { update(a: AnalysisResponse): void, done(): void } {
  let shown = false
  return {
    update (a) {
      if (stderr.isTTY !== true) return
      const vm = a.data.attributes.virusmap
      const verdicts = vm === undefined ? '' : `, ${vm.verdict_count}/${vm.member_count} verdicts`
      stderr.write(`\r\x1b[2Kanalysis ${terminalText(a.data.attributes.status)}${terminalText(verdicts)}`)
      shown = true
    },
    done () {
      if (shown) stderr.write('\r\x1b[2K')
    }
  }
}

async function waitWithProgress (client: ReturnType<typeof createVtClient>, id: string, ctx: CommandContext, signal: AbortSignal): Promise<AnalysisResponse> {
  const progress = progressLine(ctx.stderr)
  try {
    const analysis = await client.waitForAnalysis(id, { signal, intervalMs: 500, onProgress: progress.update })
    const attributes = analysis.data.attributes as { status?: string, virusmap?: { failure?: unknown } } | undefined
    if (attributes?.status === 'failed') {
      throw new CliError('ANALYSIS_FAILED', `the network ended analysis ${id} without a report (${terminalText(String(attributes.virusmap?.failure ?? 'no reason given'))}); submit again later`)
    }
    return analysis
  } finally {
    progress.done()
  }
}

/** An indicator: signed with the user's keystore wallet, submitted, waited for, verified like a file. */
async function submitIndicator ({ values, positionals }: CommandArgs, ctx: CommandContext, indicator: NonNullable<ReturnType<typeof indicatorFromFlags>>): Promise<number> {
  if (positionals.length !== 0) throw new UsageError('a FILE and an indicator flag: submit one or the other')
  const target: Target = await resolveTarget(values, ctx)
  const signed = await signIndicator(indicator, values, ctx, target)
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
  const client = createVtClient({ baseUrl: target.api, ...(target.apiKey === undefined ? {} : { apiKey: target.apiKey }) })
  const submitted = await client.submitIndicator(indicator.kind, indicator.subject, signed, { signal })
  await waitWithProgress(client, submitted.id, ctx, signal)
  const checked = await checkIndicator(client, indicator.kind, indicator.subject, target, signal)
  ctx.stdout.write(target.json ? jsonCheckedIndicator(checked) : renderCheckedIndicator(checked))
  return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
}

export const submitCommand: Command = {
  name: 'submit',
  summary: 'upload a file or submit a URL, domain, IP, wallet or script hash (signed with your keystore wallet), wait for its quorum report and verify it against the chain',
  usage: `virusmap submit FILE [--keystore FILE] [--context TEXT] | --url URL | --domain D | --ip IP | --wallet ADDR [--chain-id N] | --script SHA256 [--context TEXT] [--keystore FILE] ${TARGET_USAGE}`,
  options: { ...TARGET_OPTIONS, ...INDICATOR_OPTIONS },
  async run (args, ctx) {
    const { values, positionals } = args
    const indicator = indicatorFromFlags(values)
    if (indicator !== undefined) return await submitIndicator(args, ctx, indicator)
    if (positionals.length !== 1) throw new UsageError('expected one FILE, or --url/--domain/--ip/--wallet/--script')
    const path = resolve(ctx.cwd, positionals[0] as string)
    let isFile: boolean
    try {
      isFile = (await stat(path)).isFile()
    } catch (err) {
      throw new UsageError(`cannot read ${positionals[0]}: ${(err as { code?: string }).code ?? (err as Error).message}`)
    }
    if (!isFile) throw new UsageError(`not a regular file: ${positionals[0]}`)
    const target = await resolveTarget(values, ctx)
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
    const client = createVtClient({ baseUrl: target.api, ...(target.apiKey === undefined ? {} : { apiKey: target.apiKey }) })

    // the report must be about these bytes: hashed here, never taken from the node's answer
    const sha256 = await sha256OfFile(path, { signal }).catch((err: unknown) => {
      if (signal.aborted) throw err
      throw new UsageError(`cannot read ${positionals[0]}: ${(err as { code?: string }).code ?? (err as Error).message}`)
    })
    // with --keystore the wallet signs the file's sha256, so the job names it (protocol SPEC 17)
    const signed = values.keystore === undefined ? undefined : await signFile(sha256, values, ctx, target)
    let uploaded
    try {
      uploaded = await client.uploadFile(path, { signal, ...(signed === undefined ? {} : { signed }) })
    } catch (err) {
      if ((err as { code?: string }).code === 'FileError') throw new UsageError((err as Error).message)
      throw err
    }
    if (signed !== undefined) {
      // no receipt: the file was in flight already, under the wallet that sent it first
      if (uploaded.receipt === undefined) ctx.stderr.write('no receipt: this file was already submitted; the first submitter is credited\n')
      else ctx.stderr.write(`receipt for ${signed.submitter} signed by node ${checkReceipt(uploaded.receipt, signed, uploaded.id, target)}\n`)
      // the node's word that the wallet's deposit does not cover it (SPEC 17 rule 0): a warning, the scan goes on
      const notice = (uploaded.deposit as { message?: unknown } | undefined)?.message
      if (typeof notice === 'string') ctx.stderr.write(`warning: ${notice.replaceAll(/[^\x20-\x7e]/g, '?').slice(0, 400)}\n`)
    }
    await waitWithProgress(client, uploaded.id, ctx, signal)
    const checked = await checkFile(client, sha256, target, signal)
    ctx.stdout.write(target.json ? jsonCheckedFile(checked) : renderCheckedFile(checked))
    return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
  }
}
