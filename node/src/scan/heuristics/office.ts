import CFB from 'cfb'
import { finding, u16, u32 } from './findings.ts'
import type { Finding } from './findings.ts'

/** decompressed VBA is capped: a module is rarely over 1 MiB, a bomb is */
const MAX_VBA = 16 * 1024 * 1024

/** MS-OVBA 2.4.1 decompression of a CompressedContainer; throws on a malformed container. */
export function decompressVba (data: Uint8Array, limit = MAX_VBA): Uint8Array {
  if (data[0] !== 1) throw new Error('not a VBA compressed container')
  const out: number[] = []
  let pos = 1
  while (pos + 2 <= data.length) {
    const header = u16(data, pos)
    const chunkEnd = Math.min(data.length, pos + (header & 0x0fff) + 3)
    pos += 2
    const start = out.length
    if ((header & 0x8000) === 0) {
      for (let i = 0; i < 4096 && pos < data.length; i++) out.push(data[pos++] ?? 0)
    } else {
      while (pos < chunkEnd) {
        const flags = data[pos++] ?? 0
        for (let bit = 0; bit < 8 && pos < chunkEnd; bit++) {
          if ((flags & (1 << bit)) === 0) { out.push(data[pos++] ?? 0); continue }
          const token = u16(data, pos)
          pos += 2
          const d = out.length - start
          let bitCount = 4
          while ((1 << bitCount) < d) bitCount++
          const lengthMask = 0xffff >> bitCount
          const length = (token & lengthMask) + 3
          const offset = (token >> (16 - bitCount)) + 1
          if (offset > d) throw new Error('VBA copy token points before its chunk')
          for (let i = 0; i < length; i++) out.push(out[out.length - offset] ?? 0)
        }
      }
    }
    if (out.length > limit) throw new Error('VBA source over the decompression limit')
  }
  return Uint8Array.from(out)
}

/** module stream name -> source offset, from the decompressed `dir` stream (MS-OVBA 2.3.4.2) */
function moduleOffsets (dir: Uint8Array): Map<string, number> {
  const modules = new Map<string, number>()
  let pos = 0
  let stream: string | undefined
  for (let n = 0; pos + 6 <= dir.length && n < 100_000; n++) {
    const id = u16(dir, pos)
    const size = u32(dir, pos + 2)
    const body = pos + 6
    if (id === 0x001a) stream = Buffer.from(dir.subarray(body, body + size)).toString('latin1')
    if (id === 0x0031 && stream !== undefined) { modules.set(stream, u32(dir, body)); stream = undefined }
    // PROJECTVERSION's size field says 4 but 6 bytes follow
    pos = body + size + (id === 0x0009 ? 2 : 0)
  }
  return modules
}

const AUTO_EXEC = /\b(?:Auto_?Open|AutoExec|AutoClose|Document_Open|DocumentOpen|Document_Close|Workbook_Open|Workbook_Activate|Auto_Close|Presentation_Open)\b/i
const DANGEROUS = /\b(?:Shell|ShellExecute|CreateObject|GetObject|WScript\.Shell|URLDownloadToFile|MSXML2\.XMLHTTP|Powershell|CallByName|Environ|Kill|CreateProcess|VirtualAlloc|RtlMoveMemory)\b/i

export interface OfficeFacts { macros: number, streams: number }

/**
 * OLE2 (Word/Excel/PowerPoint 97-2003 documents, vbaProject.bin inside OOXML) through SheetJS
 * `cfb`: finds VBA projects, decompresses each module's source and names auto-executing macros
 * that reach for a shell, a download or process memory.
 */
export function analyzeOle (bytes: Uint8Array): { findings: Finding[], facts?: OfficeFacts, source?: string } {
  let container
  try {
    container = CFB.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { type: 'buffer' })
  } catch (err) {
    return { findings: [finding('OLE.Malformed', 'info', (err as Error).message)] }
  }
  const findings: Finding[] = []
  const entries = container.FileIndex.map((e, i) => ({ entry: e, path: container.FullPaths[i] ?? '' }))
  const dirs = entries.filter(({ entry, path }) => entry.type === 2 && entry.name.toLowerCase() === 'dir' && /\/vba\/dir$/i.test(path))
  const sources: string[] = []
  for (const { path } of dirs) {
    const base = path.slice(0, -'dir'.length)
    try {
      const dirBytes = decompressVba(Uint8Array.from(entries.find(e => e.path === path)?.entry.content ?? []))
      for (const [stream, offset] of moduleOffsets(dirBytes)) {
        const content = entries.find(e => e.path.toLowerCase() === (base + stream).toLowerCase())?.entry.content
        if (content === undefined) continue
        const code = Uint8Array.from(content).subarray(offset)
        sources.push(Buffer.from(decompressVba(code)).toString('latin1'))
      }
    } catch (err) {
      findings.push(finding('Office.Macro.Malformed', 'suspicious', (err as Error).message))
    }
  }
  if (dirs.length === 0 && entries.some(({ path }) => /_VBA_PROJECT/i.test(path))) findings.push(finding('Office.Macro', 'info', 'VBA project without a dir stream'))
  const source = sources.join('\n')
  if (sources.length > 0) {
    const auto = AUTO_EXEC.exec(source)?.[0]
    const danger = DANGEROUS.exec(source)?.[0]
    if (auto !== undefined && danger !== undefined) findings.push(finding('Office.Macro.AutoExecDangerous', 'suspicious', `${auto} + ${danger}`))
    else findings.push(finding('Office.Macro', 'info', `${sources.length} module(s)`))
  }
  return { findings, facts: { macros: sources.length, streams: entries.length }, source }
}
