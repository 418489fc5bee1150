import tap from 'tap'
import type { Test } from 'tap'
import {
  bundleResult, decodeMessage, encodeMessage, GossipValidationError, MAX_BUNDLE_MESSAGES, MAX_MESSAGE_BYTES, packBundles, signComplaint, topicForMessage
} from '../src/index.ts'
import type { JobMessage, MemberBundle } from '../src/index.ts'
import { CHAIN_ID, makeAttestations, makeReveal, makeSignedJob, member, REGISTRY, result } from './fixtures.ts'

const signedJob = await makeSignedJob()
const made = await Promise.all([0, 1, 2].map(async i => await makeReveal(signedJob.job, member(i), [result('YARA', i === 1 ? 'malicious' : 'undetected', i === 1 ? 'Evil' : '')])))
const [one, two, three] = made as [typeof made[number], typeof made[number], typeof made[number]]
const [attestation] = await makeAttestations(signedJob, made.map(m => m.commit), made.map(m => m.reveal), [member(1)])
const complaint = await signComplaint({ jobId: one.commit.commitment.jobId, member: member(1).address, reason: 'CONTENT_MISMATCH' }, CHAIN_ID, REGISTRY, member(1).wallet)
const ofMember1: JobMessage[] = [two.commit, two.reveal, attestation as JobMessage, complaint]
const bundle: MemberBundle = { type: 'bundle', member: member(1).address, messages: ofMember1 }
const utf8 = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
const ignore = (code: 'DUPLICATE' | 'STALE'): GossipValidationError => new GossipValidationError('ignore', code, code)
const reject = new GossipValidationError('reject', 'BAD_SIGNATURE', 'bad')
const size = (m: JobMessage): number => encodeMessage(m).length

function malformed (t: Test, value: unknown, name: string): void {
  t.throws(() => decodeMessage('bundles', utf8(value)), { name: 'GossipValidationError', action: 'reject', code: 'MALFORMED' }, name)
}

tap.test('a member\'s bundle round-trips on its topic, in the SPEC\'s key order, its messages as they travel alone', async t => {
  const bytes = encodeMessage(bundle)
  t.equal(topicForMessage(bundle), 'bundles')
  t.same(decodeMessage('bundles', bytes), bundle)
  const text = new TextDecoder().decode(bytes)
  t.ok(text.startsWith(`{"type":"bundle","member":"${member(1).address}","messages":[`), text.slice(0, 80))
  for (const msg of ofMember1) t.ok(text.includes(new TextDecoder().decode(encodeMessage(msg))), `${msg.type} is its own canonical bytes inside`)
})

tap.test('hostile bundles are malformed: another member\'s message, no message, too many, a message that is not a job message, a bundle in a bundle', async t => {
  malformed(t, { ...bundle, messages: [two.commit, one.commit] }, 'another member\'s commitment')
  malformed(t, { ...bundle, member: member(2).address }, 'the bundle names another member than its messages')
  malformed(t, { ...bundle, messages: [] }, 'no message')
  malformed(t, { ...bundle, messages: Array.from({ length: MAX_BUNDLE_MESSAGES + 1 }, () => two.commit) }, `${MAX_BUNDLE_MESSAGES + 1} messages`)
  malformed(t, { ...bundle, messages: [signedJob] }, 'a job')
  malformed(t, { ...bundle, messages: [bundle] }, 'a bundle')
  malformed(t, { ...bundle, messages: [{ ...two.commit, type: 'constructor' }] }, 'a prototype key as type')
  malformed(t, { ...bundle, messages: [null] }, 'null')
  malformed(t, { ...bundle, messages: two.commit }, 'not an array')
  malformed(t, { ...bundle, extra: 1 }, 'an extra key')
  malformed(t, { ...bundle, member: member(1).address.toUpperCase() }, 'a member not in lowercase hex')
  const spaced = new TextEncoder().encode(new TextDecoder().decode(encodeMessage(bundle)).replace('"messages":[', '"messages": ['))
  t.throws(() => decodeMessage('bundles', spaced), { code: 'MALFORMED' }, 'a non-canonical spelling')
})

tap.test('a bundle over its topic\'s limit is refused unread', async t => {
  t.throws(() => decodeMessage('bundles', new Uint8Array(MAX_MESSAGE_BYTES.bundles + 1)), { action: 'reject', code: 'OVERSIZE' })
})

tap.test('bundleResult: a reject convicts, any accept forwards, all ignored goes no further', async t => {
  t.doesNotThrow(() => { bundleResult([undefined]) })
  t.doesNotThrow(() => { bundleResult([ignore('DUPLICATE'), undefined, ignore('STALE')]) }, 'one new message among seen ones still travels')
  t.throws(() => { bundleResult([undefined, reject, ignore('STALE')]) }, reject, 'a reject anywhere')
  t.throws(() => { bundleResult([ignore('STALE'), reject]) }, reject, 'a reject after an ignore is still the result')
  t.throws(() => { bundleResult([ignore('DUPLICATE'), ignore('STALE')]) }, { action: 'ignore', code: 'DUPLICATE' }, 're-assembled from seen messages')
  t.throws(() => { bundleResult([]) }, { action: 'reject', code: 'MALFORMED' })
})

tap.test('packBundles keeps the order, starts a new bundle at the count limit, the size limit and another member', async t => {
  const packed = packBundles(ofMember1, ofMember1.map(size))
  t.same(packed, [bundle], 'one member\'s few messages: one bundle')
  t.equal(encodeMessage(bundle).length, 85 + ofMember1.map(size).reduce((a, b) => a + b) + ofMember1.length - 1, 'the packer\'s size is the encoded size')

  const many = Array.from({ length: MAX_BUNDLE_MESSAGES * 2 + 1 }, () => two.commit)
  t.same(packBundles(many, many.map(size)).map(b => b.messages.length), [MAX_BUNDLE_MESSAGES, MAX_BUNDLE_MESSAGES, 1])

  const mixed = [one.commit, one.reveal, two.commit, three.commit, three.reveal]
  t.same(packBundles(mixed, mixed.map(size)).map(b => [b.member, b.messages.length]),
    [[member(0).address, 2], [member(1).address, 1], [member(2).address, 2]], 'a bundle holds one member\'s messages')

  // sizes as a reveal at its topic's limit: four fit under the bundle limit, the fifth starts a new bundle
  const heavy = Array.from({ length: 9 }, () => two.reveal)
  const packedHeavy = packBundles(heavy, heavy.map(() => MAX_MESSAGE_BYTES.verdicts - 100))
  t.same(packedHeavy.map(b => b.messages.length), [4, 4, 1])
  t.same(packBundles([], []), [])
})
