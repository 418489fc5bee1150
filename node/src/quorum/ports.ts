import type { StoredSample } from '../ingest/stored-sample.ts'
import type { AbortOptions } from '@libp2p/interface'

/** What the coordinator needs of sample storage: durable ingest, reading by CID (local or bitswap). */
export interface SampleAccess {
  ingest(source: AsyncIterable<Uint8Array>, options: AbortOptions & { name?: string, maxBytes?: number }): Promise<StoredSample>
  readSample(cid: string, contentKey: Uint8Array, options: AbortOptions): Promise<Uint8Array>
  /** best-effort: announce this node as a provider of the CID in the DHT */
  announce(cid: string): void
}
