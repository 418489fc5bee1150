/**
 * Entry point of a crypto pool thread (crypto-pool.ts): keeps the digest streams opened on it,
 * seals sample chunks, and seals and opens AES-GCM buffers in shared memory (writing or reading
 * them at a file offset). Everything here is synchronous, so requests run in arrival order, which
 * keeps a stream's updates in order.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'
import { readSync, writeSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { TAG_BYTES, cipherInto, sealChunkInto } from './convergent.ts'
import type { CryptoOp, CryptoReply, CryptoRequest, CryptoResult, FileAt, HashSpec } from './crypto-protocol.ts'
import type { Hash, Hmac } from 'node:crypto'

const port = parentPort
if (port == null) throw new Error('crypto-worker.ts must run in a worker thread')

const GCM = 'aes-256-gcm'
const streams = new Map<number, Array<Hash | Hmac>>()
/** where gcm-seal puts a sealed chunk before writing it; grown to the largest seen */
let scratch = Buffer.allocUnsafeSlow(0)

const hasher = (spec: HashSpec): Hash | Hmac => spec.hmacKey === undefined ? createHash(spec.algorithm) : createHmac(spec.algorithm, spec.hmacKey)

function hashesOf (stream: number): Array<Hash | Hmac> {
  const hashes = streams.get(stream)
  if (hashes === undefined) throw new Error(`no digest stream ${stream} in this thread`)
  return hashes
}

function writeAt (file: FileAt, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += writeSync(file.fd, bytes, done, bytes.byteLength - done, file.position + done)
}

/** false when the file ends first */
function readAt (file: FileAt, bytes: Uint8Array): boolean {
  for (let done = 0; done < bytes.byteLength;) {
    const n = readSync(file.fd, bytes, done, bytes.byteLength - done, file.position + done)
    if (n === 0) return false
    done += n
  }
  return true
}

function run (request: CryptoOp): CryptoResult {
  switch (request.op) {
    case 'digest-open':
      streams.set(request.stream, request.hashes.map(hasher))
      return undefined
    case 'digest-update':
      for (const h of hashesOf(request.stream)) h.update(request.bytes)
      return undefined
    case 'digest-final': {
      const digests = hashesOf(request.stream).map(h => new Uint8Array(h.digest()))
      streams.delete(request.stream)
      return digests
    }
    case 'digest-drop':
      streams.delete(request.stream)
      return undefined
    case 'seal-chunk': {
      const { block } = request
      sealChunkInto(request.contentKey, request.size, request.index, block.subarray(0, block.byteLength - TAG_BYTES), block)
      return new Uint8Array(createHash('sha256').update(block).digest())
    }
    case 'gcm-seal': {
      const length = request.plaintext.byteLength
      const c = createCipheriv(GCM, request.gcm.key, request.gcm.nonce, { authTagLength: TAG_BYTES })
      // sealed into this thread's own memory, not over the plaintext, which others may read
      // meanwhile; then one write, where a write per cipher piece cost more than the copy
      if (scratch.byteLength < length + TAG_BYTES) scratch = Buffer.allocUnsafeSlow(length + TAG_BYTES)
      const sealed = scratch.subarray(0, length + TAG_BYTES)
      cipherInto(c, request.plaintext, sealed)
      c.final()
      sealed.set(c.getAuthTag(), length)
      writeAt(request.file, sealed)
      return undefined
    }
    case 'gcm-open': {
      if (request.file !== undefined && !readAt(request.file, request.sealed)) return false
      const length = request.sealed.byteLength - TAG_BYTES
      const d = createDecipheriv(GCM, request.gcm.key, request.gcm.nonce, { authTagLength: TAG_BYTES })
      // the tag is read before the plaintext may be written over it
      d.setAuthTag(Buffer.from(request.sealed.subarray(length)))
      cipherInto(d, request.sealed.subarray(0, length), request.plaintext)
      try {
        d.final()
      } catch {
        // no unauthenticated byte is left for anyone to read
        request.plaintext.fill(0)
        return false
      }
      return true
    }
  }
}

// a worker_threads port, not a window: there is no target origin
// oxlint-disable-next-line unicorn/require-post-message-target-origin
const post = (reply: CryptoReply): void => { port.postMessage(reply) }

port.on('message', (request: CryptoRequest) => {
  try {
    post({ type: 'result', id: request.id, result: run(request) })
  } catch (err) {
    post({ type: 'error', id: request.id, error: err instanceof Error ? err : new Error(String(err)) })
  }
})
post({ type: 'ready' })
