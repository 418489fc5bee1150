/**
 * Near-duplicate families (SPEC section 17, rule 5). A report with a fuzzy hash joins the nearest family
 * whose first digest is within `fuzzyThreshold` (TLSH body distance; ties by key), else founds its own. A
 * report without one counts against each of its labels and is halved by the least-paid label: a variant
 * whose engines name the family differently still shares a label with its source unless every engine
 * changes its name for it. Counts halve every `familyHalfLifeEpochs` epochs, so popular families pay again.
 */
import type { RewardFacts } from './facts.ts'
import { fuzzyBody } from './fuzzy.ts'
import { FuzzyIndex } from './fuzzy-index.ts'
import type { RewardParams } from './params.ts'
import type { FamilyEntry } from './state.ts'

export interface FamilyAssignment {
  /** the family the caps group by */
  key: string
  /** paid siblings before this report, after decay: the amount halves this many times */
  index: number
}

/** A family at paid epoch `at`: its count halved once per elapsed half-life, its epoch moved by those half-lives. */
export function decayed (f: FamilyEntry, at: number, halfLife: number): FamilyEntry {
  if (halfLife === 0 || at <= f.epoch) return f
  const halvings = Math.floor((at - f.epoch) / halfLife)
  if (halvings === 0) return f
  return { ...f, count: halvings >= 53 ? 0 : Math.floor(f.count / 2 ** halvings), epoch: f.epoch + halvings * halfLife }
}

/**
 * The fuzzy index of the families map a FamilyIndex handed on (`entries()`), for the next epoch's FamilyIndex
 * to take over, dropping the families that decayed away, instead of measuring every digest into a new one:
 * rebuilding it each epoch was a third of a long simulation's CPU. Taken once: a second computation from
 * the same state (or from a state read back from JSON, another map) builds its own, so the result never
 * depends on it.
 */
const handedOn = new WeakMap<ReadonlyMap<string, FamilyEntry>, FuzzyIndex>()

export class FamilyIndex {
  readonly #families: Map<string, FamilyEntry>
  readonly #params: RewardParams
  readonly #at: number
  /** the fuzzy families' digests, kept apart so a lookup does not walk the label families */
  readonly #fuzzy: FuzzyIndex
  /**
   * a family's digest was added or dropped in the map but not in the index (only states not written by this
   * code hold a digest on a label family, or a fuzzy family without one): the index is not handed on
   */
  #differs = false

  /** `at`: the paid epoch; families whose count decayed to 0 are dropped. */
  constructor (families: ReadonlyMap<string, FamilyEntry>, params: RewardParams, at: number) {
    this.#params = params
    this.#at = at
    this.#families = new Map()
    const taken = handedOn.get(families)
    handedOn.delete(families)
    this.#fuzzy = taken ?? new FuzzyIndex()
    for (const [k, f] of families) {
      const now = decayed(f, at, params.familyHalfLifeEpochs)
      if (now.count > 0) this.#families.set(k, now)
      else if (taken !== undefined && f.fuzzy !== undefined) taken.delete(k)
    }
    if (taken === undefined) for (const [k, f] of this.#families) if (f.fuzzy !== undefined) this.#fuzzy.add(k, fuzzyBody(f.fuzzy))
  }

  #count (key: string): number {
    return this.#families.get(key)?.count ?? 0
  }

  /** The family of a report that passed rule 1, counting it as paid (call in firstOrder). */
  assign (f: RewardFacts): FamilyAssignment {
    if (f.fuzzy !== undefined) {
      const key = this.#fuzzy.nearest(fuzzyBody(f.fuzzy), this.#params.fuzzyThreshold) ?? `${f.kind}:fuzzy:${f.item}`
      const index = this.#count(key)
      const known = this.#families.get(key)
      if (known !== undefined && known.fuzzy === undefined) this.#differs = true
      this.#families.set(key, { count: index + 1, epoch: this.#at, fuzzy: known?.fuzzy ?? f.fuzzy })
      if (index === 0) this.#fuzzy.add(key, fuzzyBody(f.fuzzy))
      return { key, index }
    }
    const keys = f.labels.length === 0 ? [`${f.kind}:item:${f.item}`] : f.labels.map(l => `${f.kind}:label:${l}`)
    const key = keys.reduce((a, b) => this.#count(b) < this.#count(a) ? b : a)
    const index = this.#count(key)
    for (const k of keys) {
      if (this.#families.get(k)?.fuzzy !== undefined) this.#differs = true
      this.#families.set(k, { count: this.#count(k) + 1, epoch: this.#at })
    }
    return { key, index }
  }

  /** What the next epoch starts from, with the fuzzy index of it handed on when the index holds exactly its digests. */
  entries (): Map<string, FamilyEntry> {
    if (!this.#differs) handedOn.set(this.#families, this.#fuzzy)
    return this.#families
  }
}
