/**
 * Entry point of a crypto pool thread (crypto-pool.ts): keeps the digest streams opened on it,
 * seals sample chunks, and seals and opens AES-GCM buffers in shared memory. Everything here is
 * synchronous node:crypto, so requests run in arrival order, which keeps a stream's updates in order.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import { TAG_BYTES, sealChunk } from './convergent.ts'
import type { CryptoOp, CryptoReply, CryptoRequest, CryptoResult, HashSpec } from './crypto-protocol.ts'
import type { Hash, Hmac } from 'node:crypto'

const port = parentPort
if (port == null) throw new Error('crypto-worker.ts must run in a worker thread')

const GCM = 'aes-256-gcm'
const streams = new Map<number, Array<Hash | Hmac>>()

const hasher = (spec: HashSpec): Hash | Hmac => spec.hmacKey === undefined ? createHash(spec.algorithm) : createHmac(spec.algorithm, spec.hmacKey)

function hashesOf (stream: number): Array<Hash | Hmac> {
  const hashes = streams.get(stream)
  if (hashes === undefined) throw new Error(`no digest stream ${stream} in this thread`)
  return hashes
}

function run (request: CryptoOp): { result: CryptoResult, transfer?: ArrayBuffer[] } {
  switch (request.op) {
    case 'digest-open':
      streams.set(request.stream, request.hashes.map(hasher))
      return { result: undefined }
    case 'digest-update':
      for (const h of hashesOf(request.stream)) h.update(request.bytes)
      return { result: undefined }
    case 'digest-final': {
      const digests = hashesOf(request.stream).map(h => new Uint8Array(h.digest()))
      streams.delete(request.stream)
      return { result: digests }
    }
    case 'digest-drop':
      streams.delete(request.stream)
      return { result: undefined }
    case 'seal-chunk': {
      const bytes = sealChunk(request.contentKey, request.size, request.index, request.chunk)
      const sha256 = new Uint8Array(createHash('sha256').update(bytes).digest())
      // the block goes back without a copy; sealChunk gives it an ArrayBuffer of its own
      return { result: { bytes, sha256 }, transfer: [bytes.buffer as ArrayBuffer] }
    }
    case 'gcm-seal': {
      const c = createCipheriv(GCM, request.gcm.key, request.gcm.nonce, { authTagLength: TAG_BYTES })
      // in place is fine: update() has read all of the plaintext before its output is copied over it
      request.sealed.set(c.update(request.plaintext))
      c.final()
      request.sealed.set(c.getAuthTag(), request.plaintext.byteLength)
      return { result: undefined }
    }
    case 'gcm-open': {
      const length = request.sealed.byteLength - TAG_BYTES
      const d = createDecipheriv(GCM, request.gcm.key, request.gcm.nonce, { authTagLength: TAG_BYTES })
      d.setAuthTag(request.sealed.subarray(length))
      const plaintext = d.update(request.sealed.subarray(0, length))
      try {
        d.final()
      } catch {
        return { result: false }
      }
      request.plaintext.set(plaintext)
      return { result: true }
    }
  }
}

// a worker_threads port, not a window: there is no target origin
// oxlint-disable-next-line unicorn/require-post-message-target-origin
const post = (reply: CryptoReply, transfer: ArrayBuffer[] = []): void => { port.postMessage(reply, transfer) }

port.on('message', (request: CryptoRequest) => {
  try {
    const { result, transfer } = run(request)
    post({ type: 'result', id: request.id, result }, transfer)
  } catch (err) {
    post({ type: 'error', id: request.id, error: err instanceof Error ? err : new Error(String(err)) })
  }
})
post({ type: 'ready' })
