import { createVtClient } from '../../client/vt-client.ts'
import type { Command } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { checkFile, checkIndicator } from '../check-file.ts'
import { classifyLookup, LOOKUP_KINDS } from '../indicator-input.ts'
import { jsonCheckedFile, jsonCheckedIndicator, renderCheckedFile, renderCheckedIndicator } from '../render.ts'
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../target.ts'
import { UsageError } from '../usage-error.ts'

export const lookupCommand: Command = {
  name: 'lookup',
  summary: 'fetch the report of a file hash, URL, domain, IP, wallet or script hash and verify it against the chain',
  usage: `virusmap lookup HASH|URL|DOMAIN|IP|WALLET [--kind ${LOOKUP_KINDS.join('|')}] ${TARGET_USAGE}`,
  options: { ...TARGET_OPTIONS, kind: { type: 'string' } },
  async run ({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new UsageError('expected one HASH, URL, DOMAIN, IP or WALLET')
    const input = classifyLookup(positionals[0] as string, typeof values.kind === 'string' ? values.kind : undefined)
    const target = await resolveTarget(values, ctx)
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
    const client = createVtClient({ baseUrl: target.api, ...(target.apiKey === undefined ? {} : { apiKey: target.apiKey }) })
    if (input.kind === 'file') {
      const checked = await checkFile(client, input.hash, target, signal)
      ctx.stdout.write(target.json ? jsonCheckedFile(checked) : renderCheckedFile(checked))
      return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
    }
    const checked = await checkIndicator(client, input.kind, input.subject, target, signal)
    ctx.stdout.write(target.json ? jsonCheckedIndicator(checked) : renderCheckedIndicator(checked))
    return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
  }
}
