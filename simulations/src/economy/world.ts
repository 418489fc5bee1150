/**
 * The samples the agents submit: this epoch's fresh wild malware (honest finds collide on it), older
 * public samples (what mutators start from), benign files, authors' new families and their variants.
 */
import type { Hex } from '#protocol/messages.ts'
import { bodyDistance } from '#protocol/rewards/fuzzy.ts'
import type { Rng } from '../prng.ts'
import { freshHits, variantHits } from './engine-hits.ts'
import type { EngineHits } from './engine-hits.ts'
import { bytes32, TAG } from './hex.ts'
import type { EconomyParams } from './params.ts'

export interface Sample {
  item: Hex
  family: string
  malicious: boolean
  /** a public-list engine (hash-list) already knows the hash */
  listed: boolean
  /** engines are deterministic: a sample scanned twice gives the same hits */
  hits: EngineHits
  /** fabricated by the ring: its colluding members' engines call it malicious */
  ring: boolean
  /** its TLSH body: 32 bytes of 2-bit codes */
  body: Uint8Array
}

/** `body` with `codes` distinct 2-bit codes moved by one: TLSH body distance `codes` from it. */
function perturb (rng: Rng, body: Uint8Array, codes: number): Uint8Array {
  const out = Uint8Array.from(body)
  for (const pos of rng.sample(128, Math.min(128, codes))) {
    const shift = (pos & 3) * 2
    const code = ((out[pos >> 2] as number) >> shift) & 3
    const moved = code === 0 ? 1 : code === 3 ? 2 : rng.next() < 0.5 ? code - 1 : code + 1
    out[pos >> 2] = ((out[pos >> 2] as number) & ~(3 << shift)) | (moved << shift)
  }
  return out
}

/** The sample's TLSH digest as the `tlsh` engine reports it (fixed header bytes). */
export const digestOf = (s: Sample): string => `t1000000${Buffer.from(s.body).toString('hex')}`

/** Zipf over families: a few families make most of the wild malware. */
function zipfSampler (rng: Rng, n: number, s: number): () => number {
  const cumulative: number[] = []
  let sum = 0
  for (let k = 1; k <= n; k++) cumulative.push(sum += 1 / k ** s)
  return () => {
    const u = rng.next() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Older wild samples kept to draw from: enough to collide, bounded so memory stays flat over ten years. */
const OLD_KEPT = 1000

export class World {
  readonly #rng: Rng
  readonly #eco: EconomyParams
  readonly #family: () => number
  #serial = 0
  /** each family's centre digest body, drawn on first use */
  readonly #centres = new Map<string, Uint8Array>()
  fresh: Sample[] = []
  readonly old: Sample[] = []
  /** the items of `old` and `fresh`, made when asked (the run prunes every few epochs), dropped each epoch */
  #live: Set<Hex> | undefined

  constructor (rng: Rng, eco: EconomyParams) {
    this.#rng = rng
    this.#eco = eco
    this.#family = zipfSampler(rng.fork('families'), eco.honest.families, eco.honest.zipf)
  }

  /** A new sample of `family`: a body some codes from the family's centre (benign files: random). */
  #sample (family: string, malicious: boolean, listed: boolean, hits: EngineHits, ring = false, body?: Uint8Array): Sample {
    return { item: bytes32(TAG.item, ++this.#serial), family, malicious, listed, hits, ring, body: body ?? this.#bodyIn(family) }
  }

  #bodyIn (family: string): Uint8Array {
    const random = (): Uint8Array => Uint8Array.from({ length: 32 }, () => this.#rng.int(256))
    if (family === 'benign' || family.startsWith('ring')) return random()
    let centre = this.#centres.get(family)
    if (centre === undefined) this.#centres.set(family, centre = random())
    const [low, high] = this.#eco.detection.siblingSpread
    return perturb(this.#rng, centre, low + this.#rng.int(high - low + 1))
  }

  #wild (listedChance: number): Sample {
    const d = this.#eco.detection
    return this.#sample(`fam${this.#family()}`, true, this.#rng.next() < listedChance, freshHits(this.#rng, d, true))
  }

  /** Last epoch's fresh samples age into the old ones (now usually on public lists); new fresh ones appear. */
  startEpoch (): void {
    for (const s of this.fresh) this.old.push({ ...s, listed: s.listed || this.#rng.next() < this.#eco.honest.listedOld })
    if (this.old.length > OLD_KEPT) this.old.splice(0, this.old.length - OLD_KEPT)
    this.fresh = Array.from({ length: this.#eco.honest.wildPerEpoch }, () => this.#wild(this.#eco.honest.listedFresh))
    this.#live = undefined
  }

  /** Whether an agent may still submit this item (fresh or kept old); other items never come back. */
  isLive (item: Hex): boolean {
    this.#live ??= new Set([...this.old, ...this.fresh].map(s => s.item))
    return this.#live.has(item)
  }

  /** An honest find: this epoch's fresh malware, or an older sample (often listed, often already paid). */
  honestFind (): Sample {
    const pool = this.#rng.next() < this.#eco.honest.fresh || this.old.length === 0 ? this.fresh : this.old
    return pool[this.#rng.int(pool.length)] as Sample
  }

  /** A public sample to mutate: one a public list (a feed) carries; the family follows the Zipf. */
  publicSample (): Sample {
    const listed = this.old.filter(s => s.listed)
    return listed.length === 0 ? this.#wild(1) : listed[this.#rng.int(listed.length)] as Sample
  }

  benign (): Sample {
    return this.#sample('benign', false, false, freshHits(this.#rng, this.#eco.detection, false))
  }

  /**
   * Bytes appended: a new hash no list holds, engines mostly agree with the source, the TLSH body moves a
   * few codes; the hash-list engine flags it when its feed lists the source's TLSH within its distance.
   */
  variantOf (source: Sample): Sample {
    const d = this.#eco.detection
    const tlshListed = source.listed && this.#rng.next() < d.listTlshShare
    const hits = variantHits(this.#rng, d, source.hits)
    const body = perturb(this.#rng, source.body, 1 + this.#rng.int(d.variantSpread))
    const listed = tlshListed && bodyDistance(body, source.body, d.listTlshThreshold) <= d.listTlshThreshold
    return this.#sample(source.family, source.malicious, listed, hits, source.ring, body)
  }

  newFamily (name: string): Sample {
    return this.#sample(name, true, false, freshHits(this.#rng, this.#eco.detection, true))
  }

  /** A benign file the ring's members will call malicious, named uniquely so no family halves it. */
  ringFabrication (): Sample {
    return this.#sample(`ring${this.#serial + 1}`, false, false, freshHits(this.#rng, this.#eco.detection, false), true)
  }
}
