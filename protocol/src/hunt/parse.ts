/** Strict readers of untrusted JSON for the hunt's messages (SPEC section 19): each failure is HuntError MALFORMED naming the field. */
import type { Hex } from '../messages.ts'
import { HuntError } from './errors.ts'

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

export function malformed (path: string, why: string): never {
  throw new HuntError('MALFORMED', `${path}: ${why}`)
}

/** An object with exactly `keys` (no others, none missing, no prototype keys). */
export function exactObject (value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(path, 'not an object')
  const own = Object.keys(value)
  if (own.length !== keys.length || own.some((k) => FORBIDDEN.has(k) || !keys.includes(k))) malformed(path, `keys are not exactly ${keys.join(', ')}`)
  return value as Record<string, unknown>
}

/** 0x-prefixed lowercase hex of exactly `bytes` bytes, or of `bytes`..`max` bytes when `max` is given. */
export function lowerHex (value: unknown, bytes: number, path: string, max = bytes): Hex {
  if (typeof value !== 'string' || value.length < 2 + 2 * bytes || value.length > 2 + 2 * max || value.length % 2 !== 0 || !/^0x[0-9a-f]*$/.test(value)) {
    malformed(path, max === bytes ? `not ${bytes} bytes of lowercase 0x hex` : `not ${bytes}..${max} bytes of lowercase 0x hex`)
  }
  return value as Hex
}

export function safeUint (value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) malformed(path, 'not a non-negative safe integer')
  return value
}

const UINT256 = /^(0|[1-9][0-9]{0,77})$/
const MAX_UINT256 = (1n << 256n) - 1n

/** A decimal uint256 without leading zeros: one spelling per value. */
export function decimalUint256 (value: unknown, path: string): string {
  if (typeof value !== 'string' || !UINT256.test(value) || BigInt(value) > MAX_UINT256) malformed(path, 'not a decimal uint256')
  return value
}

export function boundedArray (value: unknown, min: number, max: number, path: string): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) malformed(path, `not an array of ${min}..${max} entries`)
  return value
}

/** Strictly ascending strings (sorted, no duplicates). */
export function ascending (values: readonly string[], path: string): void {
  for (let i = 1; i < values.length; i++) if ((values[i - 1] as string) >= (values[i] as string)) malformed(path, 'not strictly ascending')
}
