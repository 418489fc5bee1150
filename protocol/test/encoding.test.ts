import tap from 'tap'
import type { Test } from 'tap'
import { decodeMessage, encodeMessage, GossipValidationError, MAX_ATTESTED_MEMBERS, MAX_INLINE_BLOCK_BYTES, MAX_INLINE_BLOCKS, MAX_MESSAGE_BYTES, parseMessage, parseSignedScanJob, signComplaint, topicForMessage, TOPICS } from '../src/index.ts'
import type { GossipMessage, Hex, SignedAttestation, SignedCommitment, TopicName } from '../src/index.ts'
import { CHAIN_ID, makeAttestations, makeIndicatorJob, makeReveal, makeSignedJob, member, REGISTRY, result } from './fixtures.ts'

const signedJob = await makeSignedJob()
const { commit, reveal } = await makeReveal(signedJob.job, member(1), [result('yara', 'malicious', 'Evil_Rule'), result('clamav', 'undetected')])
const others = await Promise.all([0, 2].map(i => makeReveal(signedJob.job, member(i), [result('YARA', 'undetected')])))
const [attestation] = await makeAttestations(signedJob, [commit, ...others.map(o => o.commit)], [reveal, (others[0] as typeof others[number]).reveal], [member(2)]) as [SignedAttestation]
const complaint = await signComplaint({ jobId: commit.commitment.jobId, member: member(3).address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, member(3).wallet)
const messages: Array<[TopicName, GossipMessage]> = [['jobs', signedJob], ['commits', commit], ['verdicts', reveal], ['attestations', attestation], ['complaints', complaint]]
const address = (byte: string): Hex => `0x${byte.repeat(20)}`
const bytes32 = (byte: string): Hex => `0x${byte.repeat(32)}`
const keys = (msg: GossipMessage): string[] => Object.keys(JSON.parse(new TextDecoder().decode(encodeMessage(msg))) as object)
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const json = (v: unknown): Uint8Array => utf8(JSON.stringify(v))
const clone = <T>(v: T): T => structuredClone(v)

function rejects (tt: Test, topic: TopicName, bytes: Uint8Array, code: 'MALFORMED' | 'OVERSIZE', name: string): void {
  tt.throws(() => decodeMessage(topic, bytes), { name: 'GossipValidationError', action: 'reject', code }, name)
}

tap.test('version-2 topics, one per message type', async t => {
  t.same(TOPICS, {
    jobs: '/virusmap/jobs/2',
    commits: '/virusmap/commits/2',
    verdicts: '/virusmap/verdicts/2',
    attestations: '/virusmap/attestations/2',
    complaints: '/virusmap/complaints/2',
    anchors: '/virusmap/anchors/2',
    evidence: '/virusmap/evidence/2',
    rewards: '/virusmap/rewards/2',
    market: '/virusmap/market/2',
    bundles: '/virusmap/bundles/2'
  })
  t.same(MAX_MESSAGE_BYTES, { jobs: 131072, commits: 2048, verdicts: 65536, attestations: 65536, complaints: 2048, anchors: 573440, evidence: 163840, rewards: 1024, market: 1024, bundles: 262144 })
  for (const [topic, msg] of messages) t.equal(topicForMessage(msg), topic, msg.type)
})

tap.test('round trips every message type', async t => {
  for (const [topic, msg] of messages) {
    const bytes = encodeMessage(msg)
    t.same(decodeMessage(topic, bytes), msg, topic)
    t.same(encodeMessage(decodeMessage(topic, bytes)), bytes, `${topic} re-encodes to the same bytes`)
  }
})

tap.test('the wire key order is the SPEC\'s', async t => {
  t.same(keys(signedJob), ['type', 'job', 'signature'])
  t.same(keys(commit), ['type', 'commitment', 'signature'])
  t.same(keys(reveal), ['type', 'verdict', 'salt', 'signature'])
  t.same(keys(attestation), ['type', 'member', 'attestation', 'signature'])
  t.same(keys(complaint), ['type', 'complaint', 'signature'])
  const text = new TextDecoder().decode(encodeMessage(attestation))
  t.match(text, /^\{"type":"attestation","member":"0x[0-9a-f]{40}","attestation":\{"jobId":"0x[0-9a-f]{64}","committed":\[/)
  t.match(text, /\],"commitments":\[.*\],"revealed":\[.*\],"verdicts":\[.*\]\},"signature":"0x[0-9a-f]{130}"\}$/)
})

tap.test('an attestation may hold nothing, and an attestation of every member at the largest block fits its topic', async t => {
  const empty = structuredClone(attestation)
  empty.attestation = { jobId: attestation.attestation.jobId, committed: [], commitments: [], revealed: [], verdicts: [] }
  t.same(decodeMessage('attestations', encodeMessage(empty)), empty)
  const full = structuredClone(attestation)
  const all = Array.from({ length: MAX_ATTESTED_MEMBERS }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Hex)
  full.attestation = { jobId: attestation.attestation.jobId, committed: all, commitments: all.map(() => bytes32('ff')), revealed: all, verdicts: all.map(() => bytes32('ee')) }
  t.same(decodeMessage('attestations', encodeMessage(full)), full)
  const over = structuredClone(full)
  over.attestation.committed.push(address('ff'))
  over.attestation.commitments.push(bytes32('ff'))
  rejects(t, 'attestations', json(over), 'MALFORMED', `${MAX_ATTESTED_MEMBERS + 1} committed members`)
})

tap.test('attestation schema: ascending address lists, paired lengths, reveals only of commitments', async t => {
  const [lo, mid, hi] = [address('11'), address('22'), address('33')]
  const base = { jobId: attestation.attestation.jobId, committed: [lo, mid, hi], commitments: [bytes32('01'), bytes32('02'), bytes32('03')], revealed: [lo, hi], verdicts: [bytes32('04'), bytes32('05')] }
  const ok = { ...attestation, attestation: base }
  t.same(decodeMessage('attestations', json(ok)), ok, 'the base case decodes')
  const cases: Array<[string, Record<string, unknown>]> = [
    ['committed not ascending', { committed: [mid, lo, hi] }],
    ['committed with a duplicate', { committed: [lo, lo, hi] }],
    ['revealed not ascending', { revealed: [hi, lo] }],
    ['revealed with a duplicate', { revealed: [lo, lo], verdicts: [bytes32('04'), bytes32('04')] }],
    ['one commitment short', { commitments: [bytes32('01'), bytes32('02')] }],
    ['one commitment too many', { commitments: [bytes32('01'), bytes32('02'), bytes32('03'), bytes32('04')] }],
    ['one verdict short', { verdicts: [bytes32('04')] }],
    ['one verdict too many', { verdicts: [bytes32('04'), bytes32('05'), bytes32('06')] }],
    ['revealed but not committed', { revealed: [lo, address('44')] }],
    ['revealed with nothing committed', { committed: [], commitments: [] }],
    ['an uppercase address', { committed: [lo, mid, `0x${'DD'.repeat(20)}`] }],
    ['a short commitment', { commitments: [bytes32('01'), bytes32('02'), '0x03'] }],
    ['a verdict hash that is not hex', { verdicts: [bytes32('04'), `0x${'zz'.repeat(32)}`] }],
    ['committed not an array', { committed: lo }],
    ['a jobId of 31 bytes', { jobId: `0x${'00'.repeat(31)}` }]
  ]
  for (const [name, change] of cases) {
    const m = { ...attestation, attestation: { ...base, ...change } }
    rejects(t, 'attestations', json(m), 'MALFORMED', name)
    t.throws(() => encodeMessage(m as SignedAttestation), { name: 'GossipValidationError', code: 'MALFORMED' }, `encoder refuses: ${name}`)
  }
  rejects(t, 'attestations', json({ ...ok, member: '0x1234' }), 'MALFORMED', 'attester not an address')
  rejects(t, 'attestations', json({ type: 'attestation', attestation: base, signature: attestation.signature }), 'MALFORMED', 'no attester')
  rejects(t, 'attestations', json({ ...ok, attestation: { ...base, member: lo } }), 'MALFORMED', 'an extra key in the content')
})

tap.test('complaint schema: known reasons only', async t => {
  for (const reason of ['UNWRAP_FAILED', 'CONTENT_MISMATCH']) {
    const m = { ...complaint, complaint: { ...complaint.complaint, reason } }
    t.same(decodeMessage('complaints', json(m)), m, reason)
  }
  for (const reason of ['NO_AGREEMENT', 'unwrap_failed', '', 1, null]) {
    rejects(t, 'complaints', json({ ...complaint, complaint: { ...complaint.complaint, reason } }), 'MALFORMED', `reason ${JSON.stringify(reason)}`)
  }
  rejects(t, 'complaints', json({ ...complaint, complaint: { ...complaint.complaint, member: '0x00' } }), 'MALFORMED', 'member not an address')
  rejects(t, 'complaints', json({ ...complaint, complaint: { jobId: complaint.complaint.jobId, member: complaint.complaint.member } }), 'MALFORMED', 'no reason')
  rejects(t, 'complaints', json({ ...complaint, complaint: { ...complaint.complaint, sample: 'x' } }), 'MALFORMED', 'extra key')
})

tap.test('an engine without a signature date may send an empty engineUpdate', async t => {
  const m = structuredClone(reveal)
  ;(m.verdict.results[0] as { engineUpdate: string }).engineUpdate = ''
  t.same(decodeMessage('verdicts', encodeMessage(m)), m)
})

tap.test('encoding is canonical: key order of the input does not matter', async t => {
  const shuffled = { signature: commit.signature, commitment: { commitment: commit.commitment.commitment, member: commit.commitment.member, jobId: commit.commitment.jobId }, type: 'commitment' as const }
  t.same(encodeMessage(shuffled), encodeMessage(commit))
})

tap.test('rejects non-canonical spellings', async t => {
  const text = new TextDecoder().decode(encodeMessage(commit))
  rejects(t, 'commits', utf8(` ${text}`), 'MALFORMED', 'leading whitespace')
  rejects(t, 'commits', utf8(text.replace('{"type":"commitment",', '{"type":"commitment","type":"commitment",')), 'MALFORMED', 'duplicate key')
  rejects(t, 'commits', json({ commitment: commit.commitment, type: 'commitment', signature: commit.signature }), 'MALFORMED', 'key order')
  const v = new TextDecoder().decode(encodeMessage(reveal))
  rejects(t, 'verdicts', utf8(v.replace(/"scannedAt":(\d+)/, '"scannedAt":$1.0')), 'MALFORMED', 'integer written as 1.0')
  rejects(t, 'verdicts', utf8(v.replace('"Evil_Rule"', '"\\u0045vil_Rule"')), 'MALFORMED', 'needless unicode escape')
})

tap.test('rejects truncated, non-JSON and non-UTF-8 input', async t => {
  const bytes = encodeMessage(signedJob)
  for (const cut of [0, 1, 10, bytes.length - 1]) rejects(t, 'jobs', bytes.subarray(0, cut), 'MALFORMED', `truncated at ${cut}`)
  rejects(t, 'jobs', utf8('null'), 'MALFORMED', 'null')
  rejects(t, 'jobs', utf8('[]'), 'MALFORMED', 'array')
  rejects(t, 'jobs', utf8('"scan-job"'), 'MALFORMED', 'string')
  rejects(t, 'jobs', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), 'MALFORMED', 'invalid UTF-8')
})

