/**
 * The report fetch protocol's wire format (SPEC 17, "Reports fetched from peers"): one request and one
 * response per stream, each one frame: an unsigned LEB128 varint length, minimally encoded and at most
 * four bytes, then that many bytes.
 *   request:  the jobId, 32 bytes
 *   response: a status byte; after FOUND, the report as UTF-8 JSON (nothing after the others)
 * Everything here is pure and refuses hostile bytes by code before reading them further.
 */
import { MAX_MESSAGE_BYTES } from '#protocol/messages.ts'
import type { Hex } from '#protocol/messages.ts'

export const REPORT_PROTOCOL = '/virusmap/report/1.0.0'
/** the same exchange for an anchored epoch's proposal: an 8-byte big-endian epoch and the 32-byte anchored root in, the proposal out */
export const PROPOSAL_PROTOCOL = '/virusmap/anchor-proposal/1.0.0'
export const JOB_ID_BYTES = 32
export const PROPOSAL_REQUEST_BYTES = 40
/** a proposal's JSON is a gossip message: the anchors topic's bound */
export const MAX_PROPOSAL_BYTES = MAX_MESSAGE_BYTES.anchors
/** a report's JSON: a job, and per member a commitment, a verdict (64 KiB at most on the wire) and an attestation; 4 MiB holds ~150 members' full verdicts */
export const MAX_REPORT_BYTES = 4 * 1024 * 1024
/** four varint bytes carry up to 2^28 - 1: more than any bound here */
const MAX_VARINT_BYTES = 4

export const STATUS = { found: 0, notFound: 1, rateLimited: 2, badRequest: 3 } as const

export type ReportWireCode =
  | 'BAD_VARINT' | 'OVERSIZE' | 'TRUNCATED' | 'TRAILING' | 'BAD_REQUEST' | 'BAD_STATUS' | 'BAD_BODY' | 'BAD_JSON'

export class ReportWireError extends Error {
  override readonly name = 'ReportWireError'
  readonly code: ReportWireCode

