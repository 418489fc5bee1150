/**
 * The agents and what each submits in an epoch: honest submitters (log-normal volume: many small, few
 * large; varied precision), spammers (benign files), mutators (byte-appended variants of public samples),
 * authors (their own new families and variants), the ring (fabrications its colluding members detect).
 * Attackers confirm their own items the next epoch from a second wallet through another node.
 */
import type { Hex } from '#protocol/messages.ts'
import type { Rng } from '../prng.ts'
import { address, TAG } from './hex.ts'
import type { AgentType, EconomyParams } from './params.ts'
import type { Sample, World } from './world.ts'

export interface Submission {
  wallet: Hex
  type: AgentType
  sample: Sample
  origin: Hex
  /** VMT spent to produce it (fees are the reward function's: deducted from what the wallet is paid) */
  effort: number
}

interface Honest { wallet: Hex, volume: number, precision: number }

function poisson (rng: Rng, mean: number): number {
  // Knuth's product of uniforms; the means here stay small
  const limit = Math.exp(-mean)
  let k = 0
  let p = rng.next()
  while (p > limit) {
    k++
    p *= rng.next()
  }
  return k
}

export class Population {
  readonly members: Hex[]
  /** the colluding members: the first `colluders` of the sorted members */
  readonly ring: ReadonlySet<Hex>
  readonly typeOf = new Map<Hex, AgentType>()
  readonly stakes = new Map<Hex, bigint>()
  readonly #honest: Honest[]
  readonly #eco: EconomyParams
  readonly #rng: Rng
  #pending: Submission[] = []
  #walletSerial = 0
  #familySerial = 0

  constructor (rng: Rng, eco: EconomyParams) {
    this.#rng = rng
    this.#eco = eco
    this.members = Array.from({ length: eco.detection.members }, (_, i) => address(TAG.member, i))
    for (const m of this.members) this.typeOf.set(m, 'member')
    this.ring = new Set(this.members.slice(0, eco.ring.colluders))
    const h = eco.honest
    const drawn = Array.from({ length: h.wallets }, () => ({ volume: rng.logNormal(h.medianVolume, h.volumeSigma), precision: h.precisionLow + rng.next() * (h.precisionHigh - h.precisionLow) }))
    const largeFrom = Math.ceil(h.wallets * (1 - h.largeShare))
    this.#honest = drawn.toSorted((a, b) => a.volume - b.volume).map((x, rank) => {
      const type: AgentType = rank >= largeFrom ? 'honest-large' : 'honest-small'
      const wallet = this.#wallet(type)
      if (type === 'honest-large') this.stakes.set(wallet, BigInt(h.largeStake) * 10n ** 18n)
      return { wallet, ...x }
    })
    for (const t of ['spammer', 'mutator', 'ring'] as const) for (let i = 0; i < eco[t].wallets; i++) this.#wallet(t)
    // two wallets per author: one submits, the other confirms
    for (let i = 0; i < eco.author.count * 2; i++) this.#wallet('author')
  }

  #wallet (type: AgentType): Hex {
    const w = address(TAG.wallet, this.#walletSerial++)
    this.typeOf.set(w, type)
    this.#byType.set(type, [...this.walletsOf(type), w])
    return w
  }

  readonly #byType = new Map<AgentType, Hex[]>()

  walletsOf (type: AgentType): Hex[] {
    return this.#byType.get(type) ?? []
  }

  #origin (): Hex {
    return this.members[this.#rng.int(this.members.length)] as Hex
  }

  /** Everything submitted in one epoch, including last epoch's self-confirmations. */
  submit (world: World): Submission[] {
    const eco = this.#eco
    const rng = this.#rng
    const out: Submission[] = []
    const confirmable: Submission[] = []
    for (const h of this.#honest) {
      for (let k = poisson(rng, h.volume); k > 0; k--) {
        const sample = rng.next() < h.precision ? world.honestFind() : world.benign()
        out.push({ wallet: h.wallet, type: this.typeOf.get(h.wallet) as AgentType, sample, origin: this.#origin(), effort: eco.honest.effort })
      }
    }
    const spam = this.walletsOf('spammer')
    for (let i = 0; i < eco.spammer.perEpoch * spam.length; i++) {
      out.push({ wallet: spam[i % spam.length] as Hex, type: 'spammer', sample: world.benign(), origin: this.#origin(), effort: eco.spammer.effort })
    }
    const mut = this.walletsOf('mutator')
    let source = world.publicSample()
    for (let i = 0; i < eco.mutator.perEpoch; i++) {
      if (i % eco.mutator.perSource === 0) source = world.publicSample()
      confirmable.push({ wallet: mut[i % mut.length] as Hex, type: 'mutator', sample: world.variantOf(source), origin: this.#origin(), effort: eco.mutator.effort })
    }
    const authors = this.walletsOf('author')
    for (let a = 0; a < eco.author.count; a++) {
      if (rng.next() >= eco.author.familyProbability) continue
      const original = world.newFamily(`author${a}x${this.#familySerial++}`)
      const wallet = authors[a * 2] as Hex
      confirmable.push({ wallet, type: 'author', sample: original, origin: this.#origin(), effort: eco.author.familyCost })
      for (let v = 0; v < eco.author.variants; v++) confirmable.push({ wallet, type: 'author', sample: world.variantOf(original), origin: this.#origin(), effort: eco.author.variantEffort })
    }
    const ring = this.walletsOf('ring')
    for (let i = 0; i < eco.ring.perEpoch; i++) {
      confirmable.push({ wallet: ring[i % ring.length] as Hex, type: 'ring', sample: world.ringFabrication(), origin: this.#origin(), effort: eco.ring.effort })
    }
    out.push(...this.#pending, ...confirmable)
    this.#pending = eco.selfConfirm ? confirmable.map(s => this.#confirmation(s)) : []
    return out
  }

  /** The same item from the type's next wallet through the next member: rule 4's "independent" confirmation. */
  #confirmation (s: Submission): Submission {
    const own = this.walletsOf(s.type)
    const wallet = own[(own.indexOf(s.wallet) + 1) % own.length] as Hex
    const origin = this.members[(this.members.indexOf(s.origin) + 1) % this.members.length] as Hex
    return { ...s, wallet, origin, effort: 0 }
  }
}