tap.test('a refusal carries no stack (it is mapped by code), and stack capture is as it was afterwards', async t => {
  const before = Error.stackTraceLimit
  for (const junk of [utf8('{"type":'), Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), json({ type: 'commitment' })]) {
    let caught: unknown
    try { decodeMessage('commits', junk) } catch (err) { caught = err }
    t.ok(caught instanceof GossipValidationError, 'refused')
    t.equal((caught as Error).stack?.split('\n').length, 1, 'a header line, no frames')
    t.equal(Error.stackTraceLimit, before, 'the limit restored after a refusal')
  }
  t.ok(decodeMessage('commits', encodeMessage(commit)), 'a good message decodes')
  t.equal(Error.stackTraceLimit, before, 'and after a success')
  t.ok((new Error('elsewhere').stack?.split('\n').length ?? 0) > 1, 'other errors keep their stacks')
})

tap.test('rejects a message on the wrong topic', async t => {
  for (const [topic] of messages) {
    for (const [other, msg] of messages) {
      if (other !== topic && encodeMessage(msg).length <= MAX_MESSAGE_BYTES[topic]) rejects(t, topic, encodeMessage(msg), 'MALFORMED', `${msg.type} on ${topic}`)
    }
  }
  rejects(t, 'complaints', json({ ...complaint, type: 'commitment' }), 'MALFORMED', 'a complaint typed as a commitment')
})

