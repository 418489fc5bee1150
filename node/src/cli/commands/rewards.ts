// `virusmap rewards [--address A|--keystore K] [--epoch N|latest]`: the VMT rewards a node computed for an
// epoch (SPEC 17). Without an account: the epoch's root, total, budget and how each paid report fared;
// with one: its cumulative amount (what a claim against that epoch's root pays in all), this epoch's share
// and the reports it submitted. The node's word only: `virusmap claim` checks the proof against the chain.
import { formatEther } from 'ethers'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { CliError } from '../cli-error.ts'
import { fetchApiData } from '../api-data.ts'
import { accountOption, epochArg, fetchRewardsAccount } from '../rewards-fetch.ts'
import { API_OPTIONS, API_USAGE, resolveApiTarget } from '../target.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, oneLine } from './gov-context.ts'
import { explainRewards } from './rewards-explain.ts'

const USAGE = `virusmap rewards [--address A | --keystore FILE] [--epoch N|latest] ${API_USAGE}
virusmap rewards explain HASH|INDICATOR [--kind file|url|domain|ip|wallet|script] [--epoch N|latest] ${API_USAGE}
  without an account: the epoch's rewards root, total, budget and each paid report's outcome and amount
  --address A / --keystore FILE (its address, no passphrase): that account's cumulative VMT, this epoch's share and its reports
  explain: why each report of a file (its sha256) or an indicator earned what it earned: its class and every rule's factor
  --epoch: default latest, the newest epoch the node computed`

const vmt = (wei: unknown): string => /^[0-9]{1,78}$/.test(String(wei)) ? `${formatEther(BigInt(String(wei)))} VMT` : '?'
const text = (v: unknown): string => terminalText(String(v))

function itemLine (i: Record<string, unknown>): string {
  return `  ${text(i.job_id)}  ${text(i.class)}/${text(i.outcome)}  ${vmt(i.amount)}  family ${text(i.family).slice(0, 60)}`
}

async function summary (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const target = await resolveApiTarget(values, ctx)
  const data = await fetchApiData(target, `/api/virusmap/rewards/${epochArg(values.epoch)}`, ctx) as { attributes?: Record<string, unknown> }
  const a = data?.attributes
  if (typeof a !== 'object' || a === null || !Array.isArray(a.items)) throw new CliError('NETWORK', `${target.api}: the rewards answer is not an epoch`)
  if (values.json === true) {
    ctx.stdout.write(`${terminalJson(data, 2)}\n`)
    return EXIT_CODES.ok
  }
  const items = a.items as Array<Record<string, unknown>>
  ctx.stdout.write(`epoch ${text(a.epoch)} (pays the reports of epoch ${a.paid_epoch === null ? '-' : text(a.paid_epoch)})  root ${a.root === null ? 'none (nobody earned)' : text(a.root)}\n` +
    `paid ${vmt(a.paid)} of a ${vmt(a.budget)} budget; ${text(a.leaf_count)} accounts hold ${vmt(a.total)} in all; ${text(a.reports)} reports read\n` +
    (items.length === 0 ? 'no paid report\n' : `${items.map(itemLine).join('\n')}\n`))
  return EXIT_CODES.ok
}

async function account (values: Record<string, OptionValue>, ctx: CommandContext, who: `0x${string}`): Promise<number> {
  const target = await resolveApiTarget(values, ctx)
  const r = await fetchRewardsAccount(target, epochArg(values.epoch), who, ctx)
  if (values.json === true) {
    const deposit = r.deposit === null ? null : { ...r.deposit, refunded: r.deposit.refunded.toString(), forfeited: r.deposit.forfeited.toString(), withdrawn: r.deposit.withdrawn.toString() }
    ctx.stdout.write(`${terminalJson({ ...r, cumulative: r.cumulative.toString(), amount: r.amount.toString(), memberAmount: r.memberAmount.toString(), deposit }, 2)}\n`)
    return EXIT_CODES.ok
  }
  ctx.stdout.write(`${who} at epoch ${r.epoch}: ${vmt(r.cumulative)} in all (${r.proof.length === 0 && r.cumulative === 0n ? 'no leaf' : 'in the tree'}); ` +
    `this epoch ${vmt(r.amount)}${r.memberAmount > 0n ? `, of which ${vmt(r.memberAmount)} as a member` : ''}\n` +
    (r.deposit === null ? '' : `deposits: ${r.deposit.backed} reports backed, ${r.deposit.unbacked} not (they earned nothing); ${vmt(r.deposit.refunded)} paid back, ${vmt(r.deposit.forfeited)} forfeited, ${vmt(r.deposit.withdrawn)} withdrawn (in this epoch's amount)\n`) +
    (r.items.length === 0 ? '' : `${r.items.map(itemLine).join('\n')}\n`) +
    'claim what the settled root holds with: virusmap claim --keystore FILE\n')
  return EXIT_CODES.ok
}

export const rewardsCommand: Command = {
  name: 'rewards',
  summary: 'the VMT rewards a node computed for an epoch, or one account\'s (cumulative, this epoch, its reports)',
  usage: USAGE,
  options: { ...API_OPTIONS, epoch: { type: 'string' }, address: { type: 'string' }, keystore: { type: 'string' }, kind: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    if (positionals[0] === 'explain') return await explainRewards(positionals.slice(1), values, ctx)
    if (values.kind !== undefined) throw badInput('--kind goes with rewards explain')
    if (positionals.length > 0) throw badInput(`unexpected arguments: ${terminalText(positionals.join(' ')).slice(0, 80)}`)
    const who = await accountOption(values, ctx)
    return who === undefined ? await summary(values, ctx) : await account(values, ctx, who)
  })
}
