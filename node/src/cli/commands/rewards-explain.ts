// `virusmap rewards explain HASH|INDICATOR [--kind K] [--epoch N|latest]`: why each report of an item earned
// what it earned in an epoch (SPEC 17's breakdown): the class and what it was decided on, or why it earned
// nothing, and for a paid report every rule that changed its amount with its factor. The item is the protocol's
// (rewardItemOf): a file's sha256, a URL's or domain's registrable-domain hash, another indicator's subject
// hash; the node's items are held to their shape before printing.
import { formatEther } from 'ethers'
import { indicatorSha256 } from '#protocol/indicators.ts'
import type { Hex } from '#protocol/messages.ts'
import { rewardItemOf, rewardKeyOf } from '#protocol/rewards/item.ts'
import type { RewardKey } from '#protocol/rewards/item.ts'
import { fetchApiData } from '../api-data.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { CommandContext, OptionValue } from '../command.ts'
import { classifyLookup } from '../indicator-input.ts'
import { epochArg } from '../rewards-fetch.ts'
import { resolveApiTarget } from '../target.ts'
import type { ApiTarget } from '../target.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, str } from './gov-context.ts'

const PAGE = 1000
/** an epoch's items read at most (100 pages) */
const MAX_ITEMS = 100_000
const HEX32 = /^0x[0-9a-f]{64}$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/
const FACTOR = /^(0|[1-9][0-9]{0,77})\/[1-9][0-9]{0,77}$/
const RULES = new Set(['base', 'suspicious', 'listed', 'confirmed', 'duplicate', 'precision', 'family-cap', 'wallet-cap', 'pool'])
const CAPS = new Set(['family-cap', 'wallet-cap', 'pool'])

const WHY: Record<string, string> = {
  unsigned: 'nothing: no wallet signed the submission',
  'no-deposit': 'nothing: the signing wallet\'s submission deposit (SubmissionDeposits) did not cover it at the epoch\'s end',
  test: 'nothing: a test signature',
  unconfirmed: 'nothing: not confirmed malicious or suspicious by the quorum',
  settled: 'nothing: the item was paid in an earlier epoch',
  'not-first': 'nothing: another report of the item came first (earlier median scan time)',
  paid: 'paid'
}

/** The reward item of what was typed (md5 and sha1 are not items) and, for a URL or domain, the host key it is the hash of. */
export function typedRewardItem (text: string, kind: OptionValue): { item: Hex, key?: RewardKey } {
  let input: ReturnType<typeof classifyLookup>
  try {
    input = classifyLookup(text, str(kind))
  } catch (err) {
    // one line, like every other input error of this command (the lookup's own message names what is wrong)
    throw badInput(terminalText((err as Error).message).slice(0, 200))
  }
  if (input.kind !== 'file') {
    const key = rewardKeyOf(input.kind, input.subject)
    return { item: rewardItemOf(input.kind, indicatorSha256(input.subject), input.subject), ...(key === undefined ? {} : { key }) }
  }
  if (input.hash.length !== 64) throw badInput('a file\'s reward item is its sha256 (64 hex digits), not its md5 or sha1')
  return { item: `0x${input.hash}` }
}

type Item = Record<string, unknown> & { steps: Array<{ rule: string, factor: string, amount: string }> }

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.length <= 4096 && x.every((s) => typeof s === 'string')
const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0

/** One item of the node's answer, every field explain prints checked; anything else is the node's fault. */
function checkedItem (i: unknown, bad: (what: string) => CliError): Item {
  if (typeof i !== 'object' || i === null) throw bad('an item is not an object')
  const x = i as Record<string, unknown>
  if (typeof x.job_id !== 'string' || !HEX32.test(x.job_id) || typeof x.submitter !== 'string' || !/^0x[0-9a-f]{40}$/.test(x.submitter)) throw bad('an item has a malformed job id or submitter')
  if (typeof x.outcome !== 'string' || !(x.outcome in WHY) || typeof x.class !== 'string' || typeof x.family !== 'string') throw bad('an item has a malformed class, outcome or family')
  if (typeof x.raw !== 'string' || !DECIMAL.test(x.raw) || typeof x.amount !== 'string' || !DECIMAL.test(x.amount)) throw bad('an item has a malformed amount')
  if (!Array.isArray(x.precision) || x.precision.length !== 2 || !x.precision.every(isCount) || !isCount(x.duplicate_index)) throw bad('an item has a malformed precision')
  const e = x.evidence
  if (e !== null && (typeof e !== 'object' || e === undefined)) throw bad('an item has malformed evidence')
  if (e !== null) {
    const ev = e as Record<string, unknown>
    if (!isCount(ev.needed) || !isCount(ev.detected) || !isCount(ev.flagged) || !isStrings(ev.malicious_engines) || !isStrings(ev.suspicious_engines) ||
      (ev.test_signature !== null && typeof ev.test_signature !== 'string')) throw bad('an item has malformed evidence')
  }
  const steps = x.steps ?? []
  if (!Array.isArray(steps) || steps.length > 16 || !steps.every((s) => typeof s === 'object' && s !== null && RULES.has((s as Record<string, unknown>).rule as string) &&
    FACTOR.test(String((s as Record<string, unknown>).factor)) && DECIMAL.test(String((s as Record<string, unknown>).amount)))) throw bad('an item has malformed steps')
  return { ...x, steps } as Item
}

