/**
 * The nearest family digest to a report's (families.ts, SPEC section 17 rule 5) without measuring every
 * family: the same answer as a scan of all of them (the smallest distance within the limit, ties by the
 * smaller key). TLSH body distance adds at least 1 for each of the 32 body bytes that differs, so a
 * digest within `limit` (< 32) shares at least 32 - limit bytes, in place, with the query; only digests
 * that do are measured, found through one list per (position, byte). From a limit of 32 on nothing need
 * be shared and every digest is measured. Entries can be deleted, so one index can follow the families
 * from epoch to epoch (families.ts) instead of being built again each time.
 */
import { bodyDistance } from './fuzzy.ts'

const BODY_BYTES = 32
/**
 * Lookups answered by scanning before the lists are built: building costs about as much as 5 scans (32
 * list entries per digest against ~6 table reads until a far digest passes the limit), and the reward
 * function builds a new index every epoch, when only a few reports may look it up (ski rental: at most
 * about twice the cheaper of the two).
 */
const SCANS_BEFORE_BUILD = 8

const compareKeys = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

export class FuzzyIndex {
  #keys: string[] = []
  #bodies: Uint8Array[] = []
  /** deleted entries: skipped by lookups, dropped when they outnumber the live ones */
  #deleted: boolean[] = []
  #deletedCount = 0
  /** key -> its live entries (a key may be added more than once) */
  readonly #byKey = new Map<string, number[]>()
  /** (position << 8 | byte) -> the entries with that byte there; built at the first lookup */
  #postings: number[][] | undefined
  /** shared bytes per entry during one lookup, reset after it */
  #counts = new Uint8Array(0)
  #scans = 0

  add (key: string, body: Uint8Array): void {
    const i = this.#keys.length
    this.#keys.push(key)
    this.#bodies.push(body)
    this.#deleted.push(false)
    const entries = this.#byKey.get(key)
    if (entries === undefined) this.#byKey.set(key, [i])
    else entries.push(i)
    if (this.#postings !== undefined) this.#post(this.#postings, i)
  }

  /** Removes every entry of `key`. */
  delete (key: string): void {
    const entries = this.#byKey.get(key)
    if (entries === undefined) return
    this.#byKey.delete(key)
    for (const i of entries) this.#deleted[i] = true
    this.#deletedCount += entries.length
    if (this.#deletedCount > 64 && this.#deletedCount > this.#keys.length - this.#deletedCount) this.#compact()
  }

  /** The live entries, renumbered in their order; the lists are built again at the next lookup that needs them. */
  #compact (): void {
    const live = this.#keys.flatMap((_, i) => this.#deleted[i] === true ? [] : [i])
    const keys = live.map(i => this.#keys[i] as string)
    const bodies = live.map(i => this.#bodies[i] as Uint8Array)
    this.#keys = []
    this.#bodies = []
    this.#deleted = []
    this.#deletedCount = 0
    this.#byKey.clear()
    const built = this.#postings !== undefined
    this.#postings = undefined
    for (let i = 0; i < keys.length; i++) this.add(keys[i] as string, bodies[i] as Uint8Array)
    if (built) this.#build()
  }

  /** The key of the nearest digest within `limit` of `body` (ties: the smaller key), or undefined. */
  nearest (body: Uint8Array, limit: number): string | undefined {
    let best: string | undefined
    let bestDistance = Number.POSITIVE_INFINITY
    const measure = (i: number): void => {
      if (this.#deleted[i] === true) return
      const d = bodyDistance(body, this.#bodies[i] as Uint8Array, limit)
      const key = this.#keys[i] as string
      if (d <= limit && (d < bestDistance || (d === bestDistance && compareKeys(key, best as string) < 0))) {
        best = key
        bestDistance = d
      }
    }
    const need = BODY_BYTES - Math.floor(limit)
    if (need > BODY_BYTES || Number.isNaN(need)) return undefined
    if (limit >= BODY_BYTES || (this.#postings === undefined && this.#scans++ < SCANS_BEFORE_BUILD)) {
      for (let i = 0; i < this.#keys.length; i++) measure(i)
      return best
    }
    const postings = this.#postings ?? this.#build()
    if (this.#counts.length < this.#keys.length) this.#counts = new Uint8Array(Math.max(64, 2 * this.#keys.length))
    const counts = this.#counts
    const touched: number[] = []
    for (let pos = 0; pos < BODY_BYTES; pos++) {
      for (const i of postings[(pos << 8) | (body[pos] as number)] as number[]) {
        if (counts[i] === 0) touched.push(i)
        if (++(counts[i] as number) === need) measure(i)
      }
    }
    for (const i of touched) counts[i] = 0
    return best
  }

  #build (): number[][] {
    const postings: number[][] = Array.from({ length: BODY_BYTES << 8 }, () => [])
    for (let i = 0; i < this.#keys.length; i++) this.#post(postings, i)
    this.#postings = postings
    return postings
  }

  #post (postings: number[][], i: number): void {
    const body = this.#bodies[i] as Uint8Array
    for (let pos = 0; pos < BODY_BYTES; pos++) postings[(pos << 8) | (body[pos] as number)]?.push(i)
  }
}
