import { createHash } from 'node:crypto'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { ScanInput } from '../../src/scan/engine.ts'

/** What the node hands an indicator engine: the subject's UTF-8 and its sha256. */
export function subjectInput (kind: IndicatorKind, text: string | Uint8Array): ScanInput {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}`, kind, fileType: kind }
}
