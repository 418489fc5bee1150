import { createVtClient } from '../../client/vt-client.ts'
import type { VoteVerdict } from '../../client/vt-client.ts'
import type { Command } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { CliError } from '../cli-error.ts'
import { API_OPTIONS, API_USAGE, resolveApiTarget } from '../target.ts'
import { UsageError } from '../usage-error.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'

const HASH = /^(?:0x)?(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/
const VERDICTS: readonly VoteVerdict[] = ['harmless', 'malicious']

/** VirusTotal's community vote on a file, counted once per API key by the node that takes it. */
export const voteCommand: Command = {
  name: 'vote',
  summary: 'vote a file harmless or malicious (once per API key, on the node asked)',
  usage: `virusmap vote HASH --verdict harmless|malicious ${API_USAGE}`,
  options: { ...API_OPTIONS, verdict: { type: 'string' } },
  async run ({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new UsageError('expected one HASH (sha256, sha1 or md5)')
    const hash = positionals[0] as string
    if (!HASH.test(hash)) throw new UsageError(`not a sha256, sha1 or md5: ${hash.slice(0, 80)}`)
    const verdict = values.verdict
    if (typeof verdict !== 'string' || !(VERDICTS as readonly string[]).includes(verdict)) throw new UsageError('--verdict must be harmless or malicious')
    const target = await resolveApiTarget(values, ctx)
    if (target.apiKey === undefined) throw new UsageError('votes are counted per API key: pass --apikey KEY or set VIRUSMAP_API_KEY')
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(target.timeoutMs)])
    const client = createVtClient({ baseUrl: target.api, apiKey: target.apiKey })
    const id = hash.replace(/^0x/i, '').toLowerCase()
    let vote
    try {
      vote = await client.addVote('files', id, verdict as VoteVerdict, { signal })
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'NotFoundError') throw new CliError('NOT_FOUND', `${id}: not known to ${target.api}`)
      if (code === 'AlreadyExistsError') throw new UsageError(`this API key has already voted on ${id} at ${target.api} (a vote cannot be changed)`)
      throw err
    }
    ctx.stdout.write(target.json
      ? `${terminalJson({ data: vote }, 2)}\n`
      : `voted ${terminalText(vote.attributes.verdict)} on file ${id} at ${target.api} (vote ${terminalText(vote.id)})\n`)
    return EXIT_CODES.ok
  }
}