/** Every report of `item` in the epoch's breakdown, reading the epoch's pages. */
async function itemsOf (target: ApiTarget, epoch: string, item: Hex, ctx: CommandContext): Promise<{ epoch: number, paidEpoch: number | null, items: Item[] }> {
  const bad = (what: string): CliError => new CliError('NETWORK', `${target.api}: the rewards answer ${what}`)
  const found: Item[] = []
  let at = epoch
  let paidEpoch: number | null = null
  for (let offset = 0; offset < MAX_ITEMS; offset += PAGE) {
    const data = await fetchApiData(target, `/api/virusmap/rewards/${at}?offset=${offset}&limit=${PAGE}`, ctx) as { attributes?: Record<string, unknown> }
    const a = data?.attributes
    if (typeof a !== 'object' || a === null || !Array.isArray(a.items) || !isCount(a.item_count) || !isCount(a.epoch)) throw bad('is not an epoch')
    if (at !== 'latest' && String(a.epoch) !== at) throw bad('is of another epoch')
    at = String(a.epoch)
    paidEpoch = isCount(a.paid_epoch) ? a.paid_epoch as number : null
    for (const i of a.items) if ((i as Record<string, unknown> | null)?.item === item) found.push(checkedItem(i, bad))
    if (a.items.length < PAGE || offset + PAGE >= (a.item_count as number)) break
  }
  return { epoch: Number(at), paidEpoch, items: found }
}

const vmt = (wei: string): string => `${formatEther(BigInt(wei))} VMT`

function factorText (rule: string, factor: string): string {
  const [num, den] = factor.split('/') as [string, string]
  return CAPS.has(rule) ? `cap ${vmt(num)} of ${vmt(den)}` : `× ${factor}`
}

const engines = (list: unknown): string => (list as string[]).length === 0 ? '-' : (list as string[]).map(terminalText).join(', ')

function explainItem (i: Item): string {
  const e = i.evidence as Record<string, unknown> | null
  const lines = [
    `report ${terminalText(i.job_id)} by ${terminalText(i.submitter)}: ${terminalText(i.class)}, ${WHY[i.outcome as string] ?? ''}`,
    e === null
      ? '  (the node computed this epoch before breakdowns carried evidence)'
      : `  class: ${String(e.detected)} detecting and ${String(e.flagged)} flagging members, ${String(e.needed)} (f+1) needed; malicious engines ${engines(e.malicious_engines)}; suspicious engines ${engines(e.suspicious_engines)}` +
        (typeof e.test_signature === 'string' ? `; test signature ${terminalText(e.test_signature).slice(0, 80)}` : '')
  ]
  if (i.outcome === 'paid') {
    const [c, s] = i.precision as [number, number]
    lines.push(`  family ${terminalText(i.family).slice(0, 80)} (${String(i.duplicate_index)} paid before it); precision ${c}/${s}; listed ${i.listed === true ? 'yes' : 'no'}; confirmed later ${i.confirmed_later === true ? 'yes' : 'no'}`)
    for (const st of i.steps) lines.push(`  ${st.rule.padEnd(11)} ${(st.rule === 'base' ? '' : factorText(st.rule, st.factor)).padEnd(44)} ${vmt(st.amount)}`)
    lines.push(`  = ${vmt(String(i.amount))} (before the submitter's fees)`)
  }
  return lines.join('\n')
}

export async function explainRewards (positionals: readonly string[], values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  if (positionals.length !== 1) throw badInput('virusmap rewards explain HASH|INDICATOR [--kind K] [--epoch N|latest]')
  const { item, key } = typedRewardItem(positionals[0] as string, values.kind)
  const target = await resolveApiTarget(values, ctx)
  const found = await itemsOf(target, epochArg(values.epoch), item, ctx)
  if (values.json === true) {
    ctx.stdout.write(`${terminalJson({ epoch: found.epoch, paid_epoch: found.paidEpoch, item, ...(key === undefined ? {} : { key }), reports: found.items }, 2)}\n`)
    return EXIT_CODES.ok
  }
  const keyed = key === undefined ? '' : `; the item of every URL and ${key.kind === 'ip' ? 'IP' : 'domain'} report on ${terminalText(key.subject).slice(0, 260)}`
  const head = `item ${item} in epoch ${found.epoch} (it pays the reports anchored in epoch ${found.paidEpoch ?? '-'})${keyed}`
  if (found.items.length === 0) {
    ctx.stdout.write(`${head}: no report of it was paid or scored; an item is scored in the epoch W after the one that anchored its report (pass --epoch)\n`)
    return EXIT_CODES.ok
  }
  ctx.stdout.write(`${head}\n${found.items.map(explainItem).join('\n')}\n`)
  return EXIT_CODES.ok
}
