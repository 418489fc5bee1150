// What `virusmap rewards` and `virusmap claim` share: the account to look at (an address, or a keystore's
// without decrypting it), the epoch as typed, and a node's rewards answer held to its shape, so a broken
// or lying node's answer is never taken for an amount or a proof.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { isAddress } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { fetchApiData } from './api-data.ts'
import { CliError } from './cli-error.ts'
import type { CommandContext, OptionValue } from './command.ts'
import type { ApiTarget } from './target.ts'
import { terminalText } from './terminal-text.ts'
import { badInput, str } from './commands/gov-context.ts'

const EPOCH = /^(0|[1-9][0-9]{0,14}|latest)$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/
const HEX32 = /^0x[0-9a-f]{64}$/
const MAX_KEYSTORE_BYTES = 64 * 1024

/** --epoch as typed: a non-negative integer or `latest` (the default). */
export function epochArg (value: OptionValue): string {
  if (value === undefined) return 'latest'
  if (typeof value !== 'string' || !EPOCH.test(value)) throw badInput(`--epoch must be a non-negative integer or latest, got "${terminalText(String(value)).slice(0, 40)}"`)
  return value
}

/** An address as typed, lowercase. */
export function addressArg (text: string, what: string): Hex {
  if (!isAddress(text)) throw badInput(`${what} must be a 0x address (40 hex digits), got "${terminalText(text).slice(0, 80)}"`)
  return text.toLowerCase() as Hex
}

/** The address a JSON keystore names (its `address` field), read without the passphrase. */
export async function keystoreAddress (file: string, ctx: CommandContext): Promise<Hex> {
  let text: string
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8')
  } catch (err) {
    throw badInput(`cannot read keystore ${terminalText(file).slice(0, 200)}: ${(err as { code?: string }).code ?? 'unreadable'}`)
  }
  let a: unknown
  try {
    a = text.length > MAX_KEYSTORE_BYTES ? undefined : (JSON.parse(text) as { address?: unknown }).address
  } catch {
    a = undefined
  }
  if (typeof a !== 'string' || !/^(0x)?[0-9a-fA-F]{40}$/.test(a)) throw badInput(`${terminalText(file).slice(0, 200)} is not a JSON keystore with an address`)
  return `0x${a.replace(/^0x/, '').toLowerCase()}` as Hex
}

/** --address A, else --keystore FILE's address, else undefined (the epoch's summary). */
export async function accountOption (values: Record<string, OptionValue>, ctx: CommandContext): Promise<Hex | undefined> {
  const address = str(values.address)
  const keystore = str(values.keystore)
  if (address !== undefined && keystore !== undefined) throw badInput('pass --address or --keystore, not both')
  if (address !== undefined) return addressArg(address, '--address')
  return keystore === undefined ? undefined : await keystoreAddress(keystore, ctx)
}

export interface RewardsAccount {
  epoch: number
  /** null while nobody has earned in the epoch */
  root: Hex | null
  account: Hex
  cumulative: bigint
  proof: Hex[]
  amount: bigint
  memberAmount: bigint
  /** its submission deposits settled this epoch (SPEC 17 rule 0), wei; null when none were */
  deposit: { backed: number, unbacked: number, refunded: bigint, forfeited: bigint, withdrawn: bigint } | null
  items: Array<Record<string, unknown>>
}

const COUNT = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= 1_000_000

function depositOf (d: unknown, target: ApiTarget): RewardsAccount['deposit'] {
  if (d === null || d === undefined) return null
  const o = d as Record<string, unknown>
  if (typeof d !== 'object' || !COUNT(o.backed) || !COUNT(o.unbacked) || !['refunded', 'forfeited', 'withdrawn'].every((k) => typeof o[k] === 'string' && DECIMAL.test(o[k]))) throw bad(target, 'has a malformed deposit')
  return { backed: o.backed as number, unbacked: o.unbacked as number, refunded: BigInt(o.refunded as string), forfeited: BigInt(o.forfeited as string), withdrawn: BigInt(o.withdrawn as string) }
}

const bad = (target: ApiTarget, what: string): CliError => new CliError('NETWORK', `${target.api}: the rewards answer ${what}`)

/** GET /api/virusmap/rewards/{epoch}/{account}, every field checked. */
export async function fetchRewardsAccount (target: ApiTarget, epoch: string | number, account: Hex, ctx: CommandContext): Promise<RewardsAccount> {
  const data = await fetchApiData(target, `/api/virusmap/rewards/${epoch}/${account}`, ctx) as { attributes?: Record<string, unknown> }
  const a = data?.attributes
  if (typeof a !== 'object' || a === null) throw bad(target, 'has no attributes')
  if (!Number.isSafeInteger(a.epoch) || (a.epoch as number) < 0 || (epoch !== 'latest' && a.epoch !== Number(epoch))) throw bad(target, 'is of another epoch')
  if (a.account !== account) throw bad(target, 'is of another account')
  if (a.root !== null && (typeof a.root !== 'string' || !HEX32.test(a.root))) throw bad(target, 'has a malformed root')
  for (const k of ['cumulative', 'amount', 'member_amount']) if (typeof a[k] !== 'string' || !DECIMAL.test(a[k])) throw bad(target, `has a malformed ${k}`)
  if (!Array.isArray(a.proof) || a.proof.length > 256 || !a.proof.every((p) => typeof p === 'string' && HEX32.test(p))) throw bad(target, 'has a malformed proof')
  if (!Array.isArray(a.items) || !a.items.every((i) => typeof i === 'object' && i !== null)) throw bad(target, 'has malformed items')
  return {
    epoch: a.epoch as number,
    root: a.root as Hex | null,
    account,
    cumulative: BigInt(a.cumulative as string),
    proof: a.proof as Hex[],
    amount: BigInt(a.amount as string),
    memberAmount: BigInt(a.member_amount as string),
    deposit: depositOf(a.deposit, target),
    items: a.items as Array<Record<string, unknown>>
  }
}
