// Page-script bodies for the network (issue 15 item 5: members' YARA rules for drainer kits scan
// them), taken only as the guard asked: after a block reported with --report-to names a page's
// scripts, the answer lists them (`uploadScripts`), and the extension, which hashed them, sends
// each body back. A body is taken once, only for a hash asked for within the last minutes, only
// if it hashes to it and is small; anything else is refused. Pure but for the clock.
import { createHash } from 'node:crypto'
import { GuardError } from '../guard-error.ts'
import { readObject, readString } from '../input.ts'

/** the largest script body taken: a drainer kit's loader, not a dapp's bundle */
export const MAX_SCRIPT_BYTES = 256 * 1024
/** how long a requested body may take to arrive */
export const WANTED_MS = 10 * 60_000
/** hashes waited for at once */
export const MAX_WANTED = 256
const SHA256 = /^[0-9a-f]{64}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export interface ScriptUploads {
  /** the hashes a reported block names; the context their upload carries */
  want(hashes: readonly string[], context: string): void
  /** a body the extension sent: checked against what was asked; throws GuardError */
  take(body: unknown): { sha256: string, bytes: Uint8Array, context: string }
}

export function createScriptUploads (now: () => number = Date.now): ScriptUploads {
  const wanted = new Map<string, { context: string, until: number }>()
  return {
    want (hashes, context) {
      for (const h of hashes) {
        if (!SHA256.test(h)) continue
        wanted.delete(h)
        wanted.set(h, { context, until: now() + WANTED_MS })
        if (wanted.size > MAX_WANTED) wanted.delete(wanted.keys().next().value as string)
      }
    },
    take (body) {
      const b = readObject(body, 'body')
      const sha256 = readString(b.sha256, 'sha256', 64)
      const entry = wanted.get(sha256)
      if (!SHA256.test(sha256) || entry === undefined || entry.until < now()) throw new GuardError('BAD_TYPE', 'not a script the guard asked for')
      const base64 = readString(b.base64, 'base64', Math.ceil(MAX_SCRIPT_BYTES / 3) * 4)
      if (!BASE64.test(base64) || base64.length % 4 !== 0) throw new GuardError('BAD_HEX', 'the body is not base64')
      const bytes = Buffer.from(base64, 'base64')
      if (bytes.byteLength > MAX_SCRIPT_BYTES) throw new GuardError('OVERSIZE', `a script body is at most ${MAX_SCRIPT_BYTES} bytes`)
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new GuardError('BAD_HEX', 'the body does not hash to its sha256')
      wanted.delete(sha256)
      return { sha256, bytes: new Uint8Array(bytes), context: entry.context }
    }
  }
}
