// The report fetch protocol's wire codec: frames, requests and responses round-trip, and hostile bytes
// (bad or overlong length prefixes, oversize, truncated, trailing, unknown status, bad UTF-8 or JSON)
// are refused by code before anything is read further.
import tap from 'tap'
import {
  decodeFrame, decodeProposalRequest, decodeRequest, decodeResponse, encodeFrame, encodeProposalRequest, encodeRequest, encodeResponse, FrameReader, JOB_ID_BYTES,
  PROPOSAL_REQUEST_BYTES, ReportWireError, STATUS
} from '../../src/report-fetch/report-wire.ts'
import type { Hex } from '#protocol/messages.ts'

const JOB = `0x${'ab'.repeat(32)}` as Hex
const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    return err instanceof ReportWireError ? err.code : `not a wire error: ${String(err)}`
  }
  return 'no error'
}
const payload = (bytes: Uint8Array): Uint8Array => decodeFrame(bytes, 1 << 20)
/** a FOUND response payload around `body` */
const found = (body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(body.length + 1)
  out[0] = STATUS.found
  out.set(body, 1)
  return out
}

tap.test('a request carries one jobId, 32 bytes, behind a one-byte prefix', async (t) => {
  const bytes = encodeRequest(JOB)
  t.equal(bytes.length, 1 + JOB_ID_BYTES)
  t.equal(bytes[0], 32)
  t.equal(decodeRequest(payload(bytes)), JOB)
  t.equal(decodeRequest(payload(encodeRequest(JOB.toUpperCase().replace('0X', '0x') as Hex))), JOB, 'lowercased')
  t.equal(codeOf(() => encodeRequest('0x1234' as Hex)), 'BAD_REQUEST')
  t.equal(codeOf(() => encodeRequest(`0x${'zz'.repeat(32)}` as Hex)), 'BAD_REQUEST')
  t.equal(codeOf(() => decodeRequest(new Uint8Array(31))), 'BAD_REQUEST', 'short')
  t.equal(codeOf(() => decodeRequest(new Uint8Array(33))), 'BAD_REQUEST', 'long')
  t.equal(codeOf(() => decodeRequest(new Uint8Array(0))), 'BAD_REQUEST', 'empty')
})

tap.test('a proposal request carries an epoch, 8 bytes big-endian, and the anchored root', async (t) => {
  const bytes = encodeProposalRequest(258, JOB)
  t.equal(bytes.length, 1 + PROPOSAL_REQUEST_BYTES)
  t.same([...bytes.subarray(1, 9)], [0, 0, 0, 0, 0, 0, 1, 2])
  t.same(decodeProposalRequest(payload(bytes)), { epoch: 258, root: JOB })
  t.same(decodeProposalRequest(payload(encodeProposalRequest(Number.MAX_SAFE_INTEGER, JOB))).epoch, Number.MAX_SAFE_INTEGER)
  t.equal(codeOf(() => encodeProposalRequest(-1, JOB)), 'BAD_REQUEST')
  t.equal(codeOf(() => encodeProposalRequest(1.5, JOB)), 'BAD_REQUEST')
  t.equal(codeOf(() => encodeProposalRequest(1, '0x12' as Hex)), 'BAD_REQUEST')
  t.equal(codeOf(() => decodeProposalRequest(new Uint8Array(39))), 'BAD_REQUEST', 'short')
  t.equal(codeOf(() => decodeProposalRequest(new Uint8Array(41))), 'BAD_REQUEST', 'long')
  t.equal(codeOf(() => decodeProposalRequest(new Uint8Array(40).fill(0xff))), 'BAD_REQUEST', 'an epoch past 2^53')
})

tap.test('responses round-trip', async (t) => {
  const report = { version: 2, jobId: JOB, nested: { list: [1, 'two', null] } }
  t.same(decodeResponse(payload(encodeResponse({ status: 'found', report }))), { status: 'found', report })
  for (const status of ['not-found', 'rate-limited', 'bad-request'] as const) {
    const bytes = encodeResponse({ status })
    t.equal(bytes.length, 2, `${status}: a prefix and a status byte`)
    t.same(decodeResponse(payload(bytes)), { status })
  }
  // a report over the bound is not sent: an honest peer answers not-found
  const big = { version: 2, blob: 'x'.repeat(5000) }
  t.same(decodeResponse(payload(encodeResponse({ status: 'found', report: big }, 4096))), { status: 'not-found' })
  t.same(decodeResponse(payload(encodeResponse({ status: 'found', report: big }, 6000))), { status: 'found', report: big })
})

