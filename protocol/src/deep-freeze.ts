/** Freezes `value` and everything it holds: what is derived from it (its hashes, its signer) can then be kept. */
export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
