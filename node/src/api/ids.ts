import type { Hex } from '#protocol/messages.ts'
import { ApiError } from '../vt/errors.ts'

const ANALYSIS_ID = /^(?:0x)?[0-9a-f]{64}$/i

/**
 * /^(?:0x)?(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i, read once: that pattern tries each length
 * in turn (a sha256 was scanned three times) on every file lookup.
 */
export function isFileHash (value: string): boolean {
  const from = value.length > 1 && value.charCodeAt(0) === 48 && (value.charCodeAt(1) | 0x20) === 120 ? 2 : 0
  const digits = value.length - from
  if (digits !== 64 && digits !== 40 && digits !== 32) return false
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i)
    // 0-9, A-F, a-f
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false
  }
  return true
}

/** A sha256, sha1 or md5 in hex (VirusTotal writes them bare; 0x is tolerated) -> lowercase 0x hex. */
export function parseFileHash (value: string): Hex {
  if (!isFileHash(value)) {
    throw new ApiError('BadRequestError', 'the file id must be a sha256, sha1 or md5 in hex')
  }
  return toHex(value)
}

/** An analysis id is the scan job id: 32 bytes in hex. */
export function parseAnalysisId (value: string): Hex {
  if (!ANALYSIS_ID.test(value)) {
    throw new ApiError('BadRequestError', 'the analysis id must be 32 bytes in hex')
  }
  return toHex(value)
}

function toHex (value: string): Hex {
  const lower = value.toLowerCase()
  return (lower.startsWith('0x') ? lower : `0x${lower}`) as Hex
}

/** VirusTotal prints hashes as bare lowercase hex. */
export function bareHex (value: Hex): string {
  return value.slice(2).toLowerCase()
}
