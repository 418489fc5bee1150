/**
 * What one epoch's reward computation hands the next (SPEC section 17), and its JSON form (amounts as
 * decimal strings), so a member restarts from its store and a vector file states it exactly.
 */
import type { Hex } from '../messages.ts'
import { RewardsError } from './errors.ts'
import { isFuzzy } from './fuzzy.ts'

/**
 * What the reward function has settled of a wallet's deposits so far (cumulative wei); kept with the state
 * it is saved in, so the state does not import the deposit rule that uses it.
 */
export interface DepositLedger {
  /** deposits used by backed reports (each paid back in part or forfeited) */
  used: bigint
  /** withdrawal requests paid back */
  returned: bigint
}

/** A near-duplicate family: its paid count as of `epoch` (it halves with time) and, for a fuzzy family, its first digest. */
export interface FamilyEntry {
  count: number
  /** the paid epoch of the family's last paid report */
  epoch: number
  fuzzy?: string
}

export interface RewardsState {
  /** the last epoch computed; -1 before the first */
  epoch: number
  /** address -> cumulative wei: the previous rewards tree */
  cumulative: ReadonlyMap<Hex, bigint>
  /** item -> the paid epoch that settled it: later reports of it earn nothing (for settledRetentionEpochs) */
  settled: ReadonlyMap<Hex, number>
  /** family -> its paid count (the near-duplicate count), kept while the count has not halved to 0 */
  families: ReadonlyMap<string, FamilyEntry>
  /** wallet -> fees it owes, deducted from its next rewards (absent: none) */
  debts?: ReadonlyMap<Hex, bigint>
  /** wallet -> what its submission deposits have backed and paid back so far (absent: none) */
  deposits?: ReadonlyMap<Hex, DepositLedger>
}

export interface RewardsStateJson {
  epoch: number
  cumulative: Record<string, string>
  settled: Record<string, number>
  families: Record<string, FamilyEntry>
  debts: Record<string, string>
  /** absent when no wallet has a deposit ledger (and in states written before rule 0) */
  deposits?: Record<string, { used: string, returned: string }>
}

export const INITIAL_REWARDS_STATE: RewardsState = Object.freeze({
  epoch: -1, cumulative: new Map<Hex, bigint>(), settled: new Map<Hex, number>(), families: new Map<string, FamilyEntry>(), debts: new Map<Hex, bigint>()
})

const ADDRESS = /^0x[0-9a-f]{40}$/
const HEX32 = /^0x[0-9a-f]{64}$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/

const byKey = <T>(m: ReadonlyMap<string, T>): Array<[string, T]> => [...m.entries()].toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
const decimals = (m: ReadonlyMap<string, bigint>): Record<string, string> => Object.fromEntries(byKey(m).map(([a, v]) => [a, v.toString()]))

/** Keys sorted, so two members' states serialize to the same bytes. */
export function stateToJson (s: RewardsState): RewardsStateJson {
  const deposits = byKey(s.deposits ?? new Map<Hex, DepositLedger>())
  return {
    epoch: s.epoch,
    cumulative: decimals(s.cumulative),
    settled: Object.fromEntries(byKey(s.settled)),
    families: Object.fromEntries(byKey(s.families).map(([k, f]) => [k, f.fuzzy === undefined ? { count: f.count, epoch: f.epoch } : { count: f.count, epoch: f.epoch, fuzzy: f.fuzzy }])),
    debts: decimals(s.debts ?? new Map()),
    ...(deposits.length === 0 ? {} : { deposits: Object.fromEntries(deposits.map(([w, l]) => [w, { used: l.used.toString(), returned: l.returned.toString() }])) })
  }
}

function fail (what: string): never {
  throw new RewardsError('BAD_STATE', `rewards state: ${what}`)
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

function amounts (json: unknown, what: string): Map<Hex, bigint> {
  if (!isRecord(json)) fail(what)
  const out = new Map<Hex, bigint>()
  for (const [a, v] of Object.entries(json)) {
    if (!ADDRESS.test(a) || typeof v !== 'string' || !DECIMAL.test(v)) fail(`${what} entry ${a.slice(0, 64)}`)
    out.set(a as Hex, BigInt(v))
  }
  return out
}

/** A family entry; a bare count is the spelling of states written before counts decayed (as of `epoch`). */
function familyEntry (v: unknown, epoch: number): FamilyEntry {
  if (isCount(v)) return { count: v, epoch: Math.max(epoch, 0) }
  if (!isRecord(v) || !isCount(v.count) || !isCount(v.epoch) || Object.keys(v).some(k => k !== 'count' && k !== 'epoch' && k !== 'fuzzy')) fail('family entry')
  if (v.fuzzy !== undefined && !isFuzzy(v.fuzzy)) fail('family fuzzy hash')
  return v.fuzzy === undefined ? { count: v.count, epoch: v.epoch } : { count: v.count, epoch: v.epoch, fuzzy: v.fuzzy as string }
}

function depositLedgers (json: unknown): Map<Hex, DepositLedger> {
  const out = new Map<Hex, DepositLedger>()
  if (json === undefined) return out
  if (!isRecord(json)) fail('deposits')
  for (const [w, v] of Object.entries(json)) {
    if (!ADDRESS.test(w) || !isRecord(v) || Object.keys(v).length !== 2 || typeof v.used !== 'string' || typeof v.returned !== 'string' || !DECIMAL.test(v.used) || !DECIMAL.test(v.returned)) fail(`deposits entry ${w.slice(0, 64)}`)
    out.set(w as Hex, { used: BigInt(v.used), returned: BigInt(v.returned) })
  }
  return out
}

/** Throws BAD_STATE for anything that is not a state this code wrote (or its earlier spelling). */
export function stateFromJson (json: unknown): RewardsState {
  if (!isRecord(json)) fail('not an object')
  const j = json as unknown as RewardsStateJson
  if (!Number.isSafeInteger(j.epoch) || j.epoch < -1) fail('epoch')
  const cumulative = amounts(j.cumulative, 'cumulative')
  const settled = new Map<Hex, number>()
  // an array is the spelling of states written before settled items expired: settled as of the state's epoch
  const settledEntries: Array<[string, unknown]> = Array.isArray(j.settled) ? (j.settled as unknown[]).map(x => [typeof x === 'string' ? x : '', Math.max(j.epoch, 0)]) : isRecord(j.settled) ? Object.entries(j.settled) : fail('settled')
  for (const [item, e] of settledEntries) {
    if (!HEX32.test(item) || !isCount(e)) fail('settled')
    settled.set(item as Hex, e)
  }
  if (!isRecord(j.families)) fail('families')
  const families = new Map<string, FamilyEntry>()
  for (const [k, v] of Object.entries(j.families)) families.set(k, familyEntry(v, j.epoch))
  const debts = j.debts === undefined ? new Map<Hex, bigint>() : amounts(j.debts, 'debts')
  return { epoch: j.epoch, cumulative, settled, families, debts, deposits: depositLedgers(j.deposits) }
}