tap.test('frames read the same from any chunking; multi-byte prefixes decode', async (t) => {
  const body = new Uint8Array(300).map((_, i) => i % 251)
  const framed = encodeFrame(body)
  t.same([...framed.subarray(0, 2)], [0xac, 0x02], '300 as a two-byte varint')
  for (const size of [1, 2, 7, 301, 302]) {
    const reader = new FrameReader(1000)
    let got: Uint8Array | undefined
    for (let i = 0; i < framed.length; i += size) {
      const out = reader.push(framed.subarray(i, i + size))
      if (out !== undefined) got = out
    }
    t.same(got, body, `chunks of ${size}`)
    t.same(reader.end(), body)
  }
  t.same(payload(encodeFrame(new Uint8Array(0))), new Uint8Array(0), 'an empty frame')
  const reader = new FrameReader(10)
  t.equal(reader.push(new Uint8Array(0)), undefined, 'an empty chunk is nothing')
})

tap.test('hostile frames are refused by code', async (t) => {
  t.equal(codeOf(() => decodeFrame(new Uint8Array(0), 100)), 'TRUNCATED', 'nothing')
  t.equal(codeOf(() => decodeFrame(Uint8Array.of(0x85), 100)), 'TRUNCATED', 'a prefix cut short')
  t.equal(codeOf(() => decodeFrame(Uint8Array.of(5, 1, 2), 100)), 'TRUNCATED', 'a payload cut short')
  t.equal(codeOf(() => decodeFrame(Uint8Array.of(2, 1, 2, 3), 100)), 'TRAILING', 'a byte after the frame')
  t.equal(codeOf(() => { const r = new FrameReader(100); r.push(Uint8Array.of(1, 9)); r.push(Uint8Array.of(0)) }), 'TRAILING', 'a later chunk after the frame')
  t.equal(codeOf(() => decodeFrame(Uint8Array.of(0x81, 0x00, 1), 100)), 'BAD_VARINT', 'a non-minimal prefix')
  t.equal(codeOf(() => decodeFrame(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x01), 1 << 30)), 'BAD_VARINT', 'a five-byte prefix')
  // the length is refused from its prefix alone: nothing of the claimed 2^28-1 bytes is held
  t.equal(codeOf(() => new FrameReader(1 << 20).push(Uint8Array.of(0xff, 0xff, 0xff, 0x7f))), 'OVERSIZE', 'a huge claimed length')
  t.equal(codeOf(() => decodeFrame(encodeFrame(new Uint8Array(101)), 100)), 'OVERSIZE', 'one byte over the bound')
  t.equal(decodeFrame(encodeFrame(new Uint8Array(100)), 100).length, 100, 'exactly the bound')
})

tap.test('hostile responses are refused by code', async (t) => {
  const enc = new TextEncoder()
  t.equal(codeOf(() => decodeResponse(new Uint8Array(0))), 'BAD_STATUS', 'no status')
  t.equal(codeOf(() => decodeResponse(Uint8Array.of(9))), 'BAD_STATUS', 'an unknown status')
  t.equal(codeOf(() => decodeResponse(Uint8Array.of(255, 1))), 'BAD_BODY', 'an unknown status with a body')
  t.equal(codeOf(() => decodeResponse(Uint8Array.of(STATUS.notFound, 0x7b))), 'BAD_BODY', 'not-found with a body')
  t.equal(codeOf(() => decodeResponse(Uint8Array.of(STATUS.rateLimited, 0))), 'BAD_BODY', 'rate-limited with a body')
  t.equal(codeOf(() => decodeResponse(found(Uint8Array.of(0x7b, 0xff, 0x7d)))), 'BAD_JSON', 'not UTF-8')
  t.equal(codeOf(() => decodeResponse(found(Uint8Array.of(0xef, 0xbb, 0xbf, ...enc.encode('{}'))))), 'BAD_JSON', 'a byte-order mark')
  t.equal(codeOf(() => decodeResponse(found(enc.encode('{"a":')))), 'BAD_JSON', 'cut-off JSON')
  t.equal(codeOf(() => decodeResponse(found(new Uint8Array(0)))), 'BAD_JSON', 'found with no body')
  for (const body of ['[]', '1', 'null', '"report"', 'true']) t.equal(codeOf(() => decodeResponse(found(enc.encode(body)))), 'BAD_BODY', `${body} is not a report object`)
  // a __proto__ key stays an own property of the parsed object; the report checks refuse it later
  const parsed = decodeResponse(found(enc.encode('{"__proto__":{"polluted":true}}')))
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype reached')
  t.equal(parsed.status, 'found')
  const deep = '['.repeat(100_000) + ']'.repeat(100_000)
  t.match(codeOf(() => decodeResponse(found(enc.encode(deep)))), /^(BAD_BODY|BAD_JSON)$/, 'deep nesting parses or fails by code, never throws otherwise')
})
