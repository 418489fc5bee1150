import type { StoredSample } from '../ingest/stored-sample.ts'
import type { AbortOptions } from '@libp2p/interface'

/** What the coordinator needs of sample storage: durable ingest, reading by CID (local or bitswap). */
export interface SampleAccess {
  ingest(source: AsyncIterable<Uint8Array>, options: AbortOptions & { name?: string, maxBytes?: number }): Promise<StoredSample>
  readSample(cid: string, contentKey: Uint8Array, options: AbortOptions): Promise<Uint8Array>
  /** best-effort: announce this node as a provider of the CID in the DHT */
  announce(cid: string): void
  /** a stored sample's blocks when small enough to ride inline with its job (SPEC section 9); none: jobs go without */
  inlineBlocks?(cid: string, options: AbortOptions): Promise<Uint8Array[] | undefined>
  /** blocks a job carried inline, for the scan's read to take instead of fetching them */
  offerBlocks?(blocks: readonly Uint8Array[]): void
}
