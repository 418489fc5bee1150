import { cstring, finding, indexOfBytes, u32 } from './findings.ts'
import type { Finding } from './findings.ts'

const LC_SEGMENT = 0x1
const LC_SEGMENT_64 = 0x19
const VM_PROT_WRITE = 2
const VM_PROT_EXECUTE = 4

/** Mach-O thin images: header and segment load commands, read directly and bounds-checked. */
export function analyzeMacho (bytes: Uint8Array): { findings: Finding[], facts?: Record<string, unknown> } {
  const magic = u32(bytes, 0, false)
  if (magic === 0xcafebabe) {
    // universal binary: the slices are analysed by their own type when unpacked; note the count
    return { findings: [finding('MachO.Universal', 'info', `${u32(bytes, 4, false)} architectures`)] }
  }
  const le = magic === 0xcefaedfe || magic === 0xcffaedfe
  const is64 = magic === 0xfeedfacf || magic === 0xcffaedfe
  const ncmds = u32(bytes, 16, le)
  const headerSize = is64 ? 32 : 28
  const findings: Finding[] = []
  const segments: string[] = []
  let offset = headerSize
  for (let i = 0; i < Math.min(ncmds, 1024); i++) {
    const cmd = u32(bytes, offset, le)
    const size = u32(bytes, offset + 4, le)
    if (size < 8 || offset + size > bytes.length) { findings.push(finding('MachO.Malformed', 'info', 'load command out of bounds')); break }
    if (cmd === LC_SEGMENT || cmd === LC_SEGMENT_64) {
      const name = cstring(bytes, offset + 8, 16)
      segments.push(name)
      const protOffset = offset + (cmd === LC_SEGMENT_64 ? 56 : 40)
      const maxprot = u32(bytes, protOffset, le)
      const initprot = u32(bytes, protOffset + 4, le)
      if ((initprot & VM_PROT_WRITE) !== 0 && (initprot & VM_PROT_EXECUTE) !== 0) findings.push(finding('MachO.Segment.WriteExecute', 'suspicious', name))
      else if (name !== '__PAGEZERO' && (maxprot & VM_PROT_WRITE) !== 0 && (maxprot & VM_PROT_EXECUTE) !== 0 && name === '__TEXT') findings.push(finding('MachO.Segment.TextWritable', 'info', name))
    }
    offset += size
  }
  if (segments.includes('__XHDR') || indexOfBytes(bytes, 'UPX!', 0, 8192) !== -1) findings.push(finding('MachO.Packer.UPX', 'suspicious'))
  if (!segments.includes('__TEXT') && segments.length > 0) findings.push(finding('MachO.NoTextSegment', 'suspicious'))
  return { findings, facts: { is64, segments: segments.slice(0, 32) } }
}
