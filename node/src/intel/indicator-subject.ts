import { canonicalizeIndicator, isIndicatorKind, MAX_URL_BYTES } from '#protocol/indicators.ts'
import type { IndicatorKind } from '#protocol/messages.ts'
import type { ScanInput } from '../scan/engine.ts'

/** Past this many bytes no subject of any kind is canonical (a URL is at most MAX_URL_BYTES); every indicator engine's cap. */
export const MAX_SUBJECT_BYTES = 4 * MAX_URL_BYTES

/**
 * The canonical indicator a scan input carries, or undefined when it is not one of `kinds` or
 * its bytes are not a valid indicator of its kind (garbage, oversize, not UTF-8). Never throws:
 * the bytes came off the network.
 */
export function readSubject (input: ScanInput, kinds: readonly IndicatorKind[]): { kind: IndicatorKind, subject: string } | undefined {
  const { kind } = input
  if (!isIndicatorKind(kind) || !kinds.includes(kind)) return undefined
  if (input.bytes.length > MAX_SUBJECT_BYTES) return undefined
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(input.bytes)
    return { kind, subject: canonicalizeIndicator(kind, text) }
  } catch {
    return undefined
  }
}

/** YYYYMMDD of a time in ms */
export const yyyymmdd = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')
