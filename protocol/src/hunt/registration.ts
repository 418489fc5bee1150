/**
 * A vendor's registration of a sealed ruleset at a member (SPEC section 19), its strict parse and the
 * pure checks against the hunt order on chain. Opening the member's seal (ruleset.ts) and compiling the
 * rules are the member's next steps; nothing here needs a secret.
 */
import { encodeBytes32String } from 'ethers'
import type { Hex } from '../messages.ts'
import { HuntError } from './errors.ts'
import { ascending, boundedArray, decimalUint256, exactObject, lowerHex, safeUint } from './parse.ts'
import { MAX_CIPHERTEXT_BYTES, rulesetIdOf } from './ruleset.ts'
import type { SealedRuleset } from './ruleset.ts'

/** DataMarket's product id of a hunt: bytes32("hunt") */
export const HUNT_PRODUCT = encodeBytes32String('hunt') as Hex
/** the most seals one registration carries (a job's most key wraps) */
export const MAX_SEALS = 256
/** a registration's JSON: the largest ciphertext in hex, 256 seals, the rest */
export const MAX_REGISTRATION_BYTES = 160 * 1024

export interface HuntRegistration extends SealedRuleset {
  vendor: Hex
  /** the DataMarket order paying for it, decimal */
  orderId: string
  /** the block whose members the seals are for */
  membershipBlock: number
}

/** A DataMarket Ordered event as the member read it, confirmed. */
export interface HuntOrder {
  orderId: bigint
  buyer: Hex
  product: Hex
  subject: Hex
  /** the order's block */
  block: number
  /** the last block the order pays for */
  deadline: number
}

export interface RegistrationContext {
  /** the order the registration names, or undefined when none is confirmed */
  order: HuntOrder | undefined
  /** this member's confirmed head */
  head: number
  /** the newest block whose membership this member follows */
  followedBlock: number
}

const KEYS = ['vendor', 'rulesetId', 'orderId', 'membershipBlock', 'ciphertext', 'ephemeralPublicKey', 'seals'] as const
const SEAL_KEYS = ['member', 'sealedKey'] as const

/** Parses the JSON text of a registration (HuntError OVERSIZE before anything is read, else MALFORMED). */
export function parseHuntRegistrationText (text: string): HuntRegistration {
  if (text.length > MAX_REGISTRATION_BYTES) throw new HuntError('OVERSIZE', `a registration is at most ${MAX_REGISTRATION_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new HuntError('MALFORMED', 'not JSON', { cause: err })
  }
  return parseHuntRegistration(value)
}

/** A fresh registration in key order from an untrusted value; HuntError MALFORMED naming the first bad field. */
export function parseHuntRegistration (value: unknown): HuntRegistration {
  const o = exactObject(value, KEYS, 'registration')
  const seals = boundedArray(o.seals, 1, MAX_SEALS, 'seals').map((s, i) => {
    const so = exactObject(s, SEAL_KEYS, `seals[${i}]`)
    return { member: lowerHex(so.member, 20, `seals[${i}].member`), sealedKey: lowerHex(so.sealedKey, 60, `seals[${i}].sealedKey`) }
  })
  ascending(seals.map((s) => s.member), 'seals')
  return {
    vendor: lowerHex(o.vendor, 20, 'vendor'),
    rulesetId: lowerHex(o.rulesetId, 32, 'rulesetId'),
    orderId: decimalUint256(o.orderId, 'orderId'),
    membershipBlock: safeUint(o.membershipBlock, 'membershipBlock'),
    // a nonce and a tag at least: the empty ruleset is no ruleset
    ciphertext: lowerHex(o.ciphertext, 29, 'ciphertext', MAX_CIPHERTEXT_BYTES),
    ephemeralPublicKey: lowerHex(o.ephemeralPublicKey, 32, 'ephemeralPublicKey'),
    seals
  }
}

/**
 * The checks a member makes before it opens a registration: the ciphertext is the ruleset, a confirmed
 * hunt order of this ruleset by this vendor pays for now, the seals' block is followed. Throws HuntError.
 */
export function checkHuntRegistration (reg: HuntRegistration, ctx: RegistrationContext): HuntOrder {
  if (rulesetIdOf(reg.ciphertext) !== reg.rulesetId) throw new HuntError('ID_MISMATCH', 'keccak256(ciphertext) is not the rulesetId')
  const order = ctx.order
  if (order === undefined || order.orderId !== BigInt(reg.orderId)) throw new HuntError('NO_ORDER', `no confirmed order ${reg.orderId}`)
  if (order.product !== HUNT_PRODUCT || order.subject !== reg.rulesetId || order.buyer !== reg.vendor) {
    throw new HuntError('WRONG_ORDER', `order ${reg.orderId} is not a hunt of this ruleset bought by ${reg.vendor}`)
  }
  if (ctx.head > order.deadline) throw new HuntError('EXPIRED', `order ${reg.orderId} paid until block ${order.deadline}`)
  if (reg.membershipBlock > ctx.followedBlock) throw new HuntError('FUTURE_BLOCK', `membership block ${reg.membershipBlock} is not followed yet`)
  return order
}
