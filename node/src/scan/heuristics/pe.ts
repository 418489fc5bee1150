import { NtExecutable } from 'pe-library'
import { cstring, entropy, finding, indexOfBytes, round2, u32, u64 } from './findings.ts'
import type { Finding } from './findings.ts'

const IMAGE_SCN_MEM_EXECUTE = 0x20000000
const IMAGE_SCN_MEM_WRITE = 0x80000000
const IMAGE_SCN_CNT_CODE = 0x20

/** section names packers leave behind */
const PACKER_SECTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^UPX\d|^UPX!$/, 'UPX'], [/^\.aspack$|^\.adata$/, 'ASPack'], [/^\.petite$/, 'Petite'], [/^\.MPRESS\d$/, 'MPRESS'],
  [/^\.nsp\d$/, 'NsPack'], [/^\.themida$|^\.winlice$/, 'Themida'], [/^\.vmp\d$/, 'VMProtect'], [/^pec\d$|^PEC2/, 'PECompact'],
  [/^\.yP$|^\.y0da$/, 'Yoda'], [/^FSG!$/, 'FSG'], [/^MEW$/, 'MEW'], [/^\.packed$|^\.RLPack$/, 'RLPack'], [/^\.perplex$/, 'Perplex'],
  [/^\.enigma\d$/, 'Enigma'], [/^\.spack$/, 'SimplePack'], [/^BitArts$/, 'Crunch'], [/^\.WWP32$/, 'WWPack']
]

/** import combinations with one purpose; any one full set is a finding */
const IMPORT_SETS: ReadonlyArray<{ id: string, severity: Finding['severity'], all: RegExp[] }> = [
  { id: 'PE.Imports.ProcessInjection', severity: 'suspicious', all: [/^VirtualAllocEx$/, /^WriteProcessMemory$/, /^(?:CreateRemoteThread|CreateRemoteThreadEx|NtCreateThreadEx|RtlCreateUserThread|QueueUserAPC)$/] },
  { id: 'PE.Imports.ProcessHollowing', severity: 'suspicious', all: [/^(?:NtUnmapViewOfSection|ZwUnmapViewOfSection)$/, /^WriteProcessMemory$/, /^(?:SetThreadContext|Wow64SetThreadContext)$/, /^ResumeThread$/] },
  { id: 'PE.Imports.Keylogger', severity: 'suspicious', all: [/^SetWindowsHookEx[AW]$/, /^(?:GetAsyncKeyState|GetKeyState|GetKeyboardState)$/, /^(?:InternetOpen[AW]|WinHttpOpen|send|URLDownloadToFile[AW])$/] },
  { id: 'PE.Imports.DownloadExecute', severity: 'suspicious', all: [/^URLDownloadToFile[AW]$/, /^(?:WinExec|ShellExecute[AW]|ShellExecuteEx[AW]|CreateProcess[AW])$/] },
  { id: 'PE.Imports.AntiDebug', severity: 'info', all: [/^(?:IsDebuggerPresent|CheckRemoteDebuggerPresent|NtQueryInformationProcess)$/] },
  { id: 'PE.Imports.DynamicResolution', severity: 'info', all: [/^(?:LoadLibrary[AW]|LoadLibraryEx[AW]|LdrLoadDll)$/, /^(?:GetProcAddress|LdrGetProcedureAddress)$/] }
]

interface Section { name: string, va: number, vsize: number, raw: number, rawSize: number, flags: number }

function rvaToOffset (sections: Section[], rva: number): number | undefined {
  for (const s of sections) {
    const span = Math.max(s.vsize, s.rawSize)
    if (rva >= s.va && rva < s.va + span) {
      const off = s.raw + (rva - s.va)
      return off < s.raw + s.rawSize ? off : undefined
    }
  }
  return undefined
}

/** Walks the import directory ourselves (pe-library does not decode it), bounded in DLLs and names. */
function readImports (bytes: Uint8Array, sections: Section[], dirRva: number, is64: boolean): { dlls: string[], functions: string[] } {
  const dlls: string[] = []
  const functions: string[] = []
  let desc = rvaToOffset(sections, dirRva)
  for (let i = 0; desc !== undefined && i < 256 && desc + 20 <= bytes.length; i++, desc += 20) {
    const lookup = u32(bytes, desc) || u32(bytes, desc + 16)
    const nameRva = u32(bytes, desc + 12)
    if (lookup === 0 && nameRva === 0) break
    const nameOff = rvaToOffset(sections, nameRva)
    if (nameOff !== undefined) dlls.push(cstring(bytes, nameOff, 128).toLowerCase())
    let thunk = rvaToOffset(sections, lookup)
    const size = is64 ? 8 : 4
    for (let j = 0; thunk !== undefined && j < 4096 && thunk + size <= bytes.length; j++, thunk += size) {
      const value = is64 ? u64(bytes, thunk) : u32(bytes, thunk)
      if (value === 0) break
      const ordinal = is64 ? value >= 2 ** 63 : value >= 2 ** 31
      if (ordinal) continue
      const hint = rvaToOffset(sections, value % 2 ** 31)
      if (hint !== undefined) functions.push(cstring(bytes, hint + 2, 128))
      if (functions.length >= 8192) break
    }
  }
  return { dlls, functions }
}

