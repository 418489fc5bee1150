import { createHash, createHmac } from 'node:crypto'
import type { Hash, Hmac } from 'node:crypto'
import type { Hex } from '#protocol/messages.ts'

/**
 * HMAC key of the convergent content key. A fixed, public, versioned domain string: it does not
 * make the key secret (anyone holding the sample derives it), it keeps it distinct from the
 * sample's plain sha256, which is public in every ScanJob.
 */
export const CONVERGENT_KEY_DOMAIN = 'virusmap/convergent-key/v1'

export interface SampleDigests {
  sha256: Hex
  sha1: Hex
  md5: Hex
  /** 32 bytes; secret (it decrypts the sample), never log it */
  contentKey: Uint8Array
  size: number
}

/** One pass over the plaintext feeds every hash the ingest needs. */
export interface SampleDigester {
  update(chunk: Uint8Array): void
  digest(): SampleDigests
}

export function createSampleDigester (): SampleDigester {
  const sha256: Hash = createHash('sha256')
  const sha1: Hash = createHash('sha1')
  const md5: Hash = createHash('md5')
  const hmac: Hmac = createHmac('sha256', CONVERGENT_KEY_DOMAIN)
  let size = 0
  return {
    update (chunk) {
      sha256.update(chunk)
      sha1.update(chunk)
      md5.update(chunk)
      hmac.update(chunk)
      size += chunk.byteLength
    },
    digest () {
      return {
        sha256: `0x${sha256.digest('hex')}`,
        sha1: `0x${sha1.digest('hex')}`,
        md5: `0x${md5.digest('hex')}`,
        contentKey: new Uint8Array(hmac.digest()),
        size
      }
    }
  }
}

/** The convergent content key of a whole plaintext: HMAC-SHA256(CONVERGENT_KEY_DOMAIN, plaintext). */
export function deriveContentKey (plaintext: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', CONVERGENT_KEY_DOMAIN).update(plaintext).digest())
}
