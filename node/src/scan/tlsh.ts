/**
 * TLSH (Trend Micro's locality-sensitive hash), the standard digest: 128 buckets, a 1-byte
 * checksum, version "T1" (as `tlsh` 4.x prints it; Debian's 3.4 prints the same 70 hex digits
 * without the prefix). The quorum attests the `tlsh` engine's digest, so every member must compute
 * the same bytes: this is integer arithmetic only, with the reference's tables and rules (window of
 * 5 bytes, six Pearson triplets a byte, quartiles of the first 128 buckets, 4.x's integer ratios).
 */

export const TLSH_CODES = ['TLSH_TOO_SHORT', 'TLSH_TOO_LONG', 'TLSH_TOO_LITTLE_VARIANCE'] as const
export type TlshCode = typeof TLSH_CODES[number]

export class TlshError extends Error {
  override name = 'TlshError'
  readonly code: TlshCode
  constructor (code: TlshCode, message: string) {
    super(message)
    this.code = code
  }
}

/** the node digests samples up to this size (100 MiB: 1.5 s on this machine, bench/tlsh.ts; the reference allows 4 GiB) */
export const TLSH_ENGINE_MAX_BYTES = 100 * 1024 * 1024

/** TLSH 4.x's shortest input (3.x and the reference's "conservative" option ask for 256) */
export const TLSH_MIN_BYTES = 50

/** Pearson's table, as in the reference (tlsh_util.cpp v_table) */
const V = Uint8Array.from([
  1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163,
  14, 197, 213, 181, 161, 85, 218, 80, 64, 239, 24, 226, 236, 142, 38, 200,
  110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222,
  25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235,
  97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62, 135, 248,
  174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243,
  132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219,
  119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10,
  138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152,
  170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131,
  125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123,
  118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229,
  27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203,
  233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76,
  140, 36, 210, 172, 41, 54, 159, 8, 185, 232, 113, 196, 231, 47, 146, 120,
  51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209
])

/** the length byte: the first index whose bound is >= the length (tlsh_util.cpp topval) */
const TOPVAL = [
  1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 854, 1110, 1443, 1876, 2439, 3171, 3475, 3823, 4205, 4626,
  5088, 5597, 6157, 6772, 7450, 8195, 9014, 9916, 10907, 11998, 13198, 14518, 15970, 17567, 19323, 21256, 23382, 25720,
  28292, 31121, 34233, 37656, 41422, 45564, 50121, 55133, 60646, 66711, 73382, 80721, 88793, 97672, 107439, 118183,
  130002, 143002, 157302, 173032, 190335, 209369, 230306, 253337, 278670, 306538, 337191, 370911, 408002, 448802,
  493682, 543050, 597356, 657091, 722800, 795081, 874589, 962048, 1058252, 1164078, 1280486, 1408534, 1549388, 1704327,
  1874759, 2062236, 2268459, 2495305, 2744836, 3019320, 3321252, 3653374, 4018711, 4420582, 4862641, 5348905, 5883796,
  6472176, 7119394, 7831333, 8614467, 9475909, 10423501, 11465851, 12612437, 13873681, 15261050, 16787154, 18465870,
  20312458, 22343706, 24578077, 27035886, 29739474, 32713425, 35984770, 39583245, 43541573, 47895730, 52685306,
  57953837, 63749221, 70124148, 77136564, 84850228, 93335252, 102668779, 112935659, 124229227, 136652151, 150317384,
  165349128, 181884040, 200072456, 220079703, 242087671, 266296456, 292926096, 322218735, 354440623, 389884688,
  428873168, 471760495, 518936559, 570830240, 627913311, 690704607, 759775136, 835752671, 919327967, 1011260767,
  1112386880, 1223623232, 1345985727, 1480584256, 1628642751, 1791507135, 1970657856, 2167723648, 2384496256,
  2622945920, 2885240448, 3173764736, 3491141248, 3840255616, 4224281216
]
export const TLSH_MAX_BYTES = TOPVAL[TOPVAL.length - 1] as number

