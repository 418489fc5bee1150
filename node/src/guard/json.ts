/** A guard result as JSON: bigints as decimal strings (amounts exceed 2^53). */
export function guardJson (value: unknown, space?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => typeof v === 'bigint' ? v.toString() : v, space)
}
