import { detectFileType } from '../file-type.ts'
import { analyzeElf } from './elf.ts'
import { entropy, round2 } from './findings.ts'
import { extractIndicators } from './indicators.ts'
import { analyzeMacho } from './macho.ts'
import { analyzeOle } from './office.ts'
import { analyzePdf } from './pdf.ts'
import { analyzePe } from './pe.ts'
import { analyzeScript } from './script.ts'
import type { Finding } from './findings.ts'
import type { Indicators } from './indicators.ts'
import type { EngineCategory } from '#protocol/messages.ts'

export interface Analysis {
  fileType: string
  size: number
  entropy: number
  findings: Finding[]
  indicators: Indicators
  facts?: unknown
}

/** Types with a format analyser; for every other type the engine still reports entropy and indicators. */
function byType (fileType: string, bytes: Uint8Array): { findings: Finding[], facts?: unknown } {
  if (fileType === 'PE32' || fileType === 'PE32+' || fileType === 'PE') return analyzePe(bytes)
  if (fileType === 'ELF') return analyzeElf(bytes)
  if (fileType === 'Mach-O') return analyzeMacho(bytes)
  if (fileType === 'PDF') return analyzePdf(bytes)
  if (fileType === 'OLE2') {
    const { findings, facts } = analyzeOle(bytes)
    return { findings, facts }
  }
  if (fileType === 'text' || fileType.startsWith('script')) return analyzeScript(bytes)
  return { findings: [] }
}

/** Static analysis of one sample: type, entropy, named findings, URLs and domains. Pure and synchronous. */
export function analyze (bytes: Uint8Array): Analysis {
  const fileType = detectFileType(bytes)
  const { findings, facts } = byType(fileType, bytes)
  const h = round2(entropy(bytes))
  const wide = fileType.startsWith('PE') || fileType === 'OLE2'
  return { fileType, size: bytes.length, entropy: h, findings, indicators: extractIndicators(bytes, { wide }), facts }
}

const RANK: Record<Finding['severity'], number> = { malicious: 0, suspicious: 1, info: 2 }

/** among equals a named packer says more than the section flags it leaves behind */
const weight = (f: Finding): number => RANK[f.severity] * 2 + (f.id.includes('.Packer.') ? 0 : 1)

/** the most severe finding names the verdict; info-only findings leave the sample undetected */
export function verdictOf (findings: Finding[]): { category: EngineCategory, result: string } {
  const top = findings.toSorted((a, b) => weight(a) - weight(b))[0]
  if (top === undefined || top.severity === 'info') return { category: 'undetected', result: '' }
  return { category: top.severity, result: `Heuristic.${top.id}` }
}
