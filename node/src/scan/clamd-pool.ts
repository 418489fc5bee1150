import { ClamdError } from './clamd.ts'
import { openClamdSession } from './clamd-session.ts'
import type { ClamdAddress } from './clamd.ts'
import type { ClamdSession } from './clamd-session.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface ClamdPoolOptions {
  address: ClamdAddress
  /** an idle session is closed after this long; keep it well below clamd's ReadTimeout (default 120 s) */
  idleMs?: number
}

/**
 * clamd sessions kept open between scans, so a scan costs no connect/accept and no IDSESSION
 * setup. Each scan has a session to itself (callers bound how many run at once), so a timeout or
 * an abort drops only its own connection and never a neighbour's scan.
 */
export interface ClamdPool {
  /** streams `body` over an idle session, or a new one; resolves with clamd's reply line */
  instream(body: Uint8Array, options: AbortOptions & { timeoutMs: number }): Promise<string>
  /** closes the idle sessions; sessions in flight close when their scan ends */
  close(): void
}

export function createClamdPool (options: ClamdPoolOptions): ClamdPool {
  const { address, idleMs = 10_000 } = options
  /** most recently used last: surplus sessions stay at the bottom and idle out */
  const idle: ClamdSession[] = []
  let closed = false

  const take = (): ClamdSession | undefined => {
    for (let s = idle.pop(); s !== undefined; s = idle.pop()) if (!s.closed) return s
    return undefined
  }
  const done = (session: ClamdSession, line: string): string => {
    // clamd may close its side after an ERROR reply (StreamMaxLength, protocol errors): start afresh
    if (closed || line.endsWith(' ERROR')) session.close()
    else idle.push(session)
    return line
  }

  return {
    async instream (body, { timeoutMs, signal }) {
      const deadline = performance.now() + timeoutMs
      const kept = take()
      const session = kept ?? openClamdSession(address, { idleMs })
      try {
        return done(session, await session.instream(body, { timeoutMs, signal }))
      } catch (err) {
        // a kept session that clamd closed before we noticed (restart, ReadTimeout) never got the
        // sample: send it once more on a new connection. One that closed after taking the whole
        // sample is not retried, since the sample may be what killed clamd.
        if (kept === undefined || !(err instanceof ClamdError) || err.code !== 'CLAMD_CLOSED_SENDING') throw err
        const fresh = openClamdSession(address, { idleMs })
        return done(fresh, await fresh.instream(body, { timeoutMs: Math.max(1, deadline - performance.now()), signal }))
      }
    },

    close () {
      closed = true
      for (let s = idle.pop(); s !== undefined; s = idle.pop()) s.close()
    }
  }
}
