import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface PeerKeeperOptions {
  libp2p: Libp2p
  /** multiaddrs with /p2p/ peer ids */
  peers: string[]
  intervalMs: number
  logger: Logger
}

/**
 * Keeps connections to the configured bootstrap peers: dials the ones not connected every
 * interval, so nodes that start in any order (or restart) find each other again.
 */
export function createPeerKeeper (opts: PeerKeeperOptions): { start(): Promise<void>, stop(): Promise<void> } {
  const { libp2p, logger } = opts
  const addrs = opts.peers.map((a) => multiaddr(a))
  let timer: NodeJS.Timeout | undefined

  function tick (): void {
    const connected = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))
    for (const addr of addrs) {
      const peer = addr.getComponents().find((c) => c.name === 'p2p')?.value
      if (peer != null && connected.has(peer)) continue
      libp2p.dial(addr, { signal: AbortSignal.timeout(opts.intervalMs) }).catch((err: unknown) => {
        logger.debug({ err, addr: addr.toString() }, 'bootstrap dial failed; retrying')
      })
    }
  }

  return {
    async start () {
      tick()
      timer = setInterval(tick, opts.intervalMs)
    },
    async stop () {
      clearInterval(timer)
    }
  }
}
