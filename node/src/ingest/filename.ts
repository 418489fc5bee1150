import { isUnsafeCodePoint } from '../text/unsafe-chars.ts'

/** Longest kept file name in UTF-8 bytes: NAME_MAX of common filesystems. */
export const MAX_FILENAME_BYTES = 255

function utf8Length (cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
}

/**
 * The name an uploader gave, as stored and served: without control characters, DEL or bidi
 * overrides (unsafe-chars.ts), cut to `maxBytes` of UTF-8 on a code point boundary, trimmed.
 * Ordinary Unicode (accents, CJK, emoji) stays. '' when nothing is left.
 */
export function sanitizeFilename (name: string, maxBytes = MAX_FILENAME_BYTES): string {
  let out = ''
  let bytes = 0
  // iterates code points, so a surrogate pair is kept or cut whole
  for (const ch of name) {
    const cp = ch.codePointAt(0) as number
    if (isUnsafeCodePoint(cp)) continue
    const size = utf8Length(cp)
    if (bytes + size > maxBytes) break
    out += ch
    bytes += size
  }
  return out.trim()
}
