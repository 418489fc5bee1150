import { CHUNK_SIZE } from '../crypto/manifest.ts'
import { SampleTooLargeError } from './errors.ts'

/**
 * Gathers incoming bytes straight into CHUNK_SIZE buffers, the units the encryption seals, so the
 * plaintext is copied once and never concatenated. Refuses to hold more than `maxBytes`.
 */
export class PlaintextChunks {
  readonly #maxBytes: number
  readonly #full: Buffer[] = []
  #current: Buffer | undefined
  #offset = 0
  #size = 0

  constructor (maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  get size (): number {
    return this.#size
  }

  push (bytes: Uint8Array): void {
    if (this.#size + bytes.byteLength > this.#maxBytes) throw new SampleTooLargeError(this.#maxBytes)
    this.#size += bytes.byteLength
    let read = 0
    while (read < bytes.byteLength) {
      this.#current ??= Buffer.allocUnsafe(CHUNK_SIZE)
      const n = Math.min(CHUNK_SIZE - this.#offset, bytes.byteLength - read)
      this.#current.set(bytes.subarray(read, read + n), this.#offset)
      this.#offset += n
      read += n
      if (this.#offset === CHUNK_SIZE) {
        this.#full.push(this.#current)
        this.#current = undefined
        this.#offset = 0
      }
    }
  }

  /** The chunks, all CHUNK_SIZE but the last (which may be short; none at all for empty input). */
  chunks (): Buffer[] {
    return this.#current === undefined ? [...this.#full] : [...this.#full, this.#current.subarray(0, this.#offset)]
  }
}
