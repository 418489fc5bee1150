import type { Hex } from '#protocol/messages.ts'

/** A sample as the node stores it: what an ingest yields, and what a rescan names. */
export interface StoredSample {
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  /** manifest CID, the sample's CID */
  cid: string
  /** 32-byte convergent key; secret, never log it */
  contentKey: Uint8Array
  fileType: string
}
