import type { YaraMatch } from './yara-output.ts'

/**
 * How the YARA engine talks to its scanner processes. Control messages and replies go over the
 * Node IPC channel; sample bytes go over the child's stdin as frames (an 8-byte header: request
 * id and length, u32 little-endian, then the bytes), because the IPC channel's serializer moves
 * large buffers at a fraction of a pipe's speed.
 */
export interface ScannerInit {
  type: 'init'
  files: Array<{ path: string, source: string }>
  /** rules from outside the operator (hunt rulesets): loadRules `untrusted` */
  untrusted?: boolean
  /** honour TEST_HOOKS inputs (tests only) */
  testHooks: boolean
}

export type ScannerReply =
  | { type: 'ready', version: string, compiled: number[], skipped: Array<{ index: number, error: string }> }
  | { type: 'init-error', code: 'NO_RULES' | 'RULES_COMPILE_FAILED' | 'ENGINE_UNAVAILABLE', message: string }
  | { type: 'result', id: number, matches: YaraMatch[] }
  | { type: 'error', id: number, message: string }

export const FRAME_HEADER_BYTES = 8
export const MAX_FRAME_BYTES = 0xffff_ffff

export function frameHeader (id: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header.writeUInt32LE(id, 0)
  header.writeUInt32LE(length, 4)
  return header
}

/** receive buffers up to this size are kept for the next frame; a larger one is dropped after use */
const RETAINED_BYTES = 64 * 1024 * 1024

/**
 * Reassembles frames from stdin chunks. A frame that arrives within one chunk is handed over as
 * a view of it; a larger one is copied once into a receive buffer that is reused, so streaming
 * samples costs no allocation per sample. The bytes are valid only during `onFrame`, which must
 * therefore use them synchronously.
 */
export function createFrameReader (onFrame: (id: number, bytes: Buffer) => void): (chunk: Buffer) => void {
  const header = Buffer.alloc(FRAME_HEADER_BYTES)
  let headerHave = 0
  let id = 0
  let store = Buffer.alloc(0)
  let body: Buffer | undefined
  let bodyHave = 0
  return (chunk) => {
    let at = 0
    for (;;) {
      if (body === undefined) {
        if (at >= chunk.length) return
        const n = Math.min(FRAME_HEADER_BYTES - headerHave, chunk.length - at)
        chunk.copy(header, headerHave, at, at + n)
        headerHave += n
        at += n
        if (headerHave < FRAME_HEADER_BYTES) return
        headerHave = 0
        id = header.readUInt32LE(0)
        const length = header.readUInt32LE(4)
        if (chunk.length - at >= length) {
          at += length
          onFrame(id, chunk.subarray(at - length, at))
          continue
        }
        if (length > store.length) {
          const fresh = Buffer.allocUnsafe(length)
          if (length <= RETAINED_BYTES) store = fresh
          body = fresh
        } else {
          body = store.subarray(0, length)
        }
        bodyHave = 0
      }
      const n = Math.min(body.length - bodyHave, chunk.length - at)
      chunk.copy(body, bodyHave, at, at + n)
      bodyHave += n
      at += n
      if (bodyHave < body.length) return
      const done = body
      body = undefined
      onFrame(id, done)
    }
  }
}