export interface PeFacts {
  sections: Array<{ name: string, entropy: number, flags: number }>
  imports: number
  dlls: string[]
}

export function analyzePe (bytes: Uint8Array): { findings: Finding[], facts?: PeFacts } {
  const findings: Finding[] = []
  let exe: NtExecutable
  try {
    exe = NtExecutable.from(bytes, { ignoreCert: true })
  } catch (err) {
    return { findings: [finding('PE.Malformed', 'info', (err as Error).message)] }
  }
  const headers = exe.newHeader
  const is64 = !exe.is32bit()
  const sections: Section[] = exe.getAllSections().map(s => ({
    name: s.info.name.replace(/\0+$/, ''), va: s.info.virtualAddress, vsize: s.info.virtualSize,
    raw: s.info.pointerToRawData, rawSize: Math.min(s.info.sizeOfRawData, Math.max(0, bytes.length - s.info.pointerToRawData)), flags: s.info.characteristics
  }))
  const facts: PeFacts = { sections: [], imports: 0, dlls: [] }

  for (const s of sections) {
    const h = round2(entropy(bytes.subarray(s.raw, s.raw + s.rawSize)))
    facts.sections.push({ name: s.name, entropy: h, flags: s.flags })
    const packer = PACKER_SECTIONS.find(([re]) => re.test(s.name))
    if (packer !== undefined && !findings.some(f => f.id === `PE.Packer.${packer[1]}`)) findings.push(finding(`PE.Packer.${packer[1]}`, 'suspicious', `section ${s.name}`))
    if ((s.flags & IMAGE_SCN_MEM_EXECUTE) !== 0 && (s.flags & IMAGE_SCN_MEM_WRITE) !== 0) findings.push(finding('PE.Section.WriteExecute', 'suspicious', s.name))
  }
  if (!findings.some(f => f.id === 'PE.Packer.UPX') && indexOfBytes(bytes, 'UPX!', 0, 4096) !== -1) findings.push(finding('PE.Packer.UPX', 'suspicious', 'UPX! header'))

  const entry = headers.optionalHeader.addressOfEntryPoint
  const entrySection = sections.find(s => entry >= s.va && entry < s.va + Math.max(s.vsize, s.rawSize))
  if (entry !== 0 && entrySection === undefined) findings.push(finding('PE.EntryPoint.OutsideSections', 'suspicious', `0x${entry.toString(16)}`))
  else if (entrySection !== undefined && (entrySection.flags & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)) === 0) findings.push(finding('PE.EntryPoint.NonExecutableSection', 'suspicious', entrySection.name))

  const dir = headers.optionalHeaderDataDirectory.get(1)
  const { dlls, functions } = dir.virtualAddress === 0 ? { dlls: [], functions: [] } : readImports(bytes, sections, dir.virtualAddress, is64)
  facts.imports = functions.length
  facts.dlls = dlls.slice(0, 64)
  for (const set of IMPORT_SETS) {
    const hits = set.all.map(re => functions.find(f => re.test(f)))
    if (hits.every(h => h !== undefined)) findings.push(finding(set.id, set.severity, hits.join(',')))
  }

  const code = sections.filter(s => (s.flags & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)) !== 0)
  const highEntropy = code.filter(s => s.rawSize >= 1024 && (facts.sections.find(f => f.name === s.name)?.entropy ?? 0) > 7.2)
  if (highEntropy.length > 0) {
    findings.push(finding(functions.length < 10 ? 'PE.Packed.HighEntropyCode' : 'PE.Section.HighEntropyCode', functions.length < 10 ? 'suspicious' : 'info', highEntropy.map(s => s.name).join(',')))
  }
  if (functions.length > 0 && functions.length < 5 && code.length > 0) findings.push(finding('PE.Imports.Few', 'info', String(functions.length)))
  return { findings, facts }
}
