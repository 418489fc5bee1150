import { entropy, finding, indexOfBytes, round2, u16, u32, u64 } from './findings.ts'
import type { Finding } from './findings.ts'

const PT_LOAD = 1
const PF_X = 1
const PF_W = 2

/**
 * ELF headers and program headers read directly (no npm ELF parser is kept up): class,
 * endianness, entry, segments. Everything is bounds-checked against the bytes held.
 */
export function analyzeElf (bytes: Uint8Array): { findings: Finding[], facts?: Record<string, unknown> } {
  const findings: Finding[] = []
  const cls = bytes[4]
  const le = bytes[5] !== 2
  if ((cls !== 1 && cls !== 2) || bytes.length < (cls === 2 ? 64 : 52)) return { findings: [finding('ELF.Malformed', 'info', 'truncated header')] }
  const is64 = cls === 2
  const word = (o: number): number => is64 ? u64(bytes, o, le) : u32(bytes, o, le)
  const phoff = word(is64 ? 32 : 28)
  const shoff = word(is64 ? 40 : 32)
  const phentsize = u16(bytes, is64 ? 54 : 42, le)
  const phnum = u16(bytes, is64 ? 56 : 44, le)
  const shnum = u16(bytes, is64 ? 60 : 48, le)
  const entry = word(24)

  let entryInLoad = false
  let wx = 0
  const segments: Array<{ flags: number, entropy: number, size: number }> = []
  for (let i = 0; i < Math.min(phnum, 512); i++) {
    const o = phoff + i * phentsize
    if (phentsize < (is64 ? 56 : 32) || o + phentsize > bytes.length) { findings.push(finding('ELF.Malformed', 'info', 'program headers out of bounds')); break }
    const type = u32(bytes, o, le)
    if (type !== PT_LOAD) continue
    const flags = is64 ? u32(bytes, o + 4, le) : u32(bytes, o + 24, le)
    const offset = is64 ? u64(bytes, o + 8, le) : u32(bytes, o + 4, le)
    const vaddr = is64 ? u64(bytes, o + 16, le) : u32(bytes, o + 8, le)
    const filesz = is64 ? u64(bytes, o + 32, le) : u32(bytes, o + 16, le)
    const memsz = is64 ? u64(bytes, o + 40, le) : u32(bytes, o + 20, le)
    if ((flags & PF_W) !== 0 && (flags & PF_X) !== 0) wx++
    if (entry >= vaddr && entry < vaddr + memsz && (flags & PF_X) !== 0) entryInLoad = true
    const data = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + filesz, bytes.length))
    segments.push({ flags, entropy: round2(entropy(data)), size: filesz })
  }
  const upx = indexOfBytes(bytes, 'UPX!', 0, 4096) !== -1 || indexOfBytes(bytes, 'UPX!', Math.max(0, bytes.length - 4096)) !== -1
  if (upx) findings.push(finding('ELF.Packer.UPX', 'suspicious', 'UPX! header'))
  if (wx > 0) findings.push(finding('ELF.Segment.WriteExecute', upx ? 'info' : 'suspicious', `${wx} loadable segment(s) RWX`))
  if (shnum === 0 || shoff === 0) findings.push(finding('ELF.NoSectionHeaders', 'info'))
  if (entry !== 0 && segments.length > 0 && !entryInLoad && u16(bytes, 16, le) === 2) findings.push(finding('ELF.EntryPoint.NotExecutable', 'suspicious', `0x${entry.toString(16)}`))
  const packedCode = segments.some(s => (s.flags & PF_X) !== 0 && s.size >= 4096 && s.entropy > 7.4)
  if (packedCode && (shnum === 0 || shoff === 0)) findings.push(finding('ELF.Packed.HighEntropyCode', 'suspicious'))
  return { findings, facts: { is64, littleEndian: le, segments: segments.slice(0, 32), sectionHeaders: shnum } }
}