/** V[V[salt] ^ x] for each salt the hash uses: the first two Pearson steps of a triplet in one lookup */
function salted (salt: number): Uint8Array {
  const t = new Uint8Array(256)
  for (let x = 0; x < 256; x++) t[x] = V[(V[salt] as number) ^ x] as number
  return t
}
const S0 = salted(0)
const S2 = salted(2)
const S3 = salted(3)
const S5 = salted(5)
const S7 = salted(7)
const S11 = salted(11)
const S13 = salted(13)

function lValue (length: number): number {
  let i = 0
  while ((TOPVAL[i] as number) < length) i++
  return i
}

const HEX = '0123456789ABCDEF'
const hex = (b: number): string => (HEX[b >> 4] as string) + (HEX[b & 15] as string)
/** the reference writes the checksum and length bytes nibble-swapped */
const hexSwapped = (b: number): string => (HEX[b & 15] as string) + (HEX[b >> 4] as string)

/** The TLSH T1 digest of `bytes` ("T1" and 70 uppercase hex digits); throws TlshError by code. */
export function tlsh (bytes: Uint8Array): string {
  const n = bytes.length
  if (n < TLSH_MIN_BYTES) throw new TlshError('TLSH_TOO_SHORT', `TLSH needs at least ${TLSH_MIN_BYTES} bytes, got ${n}`)
  if (n > TLSH_MAX_BYTES) throw new TlshError('TLSH_TOO_LONG', `TLSH takes at most ${TLSH_MAX_BYTES} bytes, got ${n}`)
  const buckets = new Uint32Array(256)
  let checksum = 0
  // the window: a is the newest byte, b..e the four before it
  let b = bytes[3] as number
  let c = bytes[2] as number
  let d = bytes[1] as number
  let e = bytes[0] as number
  for (let i = 4; i < n; i++) {
    const a = bytes[i] as number
    checksum = V[(V[(S0[a] as number) ^ b] as number) ^ checksum] as number
    let r = V[(V[(S2[a] as number) ^ b] as number) ^ c] as number
    buckets[r] = (buckets[r] as number) + 1
    r = V[(V[(S3[a] as number) ^ b] as number) ^ d] as number
    buckets[r] = (buckets[r] as number) + 1
    r = V[(V[(S5[a] as number) ^ c] as number) ^ d] as number
    buckets[r] = (buckets[r] as number) + 1
    r = V[(V[(S7[a] as number) ^ c] as number) ^ e] as number
    buckets[r] = (buckets[r] as number) + 1
    r = V[(V[(S11[a] as number) ^ b] as number) ^ e] as number
    buckets[r] = (buckets[r] as number) + 1
    r = V[(V[(S13[a] as number) ^ d] as number) ^ e] as number
    buckets[r] = (buckets[r] as number) + 1
    e = d
    d = c
    c = b
    b = a
  }
  // only the first 128 buckets make the digest
  let nonzero = 0
  for (let i = 0; i < 128; i++) if ((buckets[i] as number) > 0) nonzero++
  if (nonzero <= 64) throw new TlshError('TLSH_TOO_LITTLE_VARIANCE', `TLSH needs more than half of its 128 buckets filled, got ${nonzero}`)
  const sorted = buckets.subarray(0, 128).toSorted()
  const q1 = sorted[31] as number
  const q2 = sorted[63] as number
  const q3 = sorted[95] as number
  // more than 64 filled buckets leave q3 > 0; the reference checks it anyway (issue #79)
  if (q3 === 0) throw new TlshError('TLSH_TOO_LITTLE_VARIANCE', 'TLSH third quartile is 0')
  let body = ''
  // the reference writes the 32 code bytes last to first
  for (let i = 31; i >= 0; i--) {
    let h = 0
    for (let j = 0; j < 4; j++) {
      const k = buckets[4 * i + j] as number
      if (q3 < k) h |= 3 << (j * 2)
      else if (q2 < k) h |= 2 << (j * 2)
      else if (q1 < k) h |= 1 << (j * 2)
    }
    body += hex(h)
  }
  // integer division as in 4.x (3.x divided floats: the same for any q3 below ~2^17)
  const q1ratio = Math.floor((q1 * 100) / q3) % 16
  const q2ratio = Math.floor((q2 * 100) / q3) % 16
  return `T1${hexSwapped(checksum)}${hexSwapped(lValue(n))}${hex((q1ratio << 4) | q2ratio)}${body}`
}
