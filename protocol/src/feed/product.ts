/**
 * The epoch feed as a DataMarket product (SPEC section 18, feeds): the product id, and the order's subject,
 * the epoch number as a bytes32 (a big-endian uint256, as `abi.encode(uint256)` spells it).
 */
import { encodeBytes32String } from 'ethers'
import type { Hex } from '../messages.ts'
import { FeedError } from './errors.ts'

/** DataMarket's product id of an epoch feed; governance prices it. */
export const FEED_PRODUCT = encodeBytes32String('feed').toLowerCase() as Hex

/** The order subject naming epoch `epoch`'s feed. */
export function feedSubject (epoch: number): Hex {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new FeedError('BAD_SUBJECT', `epoch ${epoch} is not a non-negative safe integer`)
  return `0x${epoch.toString(16).padStart(64, '0')}`
}

/** The epoch an order's subject names; FeedError BAD_SUBJECT for anything but a bytes32 of a safe integer. */
export function feedEpochOf (subject: string): number {
  if (typeof subject !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(subject)) throw new FeedError('BAD_SUBJECT', 'a feed subject is a bytes32')
  const value = BigInt(subject)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FeedError('BAD_SUBJECT', `subject ${subject} names no epoch (above 2^53 - 1)`)
  return Number(value)
}
