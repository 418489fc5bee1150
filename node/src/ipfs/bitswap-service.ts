/**
 * Bitswap over our own libp2p node and durable blockstore, without a Helia node.
 *
 * @helia/bitswap 4.x exports its engine only as the `withBitswap` Helia mixin (no `createBitswap`
 * factory), and the mixin only reads the components listed in BitswapBlockBrokerComponents plus
 * three hooks. So we hand it a small host carrying exactly those; the one cast below is confined
 * to that hand-over.
 */
import { withBitswap } from '@helia/bitswap'
import { sha256 } from 'multiformats/hashes/sha2'
import { UnsupportedHashError } from './errors.ts'
import { createLibp2pRouting } from './libp2p-routing.ts'
import type { BitswapOptions } from '@helia/bitswap'
import type { BlockBroker, HasherLoader, HeliaMixin, Routing } from '@helia/interface'
import type { AbortOptions, ComponentLogger, Libp2p, Startable } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface BitswapService extends Startable {
  /** Fetches one block from peers (hash-verified by bitswap); does not store it. */
  want(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  /** Tells peers that want `cid` that we now have it (after it is in the blockstore). */
  notify(cid: CID, options?: AbortOptions): Promise<void>
  /** Announces us as a provider of `cid` through the content routing (DHT). */
  provide(cid: CID, options?: AbortOptions): Promise<void>
}

export interface BitswapServiceOptions {
  libp2p: Libp2p
  blockstore: Blockstore
  /** libp2p-style component logger; defaults to the libp2p node's own */
  logger?: ComponentLogger
  routing?: Routing
  init?: BitswapOptions
}

/** Every block VirusMap stores is sha2-256; anything else is refused rather than fetched. */
export const getHasher: HasherLoader = (code) => {
  if (code === sha256.code) return sha256
  throw new UnsupportedHashError(`unsupported multihash code 0x${code.toString(16)}`)
}

type Broker = Required<Pick<BlockBroker, 'retrieve' | 'announce'>> & Startable

export function createBitswapService (options: BitswapServiceOptions): BitswapService {
  const routing = options.routing ?? createLibp2pRouting(options.libp2p)
  let mixin: HeliaMixin<never> | undefined
  let broker: Broker | undefined
  const host = {
    libp2p: options.libp2p,
    blockstore: options.blockstore,
    routing,
    logger: options.logger ?? options.libp2p.logger,
    getHasher,
    status: 'starting',
    hasBlockBroker: () => broker !== undefined,
    addBlockBroker: (b: Broker) => { broker = b },
    addMixin: (m: HeliaMixin<never>) => { mixin = m }
  }
  withBitswap(host as never, options.init)

  const started = (): Broker => {
    if (broker === undefined) throw new Error('bitswap service is not started')
    return broker
  }

  return {
    async start () {
      if (broker !== undefined) return
      await mixin?.start?.(host as never)
    },
    async stop () {
      await broker?.stop()
      broker = undefined
    },
    async want (cid, opts = {}) {
      return started().retrieve(cid, { signal: opts.signal })
    },
    async notify (cid, opts = {}) {
      await started().announce(cid, { signal: opts.signal })
    },
    async provide (cid, opts = {}) {
      await routing.provide(cid, { signal: opts.signal })
    }
  }
}