tap.test('a topic types its message, and an unknown topic, Object.prototype\'s keys included, is malformed', async t => {
  // compile-time: the topic alone gives the message type (GossipTypeMap), no `type` check needed
  const decoded: SignedCommitment = decodeMessage('commits', encodeMessage(commit))
  t.equal(decoded.type, 'commitment')
  const bytes = encodeMessage(commit)
  for (const topic of ['nope', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '', 'jobs '] as unknown as TopicName[]) {
    t.throws(() => decodeMessage(topic, bytes), { name: 'GossipValidationError', action: 'reject', code: 'MALFORMED' }, `decode on ${JSON.stringify(topic)}`)
    t.throws(() => parseMessage(topic, commit), { name: 'GossipValidationError', action: 'reject', code: 'MALFORMED' }, `parse on ${JSON.stringify(topic)}`)
  }
  for (const topic of [undefined, null, 7, {}, ['commits']] as unknown as TopicName[]) {
    t.throws(() => parseMessage(topic, commit), { code: 'MALFORMED' }, `a topic of ${JSON.stringify(topic) ?? 'undefined'}`)
  }
})

tap.test('rejects extra, missing and prototype-polluting keys', async t => {
  rejects(t, 'commits', json({ ...commit, extra: 1 }), 'MALFORMED', 'extra top-level key')
  rejects(t, 'commits', json({ type: 'commitment', commitment: commit.commitment }), 'MALFORMED', 'missing key')
  rejects(t, 'commits', json({ ...commit, commitment: { ...commit.commitment, extra: 'x' } }), 'MALFORMED', 'extra nested key')
  const text = new TextDecoder().decode(encodeMessage(commit))
  rejects(t, 'commits', utf8(text.replace('"signature"', '"__proto__"')), 'MALFORMED', '__proto__ instead of a key')
  rejects(t, 'commits', utf8(text.replace('{"jobId"', '{"__proto__":{"polluted":true},"jobId"')), 'MALFORMED', 'nested __proto__')
  rejects(t, 'commits', utf8(text.replace('"signature"', '"constructor"')), 'MALFORMED', 'constructor key')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

tap.test('rejects wrong types and out-of-range numbers', async t => {
  const cases: Array<[string, (m: typeof reveal) => void]> = [
    ['scannedAt as string', m => { (m.verdict as unknown as Record<string, unknown>).scannedAt = '1' }],
    ['negative block', m => { m.verdict.membershipBlock = -1 }],
    ['fractional time', m => { m.verdict.scannedAt = 1.5 }],
    ['unsafe integer', m => { m.verdict.scannedAt = 2 ** 53 }],
    ['results not an array', m => { (m.verdict as unknown as Record<string, unknown>).results = {} }],
    ['unknown category', m => { (m.verdict.results[0] as unknown as Record<string, unknown>).category = 'evil' }],
    ['bad engineUpdate', m => { (m.verdict.results[0] as { engineUpdate: string }).engineUpdate = '2026-11-01' }],
    ['engine name with a slash', m => { (m.verdict.results[0] as { engine: string }).engine = '../etc' }],
    ['duplicate engine', m => { m.verdict.results.push(clone(m.verdict.results[0] as never)) }],
    ['control character in label', m => { (m.verdict.results[0] as { result: string }).result = 'a\nb' }],
    ['over-long label', m => { (m.verdict.results[0] as { result: string }).result = 'x'.repeat(257) }],
    ['too many results', m => { m.verdict.results = Array.from({ length: 65 }, (_, i) => result(`e${i}`, 'undetected')) }],
    ['uppercase hex', m => { m.verdict.jobId = m.verdict.jobId.toUpperCase().replace('0X', '0x') as typeof m.verdict.jobId }],
    ['short salt', m => { m.salt = '0x1234' }],
    ['64-byte signature', m => { m.signature = `0x${'11'.repeat(64)}` }],
    ['address of 21 bytes', m => { m.verdict.member = `0x${'ab'.repeat(21)}` }],
    ['hex without 0x', m => { m.verdict.jobId = m.verdict.jobId.slice(2) as typeof m.verdict.jobId }],
    ['wrong type tag', m => { (m as { type: string }).type = 'commitment' }]
  ]
  for (const [name, mutate] of cases) {
    const m = clone(reveal)
    mutate(m)
    rejects(t, 'verdicts', json(m), 'MALFORMED', name)
    t.throws(() => encodeMessage(m), { code: 'MALFORMED' }, `encoder refuses: ${name}`)
  }
})

tap.test('job schema: kinds, key wrap bounds, string formats', async t => {
  const cases: Array<[string, (m: typeof signedJob) => void]> = [
    ['unknown kind', m => { (m.job as { kind: string }).kind = 'virus' }],
    ['no key wraps on a file', m => { m.job.keyWraps = [] }],
    ['subject over 2048', m => { m.job.subject = `http://a.com/${'x'.repeat(2048)}` }],
    ['non-ASCII subject', m => { m.job.subject = 'http://ä.com/' }],
    ['context over 1024 UTF-8 bytes', m => { m.job.context = 'ü'.repeat(513) }],
    ['context with a newline', m => { m.job.context = 'a\nb' }],
    ['context with a C1 control', m => { m.job.context = 'a\u0085b' }],
    ['context with a lone surrogate', m => { m.job.context = 'a\ud800b' }],
    ['context not a string', m => { (m.job as { context: unknown }).context = 1 }],
    ['submitter signature of 64 bytes', m => { m.job.submitterSignature = `0x${'11'.repeat(64)}` }],
    ['submitter not an address', m => { m.job.submitter = '0x1234' }],
    ['submittedAt negative', m => { m.job.submittedAt = -1 }],
    ['no submitter key', m => { delete (m.job as Partial<typeof m.job>).submitter }],
    ['257 key wraps', m => { m.job.keyWraps = Array.from({ length: 257 }, () => clone(m.job.keyWraps[0] as never)) }],
    ['wrapped key of 59 bytes', m => { (m.job.keyWraps[0] as { wrappedKey: string }).wrappedKey = `0x${'00'.repeat(59)}` }],
    ['md5 of 20 bytes', m => { m.job.md5 = `0x${'00'.repeat(20)}` }],
    ['cid with a slash', m => { m.job.cid = 'bafy/../x' }],
    ['over-long fileType', m => { m.job.fileType = 'x'.repeat(33) }]
  ]
  for (const [name, mutate] of cases) {
    const m = clone(signedJob)
    mutate(m)
    rejects(t, 'jobs', json(m), 'MALFORMED', name)
  }
})

tap.test('the largest schema-valid verdict and job fit their topic limits', async t => {
  const big = clone(reveal)
  big.verdict.results = Array.from({ length: 64 }, (_, i) => result(`${i}`.padStart(64, 'e'), 'type-unsupported', 'r'.repeat(256),
    { engineVersion: 'v'.repeat(64), method: 'm'.repeat(64) }))
  t.ok(decodeMessage('verdicts', encodeMessage(big)))
  const job = clone(signedJob)
  job.job.keyWraps = Array.from({ length: 256 }, () => clone(signedJob.job.keyWraps[0] as never))
  job.job.fileType = 'f'.repeat(32)
  job.job.cid = 'c'.repeat(128)
  job.job.subject = 's'.repeat(2048)
  job.job.context = '\u{1f600}'.repeat(256)
  job.job.submitterSignature = `0x${'ab'.repeat(65)}`
  t.ok(decodeMessage('jobs', encodeMessage(job)))
})

tap.test('indicator jobs: no key wraps, no CID, UTF-8 context', async t => {
  const indicator = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/', { context: 'Phishing gegen Kunden der Bank in Zürich \u{1f3e6} "quoted" \\' }))
  const bytes = encodeMessage(indicator)
  t.same(decodeMessage('jobs', bytes), indicator)
  t.same(encodeMessage(decodeMessage('jobs', bytes)), bytes, 're-encodes to the same bytes')
  const wrapped = clone(indicator)
  wrapped.job.keyWraps = clone(signedJob.job.keyWraps)
  t.ok(decodeMessage('jobs', encodeMessage(wrapped)), 'wraps on an indicator are schema-valid (validation refuses them)')
})

tap.test('oversize input is rejected before parsing', async t => {
  for (const [topic] of messages) {
    rejects(t, topic, new Uint8Array(MAX_MESSAGE_BYTES[topic] + 1), 'OVERSIZE', `${topic} limit + 1`)
    rejects(t, topic, new Uint8Array(MAX_MESSAGE_BYTES[topic]), 'MALFORMED', `${topic} limit of zero bytes is read, and is not JSON`)
  }
  const padded = new TextDecoder().decode(encodeMessage(complaint)).padEnd(MAX_MESSAGE_BYTES.complaints + 1, ' ')
  rejects(t, 'complaints', utf8(padded), 'OVERSIZE', 'a valid complaint padded past the limit')
  const bigComplaint = structuredClone(complaint) as unknown as { complaint: Record<string, string> }
  bigComplaint.complaint.reason = 'x'.repeat(MAX_MESSAGE_BYTES.complaints)
  t.throws(() => encodeMessage(bigComplaint as unknown as GossipMessage), { code: 'MALFORMED' }, 'the encoder refuses an unknown reason of any size')
  rejects(t, 'verdicts', new Uint8Array(10 * 1024 * 1024).fill(0x5b), 'OVERSIZE', '10 MB of [')
  const huge = clone(reveal)
  ;(huge.verdict.results[0] as { result: string }).result = 'x'.repeat(100_000)
  t.throws(() => encodeMessage(huge), { code: 'MALFORMED' }, 'huge string')
})

tap.test('deep nesting within the size limit is malformed, not a crash', async t => {
  const depth = MAX_MESSAGE_BYTES.jobs / 2 - 1
  rejects(t, 'jobs', utf8('['.repeat(depth) + ']'.repeat(depth)), 'MALFORMED', 'deep arrays')
  rejects(t, 'jobs', utf8('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)), 'MALFORMED', 'deep objects')
})

const b64 = (n: number, fill = 7): string => Buffer.alloc(n, fill).toString('base64')

tap.test('inline blocks: a file job may carry its blocks in canonical base64, within their bounds', async t => {
  const withBlocks = { ...signedJob, blocks: [b64(150), b64(4112)] }
  const bytes = encodeMessage(withBlocks)
  t.same(keys(withBlocks), ['type', 'job', 'signature', 'blocks'], 'the blocks follow the signature')
  t.same(decodeMessage('jobs', bytes), withBlocks, 'round trip')
  t.same(parseMessage('jobs', signedJob), signedJob, 'and a job without them as before')
  t.ok(encodeMessage({ ...signedJob, blocks: [b64(MAX_INLINE_BLOCK_BYTES)] }), 'the bound itself fits')

  const bad: Array<[string, unknown]> = [
    ['no block', []],
    ['too many', Array.from({ length: MAX_INLINE_BLOCKS + 1 }, () => b64(10))],
    ['over the byte bound', [b64(MAX_INLINE_BLOCK_BYTES - 100), b64(101)]],
    ['not a list', b64(10)],
    ['null', null],
    ['a number', [42]],
    ['empty', ['']],
    ['unpadded', [b64(10).replace(/=+$/, '')]],
    ['base64url', ['_-__']],
    ['whitespace', [`${b64(12)}\n`]],
    ['non-zero trailing bits (AB== for AA==)', ['AB==']],
    ['non-zero trailing bits (AAB= for AAA=)', ['AAB=']],
    ['padding inside', ['AA==AAAA']]
  ]
  for (const [name, blocks] of bad) {
    t.throws(() => parseMessage('jobs', { ...signedJob, blocks }), { name: 'GossipValidationError', action: 'reject', code: 'MALFORMED' }, name)
  }
  const indicator = await makeSignedJob(await makeIndicatorJob('domain', 'example.com'))
  t.throws(() => parseMessage('jobs', { ...indicator, blocks: [b64(10)] }), { code: 'MALFORMED' }, 'an indicator job carries no blocks')
  t.throws(() => parseMessage('jobs', { blocks: [b64(10)] }), { code: 'MALFORMED' }, 'blocks without a job')
  t.throws(() => parseMessage('jobs', { ...signedJob, blocks: [b64(10)], extra: 1 }), { code: 'MALFORMED' }, 'and no other key rides along')
  const misordered = utf8(`{"blocks":[${JSON.stringify(b64(10))}],${new TextDecoder().decode(encodeMessage(signedJob)).slice(1)}`)
  rejects(t, 'jobs', misordered, 'MALFORMED', 'blocks first is not the canonical encoding')
  const hugeBlocks = utf8(JSON.stringify({ ...signedJob, blocks: [b64(MAX_MESSAGE_BYTES.jobs)] }))
  rejects(t, 'jobs', hugeBlocks, 'OVERSIZE', 'past the topic bound: refused unread')
})

tap.test('a report carries the signed job alone: inline blocks are no part of it', async t => {
  t.throws(() => parseSignedScanJob({ ...signedJob, blocks: [Buffer.alloc(10).toString('base64')] }), { code: 'MALFORMED' })
  t.same(parseSignedScanJob(signedJob), signedJob)
})
