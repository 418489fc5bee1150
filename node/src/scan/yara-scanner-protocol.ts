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

/**
 * Reassembles frames from stdin chunks. Each frame's bytes are copied once, into a buffer of
 * exactly its length, and handed over whole.
 */
export function createFrameReader (onFrame: (id: number, bytes: Buffer) => void): (chunk: Buffer) => void {
  const header = Buffer.alloc(FRAME_HEADER_BYTES)
  let headerHave = 0
  let id = 0
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
        body = Buffer.allocUnsafe(header.readUInt32LE(4))
        bodyHave = 0
      }
      const n = Math.min(body.length - bodyHave, chunk.length - at)
      chunk.copy(body, bodyHave, at, at + n)
      bodyHave += n
      at += n
      // an empty sample is a frame too: delivered as soon as its header is complete
      if (bodyHave < body.length) return
      const done = body
      body = undefined
      onFrame(id, done)
    }
  }
}
