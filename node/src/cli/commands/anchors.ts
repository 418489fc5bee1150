// `virusmap anchors [--epoch N]`: the epochs a node has seen anchored on chain (SPEC 15), or one
// epoch with the job ids of its leaves. What the node says is its own view; `virusmap lookup` checks
// a report's anchor against the chain.
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { CliError } from '../cli-error.ts'
import { fetchApiData } from '../api-data.ts'
import { API_OPTIONS, API_USAGE, resolveApiTarget } from '../target.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, oneLine } from './gov-context.ts'

const EPOCH = /^[0-9]{1,15}$/

const USAGE = `virusmap anchors [--epoch N] ${API_USAGE}
  without --epoch: the newest anchored epochs the node has seen (epoch, root, leaves, block, transaction)
  --epoch N: that epoch and the job ids of its leaves`

interface EpochItem { id?: unknown, attributes?: Record<string, unknown> }

function epochOption (value: OptionValue): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !EPOCH.test(value)) throw badInput(`--epoch must be a non-negative integer, got "${terminalText(String(value)).slice(0, 40)}"`)
  return Number(value)
}

function row (a: Record<string, unknown>): string {
  return `epoch ${terminalText(String(a.epoch))}  root ${terminalText(String(a.root))}  leaves ${terminalText(String(a.leaf_count))}  block ${terminalText(String(a.block))}  tx ${terminalText(String(a.tx))}`
}

async function run (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const epoch = epochOption(values.epoch)
  const target = await resolveApiTarget(values, ctx)
  const path = epoch === undefined ? '/api/virusmap/anchors' : `/api/virusmap/anchors?epoch=${epoch}`
  const data = await fetchApiData(target, path, ctx)
  if (epoch === undefined) {
    if (!Array.isArray(data)) throw new CliError('NETWORK', `${target.api}: the anchors answer has no list`)
    const items = data as EpochItem[]
    if (values.json === true) ctx.stdout.write(`${terminalJson(items, 2)}\n`)
    else ctx.stdout.write(items.length === 0 ? 'no anchored epoch seen yet\n' : `${items.map((i) => row(i.attributes ?? {})).join('\n')}\n`)
    return EXIT_CODES.ok
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new CliError('NETWORK', `${target.api}: the anchors answer is not one epoch`)
  const item = data as EpochItem
  if (values.json === true) {
    ctx.stdout.write(`${terminalJson(item, 2)}\n`)
    return EXIT_CODES.ok
  }
  const a = item.attributes ?? {}
  const jobs = Array.isArray(a.job_ids) ? a.job_ids.map((j) => terminalText(String(j))) : undefined
  ctx.stdout.write(`${row(a)}\n${jobs === undefined ? 'jobs: not matched to the proposal yet\n' : jobs.map((j) => `  ${j}\n`).join('')}`)
  return EXIT_CODES.ok
}

export const anchorsCommand: Command = {
  name: 'anchors',
  summary: 'list the epochs anchored on chain a node has seen, or one epoch\'s jobs',
  usage: USAGE,
  options: { ...API_OPTIONS, epoch: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    if (positionals.length > 0) throw badInput(`unexpected arguments: ${terminalText(positionals.join(' ')).slice(0, 80)}`)
    return await run(values, ctx)
  })
}
