/**
 * Vendors buying through the DataMarket: the governance price falls every year and demand answers with
 * a constant elasticity; each price splits as the contract splits it (members, the rewards pool as the
 * discoverer's share, the rest burned), in integer wei.
 */
import type { Rng } from '../prng.ts'
import type { EconomyParams } from './params.ts'

export const WEI = 10n ** 18n
const BPS = 10_000n

/** VMT (a float) to wei, to the micro-VMT: the figures never need more. */
export const toWei = (vmt: number): bigint => BigInt(Math.round(vmt * 1e6)) * 10n ** 12n
export const toVmt = (wei: bigint): number => Number(wei / 10n ** 12n) / 1e6

export interface MarketEpoch {
  price: number
  purchases: number
  revenue: bigint
  members: bigint
  pool: bigint
  burned: bigint
}

export function vendorPrice (m: EconomyParams['market'], year: number): number {
  return m.price0 * (1 - m.priceDeclinePerYear) ** year
}

/** One epoch of purchases: Poisson-like demand around demand0 x (price / price0)^-elasticity. */
export function marketEpoch (rng: Rng, m: EconomyParams['market'], year: number): MarketEpoch {
  const price = vendorPrice(m, year)
  const mean = m.demand0 * (price / m.price0) ** -m.elasticity
  // a normal approximation keeps large means cheap; demand never goes negative
  const purchases = Math.max(0, Math.round(mean + Math.sqrt(mean) * (rng.next() + rng.next() + rng.next() - 1.5) * 2))
  const revenue = toWei(price) * BigInt(purchases)
  const members = revenue * BigInt(m.memberBps) / BPS
  const pool = revenue * BigInt(m.discovererBps) / BPS
  return { price, purchases, revenue, members, pool, burned: revenue - members - pool }
}
