import type { Hex } from '#protocol/messages.ts'
import { ApiError } from '../vt/errors.ts'

const FILE_HASH = /^(?:0x)?(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i
const ANALYSIS_ID = /^(?:0x)?[0-9a-f]{64}$/i

/** A sha256, sha1 or md5 in hex (VirusTotal writes them bare; 0x is tolerated) -> lowercase 0x hex. */
export function parseFileHash (value: string): Hex {
  if (!FILE_HASH.test(value)) {
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
