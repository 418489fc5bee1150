import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createVtClient, type AnalysisResponse } from '../../client/vt-client.ts'
import type { Command, Output } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { checkFile } from '../check-file.ts'
import { CliError } from '../cli-error.ts'
import { jsonCheckedFile, renderCheckedFile } from '../render.ts'
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../target.ts'
import { UsageError } from '../usage-error.ts'

/** Rewrites one status line on a terminal; silent otherwise, so logs and pipes stay clean. */
function progressLine (stderr: Output): { update(a: AnalysisResponse): void, done(): void } {
  let shown = false
  return {
    update (a) {
      if (stderr.isTTY !== true) return
      const vm = a.data.attributes.virusmap
      const verdicts = vm === undefined ? '' : `, ${vm.verdict_count}/${vm.member_count} verdicts`
      stderr.write(`\r\x1b[2Kanalysis ${a.data.attributes.status}${verdicts}`)
      shown = true
    },
    done () {
      if (shown) stderr.write('\r\x1b[2K')
    }
  }
}

export const submitCommand: Command = {
  name: 'submit',
  summary: 'upload a file, wait for its quorum report and verify it against the chain',
  usage: `virusmap submit FILE ${TARGET_USAGE}`,
  options: TARGET_OPTIONS,
  async run ({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new UsageError('expected one FILE')
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

    let uploaded
    try {
      uploaded = await client.uploadFile(path, { signal })
    } catch (err) {
      if ((err as { code?: string }).code === 'FileError') throw new UsageError((err as Error).message)
      throw err
    }
    const progress = progressLine(ctx.stderr)
    let analysis: AnalysisResponse
    try {
      analysis = await client.waitForAnalysis(uploaded.id, { signal, intervalMs: 500, onProgress: progress.update })
    } finally {
      progress.done()
    }
    const sha256 = analysis.meta?.file_info?.sha256
    if (typeof sha256 !== 'string') throw new CliError('NETWORK', `analysis ${uploaded.id} names no file`)
    const checked = await checkFile(client, sha256, target, signal)
    ctx.stdout.write(target.json ? jsonCheckedFile(checked) : renderCheckedFile(checked))
    return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
  }
}
