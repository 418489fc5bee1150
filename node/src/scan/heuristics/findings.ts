/** A named observation about a sample. Only `suspicious`/`malicious` findings make a verdict. */
export interface Finding {
  /** stable dotted name, e.g. "PE.Packer.UPX"; the engine's label is "Heuristic.<id>" */
  id: string
  severity: 'info' | 'suspicious' | 'malicious'
  detail?: string
}

export const finding = (id: string, severity: Finding['severity'], detail?: string): Finding =>
  detail === undefined ? { id, severity } : { id, severity, detail: detail.slice(0, 200) }

/** Shannon entropy in bits per byte (0..8). */
export function entropy (bytes: Uint8Array): number {
  if (bytes.length === 0) return 0
  const counts = new Uint32Array(256)
  for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1
  let h = 0
  for (const c of counts) {
    if (c === 0) continue
    const p = c / bytes.length
    h -= p * Math.log2(p)
  }
  return h
}

export const round2 = (n: number): number => Math.round(n * 100) / 100

/** bounded little/big-endian readers that return 0 past the end instead of throwing */
export const u8 = (b: Uint8Array, o: number): number => b[o] ?? 0
export const u16 = (b: Uint8Array, o: number, le = true): number => le ? u8(b, o) | (u8(b, o + 1) << 8) : (u8(b, o) << 8) | u8(b, o + 1)
export const u32 = (b: Uint8Array, o: number, le = true): number => le
  ? (u16(b, o) + u16(b, o + 2) * 0x10000)
  : (u16(b, o, false) * 0x10000 + u16(b, o + 2, false))
export const u64 = (b: Uint8Array, o: number, le = true): number => le
  ? u32(b, o) + u32(b, o + 4) * 2 ** 32
  : u32(b, o, false) * 2 ** 32 + u32(b, o + 4, false)

export function cstring (b: Uint8Array, o: number, max = 256): string {
  let end = o
  while (end < b.length && end - o < max && b[end] !== 0) end++
  return Buffer.from(b.subarray(o, end)).toString('latin1')
}

export function indexOfBytes (haystack: Uint8Array, needle: string, from = 0, to = haystack.length): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, Math.min(to, haystack.length)).indexOf(needle, from, 'latin1')
}
