/**
 * The fuzzy hash the near-duplicate rule reads (SPEC section 17, rule 5): a TLSH digest ("T1" and 70 hex
 * digits: checksum, length and quartile bytes, then a 32-byte body) that an attested engine reports, and
 * the distance between two bodies as TLSH scores them: per 2-bit quartile code, |a - b|, or 6 when that is 3.
 */

/** The engine id whose attested result is the report's TLSH digest. */
export const FUZZY_ENGINE = 'tlsh'

const TLSH = /^t1[0-9a-f]{70}$/

/** The canonical (lowercase) digest, or undefined when `s` is no TLSH T1 digest. */
export function parseFuzzy (s: string): string | undefined {
  const lower = s.toLowerCase()
  return TLSH.test(lower) ? lower : undefined
}

export const isFuzzy = (s: unknown): s is string => typeof s === 'string' && TLSH.test(s)

let byteTable: Uint16Array | undefined

/** The distance of every pair of body bytes (four 2-bit codes each), computed once. */
function table (): Uint16Array {
  if (byteTable !== undefined) return byteTable
  const t = new Uint16Array(65_536)
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) {
      let d = 0
      for (let shift = 0; shift < 8; shift += 2) {
        const diff = Math.abs(((a >> shift) & 3) - ((b >> shift) & 3))
        d += diff === 3 ? 6 : diff
      }
      t[(a << 8) | b] = d
    }
  }
  byteTable = t
  return t
}

const nibble = (c: number): number => c <= 57 ? c - 48 : c - 87

const bodies = new Map<string, Uint8Array>()

/** The 32 body bytes of a canonical digest (remembered: a family's digest is read every epoch it lives). */
export function fuzzyBody (digest: string): Uint8Array {
  const known = bodies.get(digest)
  if (known !== undefined) return known
  const body = new Uint8Array(32)
  for (let i = 0; i < 32; i++) body[i] = (nibble(digest.charCodeAt(8 + 2 * i)) << 4) | nibble(digest.charCodeAt(9 + 2 * i))
  if (bodies.size >= 200_000) bodies.clear()
  bodies.set(digest, body)
  return body
}

/** TLSH body distance of two bodies, or a number above `limit` as soon as the sum passes it. */
export function bodyDistance (x: Uint8Array, y: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  const t = table()
  let d = 0
  for (let i = 0; i < 32 && d <= limit; i++) d += t[((x[i] as number) << 8) | (y[i] as number)] as number
  return d
}

/** TLSH body distance of two canonical digests: 0 for equal bodies, at most 768. */
export function fuzzyDistance (a: string, b: string): number {
  return bodyDistance(fuzzyBody(a), fuzzyBody(b))
}