  constructor (code: ReportWireCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

export type ReportResponse =
  | { status: 'found', report: unknown }
  | { status: 'not-found' | 'rate-limited' | 'bad-request' }

function varint (n: number): Uint8Array {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Uint8Array.from(out)
}

/** The payload behind its length prefix. */
export function encodeFrame (payload: Uint8Array): Uint8Array {
  const prefix = varint(payload.length)
  const out = new Uint8Array(prefix.length + payload.length)
  out.set(prefix)
  out.set(payload, prefix.length)
  return out
}

/**
 * Reads one frame from chunks as they arrive: its length is checked against `max` before any of the
 * payload is held, and a byte after the frame is refused (one frame per direction and stream).
 */
export class FrameReader {
  readonly #max: number
  #prefix: number[] = []
  #length: number | undefined
  #payload: Uint8Array | undefined
  #filled = 0
  #done = false

  constructor (max: number) {
    this.#max = max
  }

  /** the payload once the frame is complete, else undefined */
  push (chunk: Uint8Array): Uint8Array | undefined {
    let i = 0
    if (this.#done && chunk.length > 0) throw new ReportWireError('TRAILING', 'bytes after the frame')
    while (this.#length === undefined && i < chunk.length) {
      const byte = chunk[i++] as number
      this.#prefix.push(byte)
      if ((byte & 0x80) !== 0) {
        if (this.#prefix.length >= MAX_VARINT_BYTES) throw new ReportWireError('BAD_VARINT', `a length prefix longer than ${MAX_VARINT_BYTES} bytes`)
        continue
      }
      if (byte === 0 && this.#prefix.length > 1) throw new ReportWireError('BAD_VARINT', 'a length prefix not minimally encoded')
      const length = this.#prefix.reduce((sum, b, k) => sum + (b & 0x7f) * 128 ** k, 0)
      if (length > this.#max) throw new ReportWireError('OVERSIZE', `a frame of ${length} bytes, at most ${this.#max}`)
      this.#length = length
      this.#payload = new Uint8Array(length)
    }
    if (this.#length === undefined || this.#payload === undefined) return undefined
    const take = Math.min(this.#length - this.#filled, chunk.length - i)
    this.#payload.set(chunk.subarray(i, i + take), this.#filled)
    this.#filled += take
    i += take
    if (this.#filled < this.#length) return undefined
    if (i < chunk.length) throw new ReportWireError('TRAILING', 'bytes after the frame')
    this.#done = true
    return this.#payload
  }

  /** the source ended: the payload, or TRUNCATED when the frame is not complete */
  end (): Uint8Array {
    if (!this.#done || this.#payload === undefined) throw new ReportWireError('TRUNCATED', 'the stream ended inside a frame')
    return this.#payload
  }
}

/** One whole frame from `bytes` (tests, and what a reader assembles). */
export function decodeFrame (bytes: Uint8Array, max: number): Uint8Array {
  const reader = new FrameReader(max)
  reader.push(bytes)
  return reader.end()
}

const isJobId = (value: string): value is Hex => /^0x[0-9a-f]{64}$/.test(value)

export function encodeRequest (jobId: Hex): Uint8Array {
  const hex = jobId.toLowerCase()
  if (!isJobId(hex)) throw new ReportWireError('BAD_REQUEST', 'a jobId is 32 bytes of hex')
  return encodeFrame(Buffer.from(hex.slice(2), 'hex'))
}

/** The jobId a request payload asks for, lowercase 0x-hex. */
export function decodeRequest (payload: Uint8Array): Hex {
  if (payload.length !== JOB_ID_BYTES) throw new ReportWireError('BAD_REQUEST', `a request is ${JOB_ID_BYTES} bytes, not ${payload.length}`)
  return `0x${Buffer.from(payload).toString('hex')}` as Hex
}

export function encodeProposalRequest (epoch: number, root: Hex): Uint8Array {
  const hex = root.toLowerCase()
  if (!Number.isSafeInteger(epoch) || epoch < 0 || !isJobId(hex)) throw new ReportWireError('BAD_REQUEST', 'an epoch is a safe integer, a root 32 bytes of hex')
  const payload = new Uint8Array(PROPOSAL_REQUEST_BYTES)
  new DataView(payload.buffer).setBigUint64(0, BigInt(epoch))
  payload.set(Buffer.from(hex.slice(2), 'hex'), 8)
  return encodeFrame(payload)
}

/** The anchored epoch and root a proposal request asks for. */
export function decodeProposalRequest (payload: Uint8Array): { epoch: number, root: Hex } {
  if (payload.length !== PROPOSAL_REQUEST_BYTES) throw new ReportWireError('BAD_REQUEST', `a proposal request is ${PROPOSAL_REQUEST_BYTES} bytes, not ${payload.length}`)
  const epoch = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0)
  if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new ReportWireError('BAD_REQUEST', 'an epoch past 2^53')
  return { epoch: Number(epoch), root: `0x${Buffer.from(payload.subarray(8)).toString('hex')}` as Hex }
}

/** The framed response; a report over `max` bytes of JSON is answered not-found (an honest peer has none that large). */
export function encodeResponse (response: ReportResponse, max = MAX_REPORT_BYTES): Uint8Array {
  switch (response.status) {
    case 'found': {
      const body = new TextEncoder().encode(JSON.stringify(response.report))
      if (body.length + 1 > max) return encodeFrame(Uint8Array.of(STATUS.notFound))
      const payload = new Uint8Array(body.length + 1)
      payload[0] = STATUS.found
      payload.set(body, 1)
      return encodeFrame(payload)
    }
    case 'not-found': return encodeFrame(Uint8Array.of(STATUS.notFound))
    case 'rate-limited': return encodeFrame(Uint8Array.of(STATUS.rateLimited))
    case 'bad-request': return encodeFrame(Uint8Array.of(STATUS.badRequest))
  }
}

/** The response a payload carries; the report is parsed JSON, still untrusted (report-check.ts holds it to the chain). */
export function decodeResponse (payload: Uint8Array): ReportResponse {
  const status = payload[0]
  if (status === undefined) throw new ReportWireError('BAD_STATUS', 'an empty response')
  if (status !== STATUS.found) {
    if (payload.length !== 1) throw new ReportWireError('BAD_BODY', 'a body after a status that has none')
    if (status === STATUS.notFound) return { status: 'not-found' }
    if (status === STATUS.rateLimited) return { status: 'rate-limited' }
    if (status === STATUS.badRequest) return { status: 'bad-request' }
    throw new ReportWireError('BAD_STATUS', `unknown status ${status}`)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload.subarray(1))
  } catch (err) {
    throw new ReportWireError('BAD_JSON', 'the report is not UTF-8', { cause: err })
  }
  let report: unknown
  try {
    report = JSON.parse(text)
  } catch (err) {
    throw new ReportWireError('BAD_JSON', 'the report is not JSON', { cause: err })
  }
  if (typeof report !== 'object' || report === null || Array.isArray(report)) throw new ReportWireError('BAD_BODY', 'the report is not a JSON object')
  return { status: 'found', report }
}
