/**
 * Short file-type tags from magic bytes (the ScanJob's `fileType`, at most 32 characters).
 * Only the first bytes are read; truncated headers fall back to the weaker tag they still prove
 * (an "MZ" with no reachable PE header is "DOS", not "PE32").
 */

const startsWith = (bytes: Uint8Array, magic: readonly number[], offset = 0): boolean => {
  if (bytes.length < offset + magic.length) return false
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false
  return true
}

const u16le = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8)
const u32le = (b: Uint8Array, o: number): number => (u16le(b, o) + u16le(b, o + 2) * 0x10000)

function peType (bytes: Uint8Array): string {
  const peOffset = u32le(bytes, 0x3c)
  // e_lfanew must lie inside what we hold, with room for the 4-byte signature, the 20-byte COFF
  // header and the 2-byte optional header magic
  if (bytes.length < 0x40 || peOffset < 0x40 || peOffset + 26 > bytes.length) return 'DOS'
  if (!startsWith(bytes, [0x50, 0x45, 0, 0], peOffset)) return 'DOS'
  const magic = u16le(bytes, peOffset + 24)
  if (magic === 0x10b) return 'PE32'
  if (magic === 0x20b) return 'PE32+'
  return 'PE'
}

const MACHO_MAGICS: ReadonlyArray<readonly number[]> = [
  [0xfe, 0xed, 0xfa, 0xce], [0xce, 0xfa, 0xed, 0xfe], // 32-bit, either byte order
  [0xfe, 0xed, 0xfa, 0xcf], [0xcf, 0xfa, 0xed, 0xfe] // 64-bit
]

const SIMPLE: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['ELF', [0x7f, 0x45, 0x4c, 0x46]],
  ['ZIP', [0x50, 0x4b, 0x03, 0x04]],
  ['ZIP', [0x50, 0x4b, 0x05, 0x06]], // empty archive
  ['GZIP', [0x1f, 0x8b]],
  ['7Z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['PDF', [0x25, 0x50, 0x44, 0x46, 0x2d]], // %PDF-
  ['OLE2', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
  ['BZIP2', [0x42, 0x5a, 0x68]],
  ['RAR', [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]]
]

/** Interpreter names we tag by; anything else after "#!" is a generic script. */
const INTERPRETERS = ['python', 'perl', 'ruby', 'node', 'bash', 'zsh', 'sh', 'php', 'pwsh', 'powershell'] as const

function scriptType (bytes: Uint8Array): string {
  const end = bytes.indexOf(0x0a)
  const line = new TextDecoder('latin1').decode(bytes.subarray(2, end === -1 ? Math.min(bytes.length, 256) : Math.min(end, 256))).trim()
  const words = line.split(/\s+/)
  // "#!/usr/bin/env python3" names the interpreter in the second word
  let program = (words[0] ?? '').split('/').pop() ?? ''
  if (program === 'env') program = words.slice(1).find(w => !w.startsWith('-')) ?? ''
  const name = INTERPRETERS.find(i => program === i || (program.startsWith(i) && /^[\d.]*$/.test(program.slice(i.length))))
  return name === undefined ? 'script' : `script/${name}`
}

/** Text if the sample is valid UTF-8 (BOM allowed) without NUL, DEL or C0 controls other than whitespace and ESC. */
function isText (bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0 || b === 0x7f || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b)) return false
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    // a sniffed prefix may cut a multi-byte character in half; that alone is no reason to say binary
    return bytes.length > 4 && isTextPrefix(bytes)
  }
}

function isTextPrefix (bytes: Uint8Array): boolean {
  for (let cut = 1; cut <= 3; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut))
      return true
    } catch { /* try a shorter prefix */ }
  }
  return false
}

/** How many leading bytes decide the type; callers may pass just this much. */
export const FILE_TYPE_SNIFF_BYTES = 64 * 1024

export function detectFileType (bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty'
  const head = bytes.subarray(0, FILE_TYPE_SNIFF_BYTES)
  if (startsWith(head, [0x4d, 0x5a])) return peType(head)
  for (const [tag, magic] of SIMPLE) if (startsWith(head, magic)) return tag
  if (MACHO_MAGICS.some(m => startsWith(head, m))) return 'Mach-O'
  // 0xcafebabe is both a Mach-O universal binary and a Java class; the architecture count tells them apart
  if (startsWith(head, [0xca, 0xfe, 0xba, 0xbe]) && head.length >= 8) {
    const count = ((head[4] ?? 0) << 24 | (head[5] ?? 0) << 16 | (head[6] ?? 0) << 8 | (head[7] ?? 0)) >>> 0
    return count > 0 && count < 30 ? 'Mach-O' : 'Java-class'
  }
  if (startsWith(head, [0x23, 0x21])) return scriptType(head)
  return isText(head) ? 'text' : 'binary'
}
