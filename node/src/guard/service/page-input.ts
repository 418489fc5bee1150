// The page context the extension sends beside a request, read as untrusted input. Pure.
import type { PageContext } from '../finding.ts'
import { GuardError } from '../guard-error.ts'
import { readArray, readObject, readString } from '../input.ts'

/** frames around a frame that are read; the extension sends at most 8 */
export const MAX_ANCESTORS = 8
/** script hashes read per page; a page with more scripts is judged on the first ones */
export const MAX_SCRIPT_HASHES = 256
const SHA256 = /^(?:0x)?[0-9a-fA-F]{64}$/

export function readPage (value: unknown): PageContext {
  if (value === undefined) return {}
  const p = readObject(value, 'page')
  const page: PageContext = {}
  if (p.origin !== undefined) page.origin = readString(p.origin, 'page origin', 2048)
  if (p.url !== undefined) page.url = readString(p.url, 'page url', 2048)
  if (p.ancestors !== undefined) page.ancestors = readArray(p.ancestors, 'page ancestors', MAX_ANCESTORS).map(a => readString(a, 'ancestor origin', 2048))
  if (p.scriptHashes !== undefined) {
    page.scriptHashes = readArray(p.scriptHashes, 'page scriptHashes', MAX_SCRIPT_HASHES).map((h) => {
      const s = readString(h, 'script hash', 66)
      if (!SHA256.test(s)) throw new GuardError('BAD_HEX', 'a script hash is not a sha256 in hex')
      return s.toLowerCase().replace(/^0x/, '')
    })
  }
  if (p.gesture !== undefined) {
    if (typeof p.gesture !== 'boolean') throw new GuardError('BAD_TYPE', 'page gesture must be a boolean')
    page.gesture = p.gesture
  }
  return page
}
