import { createVtClient } from '../../client/vt-client.ts'
import type { Command } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { checkFile } from '../check-file.ts'
import { jsonCheckedFile, renderCheckedFile } from '../render.ts'
import { resolveTarget, TARGET_OPTIONS, TARGET_USAGE } from '../target.ts'
import { UsageError } from '../usage-error.ts'

const HASH = /^(?:0x)?(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/

export const lookupCommand: Command = {
  name: 'lookup',
  summary: 'fetch the report of a sha256/sha1/md5 and verify it against the chain',
  usage: `virusmap lookup HASH ${TARGET_USAGE}`,
  options: TARGET_OPTIONS,
  async run ({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new UsageError('expected one HASH')
    const hash = positionals[0] as string
    if (!HASH.test(hash)) throw new UsageError(`not a sha256, sha1 or md5: ${hash.slice(0, 80)}`)
    const target = await resolveTarget(values, ctx)
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
    const client = createVtClient({ baseUrl: target.api, ...(target.apiKey === undefined ? {} : { apiKey: target.apiKey }) })
    const checked = await checkFile(client, hash.replace(/^0x/, '').toLowerCase(), target, signal)
    ctx.stdout.write(target.json ? jsonCheckedFile(checked) : renderCheckedFile(checked))
    return checked.verification.verified ? EXIT_CODES.ok : EXIT_CODES.verificationFailed
  }
}
