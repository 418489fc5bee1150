/**
 * What one epoch's reward computation hands the next (SPEC section 17), and its JSON form (amounts as
 * decimal strings), so a member restarts from its store and a vector file states it exactly.
 */
import type { Hex } from '../messages.ts'
import { RewardsError } from './errors.ts'

export interface RewardsState {
  /** the last epoch computed; -1 before the first */
  epoch: number
  /** address -> cumulative wei: the previous rewards tree */
  cumulative: ReadonlyMap<Hex, bigint>
  /** items whose first report has been settled: later reports of them earn nothing */
  settled: ReadonlySet<Hex>
  /** family -> reports of it that passed rule 1 so far (the near-duplicate count) */
  families: ReadonlyMap<string, number>
}

export interface RewardsStateJson {
  epoch: number
  cumulative: Record<string, string>
  settled: string[]
  families: Record<string, number>
}

export const INITIAL_REWARDS_STATE: RewardsState = Object.freeze({ epoch: -1, cumulative: new Map<Hex, bigint>(), settled: new Set<Hex>(), families: new Map<string, number>() })

const ADDRESS = /^0x[0-9a-f]{40}$/
const HEX32 = /^0x[0-9a-f]{64}$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/

const byKey = <T>(m: ReadonlyMap<string, T>): Array<[string, T]> => [...m.entries()].toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)

/** Keys sorted, so two members' states serialize to the same bytes. */
export function stateToJson (s: RewardsState): RewardsStateJson {
  return {
    epoch: s.epoch,
    cumulative: Object.fromEntries(byKey(s.cumulative).map(([a, v]) => [a, v.toString()])),
    settled: [...s.settled].toSorted(),
    families: Object.fromEntries(byKey(s.families))
  }
}

function fail (what: string): never {
  throw new RewardsError('BAD_STATE', `rewards state: ${what}`)
}

/** Throws BAD_STATE for anything that is not a state this code wrote. */
export function stateFromJson (json: unknown): RewardsState {
  const j = json as RewardsStateJson
  if (typeof j !== 'object' || j === null) fail('not an object')
  if (!Number.isSafeInteger(j.epoch) || j.epoch < -1) fail('epoch')
  if (typeof j.cumulative !== 'object' || j.cumulative === null || Array.isArray(j.cumulative)) fail('cumulative')
  const cumulative = new Map<Hex, bigint>()
  for (const [a, v] of Object.entries(j.cumulative)) {
    if (!ADDRESS.test(a) || typeof v !== 'string' || !DECIMAL.test(v)) fail(`cumulative entry ${a.slice(0, 64)}`)
    cumulative.set(a as Hex, BigInt(v))
  }
  if (!Array.isArray(j.settled) || !j.settled.every(x => typeof x === 'string' && HEX32.test(x))) fail('settled')
  if (typeof j.families !== 'object' || j.families === null || Array.isArray(j.families)) fail('families')
  const families = new Map<string, number>()
  for (const [k, n] of Object.entries(j.families)) {
    if (!Number.isSafeInteger(n) || n < 0) fail('family count')
    families.set(k, n)
  }
  return { epoch: j.epoch, cumulative, settled: new Set(j.settled as Hex[]), families }
}
