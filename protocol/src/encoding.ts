/**
 * Canonical JSON encoding of gossip messages, and a strict decoder for bytes from the network.
 *
 * Canonical form = JSON.stringify of the message with keys in schema order: no whitespace, no
 * duplicate keys, integers as plain digits, strings of printable ASCII (so only `\"` and `\\`
 * escapes). The decoder re-encodes what it parsed and rejects any other spelling, so one message
 * has exactly one byte encoding (gossipsub message ids are stable) and nothing unread survives.
 * The schema is checked by hand: exact keys, types, hex lengths, safe integers, string lengths.
 */
import { deepFreeze } from './deep-freeze.ts'
import { GossipValidationError } from './errors.ts'
import { CONTROL_CHARS, MAX_URL_BYTES } from './indicators.ts'
import { parseDeliverySignature } from './delivery-signature.ts'
import { parseRewardsSignature } from './rewards/signature.ts'
import { senderOf } from './job-messages.ts'
import { COMPLAINT_REASONS, ENGINE_CATEGORIES, MAX_ANCHOR_JOBS, MAX_BUNDLE_MESSAGES, MAX_CONTEXT_BYTES, MAX_INLINE_BLOCK_BYTES, MAX_INLINE_BLOCKS, MAX_MESSAGE_BYTES, SAMPLE_KINDS, ZERO_BYTES32 } from './messages.ts'
import type {
  AnchorProposal, JobMessage, MemberBundle, AnchorSignature, Complaint, EquivocationMessage, EngineResult, GossipMessage, GossipTypeMap, Hex, KeyWrap, ReportAttestation, ScanJob, SignedAttestation, SignedCommitment,
  SignedComplaint, ScanJobMessage, SignedScanJob, SignedVerdict, TopicName, TopicOf, Verdict, VerdictCommitment
} from './messages.ts'

export const MAX_ENGINE_RESULTS = 64
export const MAX_KEY_WRAPS = 256
/** the most members a job's block can have (one key wrap each), so the most entries an attestation lists */
export const MAX_ATTESTED_MEMBERS = MAX_KEY_WRAPS
export const MAX_STRING = { subject: MAX_URL_BYTES, fileType: 32, cid: 128, engineVersion: 64, result: 256, method: 64 } as const

export const MESSAGE_TYPE_TOPIC = {
  'scan-job': 'jobs', commitment: 'commits', verdict: 'verdicts', attestation: 'attestations', complaint: 'complaints',
  'anchor-proposal': 'anchors', 'anchor-signature': 'anchors', evidence: 'evidence', 'rewards-signature': 'rewards', 'delivery-signature': 'market',
  bundle: 'bundles'
} as const satisfies { [M in GossipMessage as M['type']]: TopicOf<M> }

const HEX_BYTES = { address: 20, bytes32: 32, sha1: 20, md5: 16, signature: 65, wrappedKey: 60 } as const
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const PRINTABLE = /^[\x20-\x7e]*$/
const ENGINE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/
// '' only in indicator jobs (validation.ts holds each kind to its shape)
const CID = /^[A-Za-z0-9]{0,128}$/
// Empty when an engine has no signature date (e.g. it failed before loading any).
const YYYYMMDD = /^([0-9]{8})?$/

export function topicForMessage<M extends GossipMessage> (msg: M): TopicOf<M> {
  return MESSAGE_TYPE_TOPIC[msg.type] as TopicOf<M>
}

/** Canonical bytes of a message; throws GossipValidationError when the message breaks the schema or the topic's size limit. */
export function encodeMessage (msg: GossipMessage): Uint8Array {
  const topic = topicForMessage(msg)
  const bytes = new TextEncoder().encode(JSON.stringify(parseMessage(topic, msg)))
  checkSize(topic, bytes.length)
  return bytes
}

/** a decode holds no state between calls, so one decoder serves them all */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The topic's message from its canonical bytes, typed by the topic (GossipTypeMap); throws GossipValidationError. */
export function decodeMessage<T extends TopicName> (topic: T, bytes: Uint8Array): GossipTypeMap[T] {
  checkSize(topic, bytes.length)
  let text: string
  let value: unknown
  // junk is refused by the error it raises, whose stack nobody reads (see GossipValidationError)
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    text = UTF8.decode(bytes)
    value = JSON.parse(text)
  } catch (err) {
    throw new GossipValidationError('reject', 'MALFORMED', 'not UTF-8 JSON', { cause: err })
  } finally {
    Error.stackTraceLimit = limit
  }
  const msg = parseMessage(topic, value)
  if (JSON.stringify(msg) !== text) fail('message', 'not in canonical encoding')
  // what came off the wire never changes afterwards, so what is derived from it (its signer) can be remembered
  return deepFreeze(msg)
}

function checkSize (topic: TopicName, length: number): void {
  const max = MAX_MESSAGE_BYTES[topic]
  if (length > max) throw new GossipValidationError('reject', 'OVERSIZE', `message of ${length} bytes exceeds ${max} on ${topic}`)
}

const PARSERS: { [T in TopicName]: (value: unknown) => GossipTypeMap[T] } = {
  jobs: parseScanJobMessage,
  commits: parseSignedCommitment,
  verdicts: parseSignedVerdict,
  attestations: parseSignedAttestation,
  complaints: parseSignedComplaint,
  anchors: (value) => (value as { type?: unknown } | null)?.type === 'anchor-proposal' ? parseAnchorProposal(value) : parseAnchorSignature(value),
  evidence: parseEquivocation,
  rewards: parseRewardsSignature,
  market: parseDeliverySignature,
  bundles: parseMemberBundle
}

/** Validates an untrusted value against the topic's schema and returns a fresh copy in schema key order. */
export function parseMessage<T extends TopicName> (topic: T, value: unknown): GossipTypeMap[T] {
  // own keys only: a topic named 'constructor' or '__proto__' is unknown, not Object's
  if (typeof topic !== 'string' || !Object.hasOwn(PARSERS, topic)) return fail('topic', 'unknown topic')
  const parse: (value: unknown) => GossipTypeMap[T] = PARSERS[topic]
  return parse(value)
}

function parseEquivocation (value: unknown): EquivocationMessage {
  const o = object(value, ['type', 'kind', 'first', 'second'], 'message')
  literal(o.type, 'evidence', 'type')
  switch (o.kind) {
    case 'commitment': return { type: 'evidence', kind: 'commitment', first: parseSignedCommitment(o.first), second: parseSignedCommitment(o.second) }
    case 'verdict': return { type: 'evidence', kind: 'verdict', first: parseSignedVerdict(o.first), second: parseSignedVerdict(o.second) }
    case 'attestation': return { type: 'evidence', kind: 'attestation', first: parseSignedAttestation(o.first), second: parseSignedAttestation(o.second) }
    default: return fail('kind', 'must be commitment, verdict or attestation')
  }
}

/**
 * A member's bundle: every message is a job message of the bundle's member (the schema holds each within its
 * own topic's size limit), so what a bundle carries could have travelled on its own.
 */
function parseMemberBundle (value: unknown): MemberBundle {
  const o = object(value, ['type', 'member', 'messages'], 'message')
  literal(o.type, 'bundle', 'type')
  const member = hex(o.member, HEX_BYTES.address, 'member')
  const messages = array(o.messages, 1, MAX_BUNDLE_MESSAGES, 'messages').map((entry, i): JobMessage => {
    const type = (entry as { type?: unknown } | null)?.type
    if (type !== 'commitment' && type !== 'verdict' && type !== 'attestation' && type !== 'complaint') return fail(`messages[${i}].type`, 'not a job message')
    const topic = MESSAGE_TYPE_TOPIC[type]
    const msg = PARSERS[topic](entry)
    if (senderOf(msg) !== member) fail(`messages[${i}]`, 'sent by another member than the bundle names')
    return msg
  })
  return { type: 'bundle', member, messages }
}

/** A signed job alone, as a report carries it: no inline blocks. */
export function parseSignedScanJob (value: unknown): SignedScanJob {
  const o = object(value, ['type', 'job', 'signature'], 'message')
  literal(o.type, 'scan-job', 'type')
  return { type: 'scan-job', job: parseScanJob(o.job), signature: hex(o.signature, HEX_BYTES.signature, 'signature') }
}

/** A job on the jobs topic: the signed job, and a file's inline blocks when it carries them. */
function parseScanJobMessage (value: unknown): ScanJobMessage {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'blocks')) return parseSignedScanJob(value)
  const { blocks, ...signed } = value as Record<string, unknown>
  const msg = parseSignedScanJob(signed)
  if (msg.job.kind !== 'file') fail('blocks', 'only a file job carries blocks')
  const list = array(blocks, 1, MAX_INLINE_BLOCKS, 'blocks')
  let bytes = 0
  for (const [i, block] of list.entries()) {
    if (typeof block !== 'string' || !CANONICAL_BASE64.test(block)) fail(`blocks[${i}]`, 'not canonical base64')
    bytes += base64Bytes(block)
  }
  if (bytes > MAX_INLINE_BLOCK_BYTES) fail('blocks', `${bytes} bytes inline, more than ${MAX_INLINE_BLOCK_BYTES}`)
  return { ...msg, blocks: list as string[] }
}

/**
 * Padded base64 whose unused trailing bits are zero: one spelling per byte string, so one message has one id.
 * Empty is no block.
 */
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$/

/** the bytes canonical base64 decodes to */
function base64Bytes (text: string): number {
  return text.length / 4 * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0)
}

function parseSignedCommitment (value: unknown): SignedCommitment {
  const o = object(value, ['type', 'commitment', 'signature'], 'message')
  literal(o.type, 'commitment', 'type')
  return { type: 'commitment', commitment: parseCommitment(o.commitment), signature: hex(o.signature, HEX_BYTES.signature, 'signature') }
}

function parseSignedVerdict (value: unknown): SignedVerdict {
  const o = object(value, ['type', 'verdict', 'salt', 'signature'], 'message')
  literal(o.type, 'verdict', 'type')
  return {
    type: 'verdict',
    verdict: parseVerdict(o.verdict),
    salt: hex(o.salt, HEX_BYTES.bytes32, 'salt'),
    signature: hex(o.signature, HEX_BYTES.signature, 'signature')
  }
}

function parseSignedAttestation (value: unknown): SignedAttestation {
  const o = object(value, ['type', 'member', 'attestation', 'signature'], 'message')
  literal(o.type, 'attestation', 'type')
  return {
    type: 'attestation',
    member: hex(o.member, HEX_BYTES.address, 'member'),
    attestation: parseAttestation(o.attestation),
    signature: hex(o.signature, HEX_BYTES.signature, 'signature')
  }
}

function parseAttestation (value: unknown): ReportAttestation {
  const o = object(value, ['jobId', 'committed', 'commitments', 'revealed', 'verdicts'], 'attestation')
  const committed = ascendingAddresses(o.committed, 'attestation.committed')
  const revealed = ascendingAddresses(o.revealed, 'attestation.revealed')
  const commitments = array(o.commitments, committed.length, committed.length, 'attestation.commitments').map(c => hex(c, HEX_BYTES.bytes32, 'attestation.commitments[]'))
  const verdicts = array(o.verdicts, revealed.length, revealed.length, 'attestation.verdicts').map(v => hex(v, HEX_BYTES.bytes32, 'attestation.verdicts[]'))
  const committedSet = new Set(committed)
  if (revealed.some(m => !committedSet.has(m))) fail('attestation.revealed', 'a revealed member without a commitment')
  return { jobId: hex(o.jobId, HEX_BYTES.bytes32, 'attestation.jobId'), committed, commitments, revealed, verdicts }
}

function ascendingAddresses (value: unknown, path: string): Hex[] {
  const list = array(value, 0, MAX_ATTESTED_MEMBERS, path).map(a => hex(a, HEX_BYTES.address, `${path}[]`))
  for (let i = 1; i < list.length; i++) if ((list[i - 1] as Hex) >= (list[i] as Hex)) fail(path, 'not strictly ascending')
  return list
}

function parseSignedComplaint (value: unknown): SignedComplaint {
  const o = object(value, ['type', 'complaint', 'signature'], 'message')
  literal(o.type, 'complaint', 'type')
  return { type: 'complaint', complaint: parseComplaint(o.complaint), signature: hex(o.signature, HEX_BYTES.signature, 'signature') }
}

function parseComplaint (value: unknown): Complaint {
  const o = object(value, ['jobId', 'member', 'reason'], 'complaint')
  return {
    jobId: hex(o.jobId, HEX_BYTES.bytes32, 'complaint.jobId'),
    member: hex(o.member, HEX_BYTES.address, 'complaint.member'),
    reason: oneOf(o.reason, COMPLAINT_REASONS, 'complaint.reason')
  }
}

function parseAnchorProposal (value: unknown): AnchorProposal {
  const o = object(value, ['type', 'epoch', 'proposer', 'jobIds', 'leaves', 'root', 'leafCount', 'signature'], 'message')
  literal(o.type, 'anchor-proposal', 'type')
  const jobIds = array(o.jobIds, 1, MAX_ANCHOR_JOBS, 'jobIds').map(j => hex(j, HEX_BYTES.bytes32, 'jobIds[]'))
  // one leaf per job, in one order: the list is the tree's, and its spelling is the message's one encoding
  for (let i = 1; i < jobIds.length; i++) if ((jobIds[i - 1] as Hex) >= (jobIds[i] as Hex)) fail('jobIds', 'not strictly ascending')
  const leaves = array(o.leaves, 1, MAX_ANCHOR_JOBS, 'leaves').map(l => hex(l, HEX_BYTES.bytes32, 'leaves[]'))
  for (let i = 1; i < leaves.length; i++) if ((leaves[i - 1] as Hex) >= (leaves[i] as Hex)) fail('leaves', 'not strictly ascending')
  const { epoch, root, leafCount } = epochRoot(o)
  if (leafCount !== jobIds.length) fail('leafCount', 'not the number of jobIds')
  if (leafCount !== leaves.length) fail('leaves', 'not one per job')
  return { type: 'anchor-proposal', epoch, proposer: hex(o.proposer, HEX_BYTES.address, 'proposer'), jobIds, leaves, root, leafCount, signature: hex(o.signature, HEX_BYTES.signature, 'signature') }
}

function parseAnchorSignature (value: unknown): AnchorSignature {
  const o = object(value, ['type', 'epoch', 'member', 'root', 'leafCount', 'signature'], 'message')
  literal(o.type, 'anchor-signature', 'type')
  const { epoch, root, leafCount } = epochRoot(o)
  return { type: 'anchor-signature', epoch, member: hex(o.member, HEX_BYTES.address, 'member'), root, leafCount, signature: hex(o.signature, HEX_BYTES.signature, 'signature') }
}

/** An EpochRoot's fields as ReportAnchors takes them: a non-zero root over 1..MAX_ANCHOR_JOBS leaves. */
function epochRoot (o: Record<string, unknown>): { epoch: number, root: Hex, leafCount: number } {
  const root = hex(o.root, HEX_BYTES.bytes32, 'root')
  if (root === ZERO_BYTES32) fail('root', 'zero')
  const leafCount = uint(o.leafCount, 'leafCount')
  if (leafCount < 1 || leafCount > MAX_ANCHOR_JOBS) fail('leafCount', `not in [1, ${MAX_ANCHOR_JOBS}]`)
  return { epoch: uint(o.epoch, 'epoch'), root, leafCount }
}

const SCAN_JOB_KEYS = ['kind', 'subject', 'context', 'sha256', 'sha1', 'md5', 'size', 'fileType', 'cid', 'membershipBlock', 'origin',
  'createdAt', 'commitDeadline', 'revealDeadline', 'ephemeralPublicKey', 'keyWraps', 'submitter', 'submittedAt', 'submitterSignature'] as const

function parseScanJob (value: unknown): ScanJob {
  const o = object(value, SCAN_JOB_KEYS, 'job')
  const kind = oneOf(o.kind, SAMPLE_KINDS, 'job.kind')
  return {
    kind,
    subject: string(o.subject, MAX_STRING.subject, 'job.subject'),
    context: freeText(o.context, 'job.context'),
    sha256: hex(o.sha256, HEX_BYTES.bytes32, 'job.sha256'),
    sha1: hex(o.sha1, HEX_BYTES.sha1, 'job.sha1'),
    md5: hex(o.md5, HEX_BYTES.md5, 'job.md5'),
    size: uint(o.size, 'job.size'),
    fileType: string(o.fileType, MAX_STRING.fileType, 'job.fileType'),
    cid: matching(o.cid, CID, 'job.cid'),
    membershipBlock: uint(o.membershipBlock, 'job.membershipBlock'),
    origin: hex(o.origin, HEX_BYTES.address, 'job.origin'),
    createdAt: uint(o.createdAt, 'job.createdAt'),
    commitDeadline: uint(o.commitDeadline, 'job.commitDeadline'),
    revealDeadline: uint(o.revealDeadline, 'job.revealDeadline'),
    ephemeralPublicKey: hex(o.ephemeralPublicKey, HEX_BYTES.bytes32, 'job.ephemeralPublicKey'),
    // an indicator is public: nothing to wrap
    keyWraps: array(o.keyWraps, kind === 'file' ? 1 : 0, MAX_KEY_WRAPS, 'job.keyWraps').map(parseKeyWrap),
    submitter: hex(o.submitter, HEX_BYTES.address, 'job.submitter'),
    submittedAt: uint(o.submittedAt, 'job.submittedAt'),
    submitterSignature: o.submitterSignature === '0x' ? '0x' : hex(o.submitterSignature, HEX_BYTES.signature, 'job.submitterSignature')
  }
}

function parseKeyWrap (value: unknown): KeyWrap {
  const o = object(value, ['member', 'wrappedKey'], 'job.keyWraps[]')
  return {
    member: hex(o.member, HEX_BYTES.address, 'keyWrap.member'),
    wrappedKey: hex(o.wrappedKey, HEX_BYTES.wrappedKey, 'keyWrap.wrappedKey')
  }
}

function parseCommitment (value: unknown): VerdictCommitment {
  const o = object(value, ['jobId', 'member', 'commitment'], 'commitment')
  return {
    jobId: hex(o.jobId, HEX_BYTES.bytes32, 'commitment.jobId'),
    member: hex(o.member, HEX_BYTES.address, 'commitment.member'),
    commitment: hex(o.commitment, HEX_BYTES.bytes32, 'commitment.commitment')
  }
}

function parseVerdict (value: unknown): Verdict {
  const o = object(value, ['jobId', 'member', 'sha256', 'membershipBlock', 'scannedAt', 'results'], 'verdict')
  const results = array(o.results, 0, MAX_ENGINE_RESULTS, 'verdict.results').map(parseEngineResult)
  // One entry per engine: a report keys results by engine name, so a second entry would be ambiguous.
  if (new Set(results.map(r => r.engine)).size !== results.length) fail('verdict.results', 'duplicate engine')
  return {
    jobId: hex(o.jobId, HEX_BYTES.bytes32, 'verdict.jobId'),
    member: hex(o.member, HEX_BYTES.address, 'verdict.member'),
    sha256: hex(o.sha256, HEX_BYTES.bytes32, 'verdict.sha256'),
    membershipBlock: uint(o.membershipBlock, 'verdict.membershipBlock'),
    scannedAt: uint(o.scannedAt, 'verdict.scannedAt'),
    results
  }
}

function parseEngineResult (value: unknown): EngineResult {
  const o = object(value, ['engine', 'engineVersion', 'engineUpdate', 'category', 'result', 'method'], 'result')
  return {
    engine: matching(o.engine, ENGINE_NAME, 'result.engine'),
    engineVersion: string(o.engineVersion, MAX_STRING.engineVersion, 'result.engineVersion'),
    engineUpdate: matching(o.engineUpdate, YYYYMMDD, 'result.engineUpdate'),
    category: oneOf(o.category, ENGINE_CATEGORIES, 'result.category'),
    result: string(o.result, MAX_STRING.result, 'result.result'),
    method: string(o.method, MAX_STRING.method, 'result.method')
  }
}

function fail (path: string, why: string): never {
  throw new GossipValidationError('reject', 'MALFORMED', `${path}: ${why}`)
}

function object (value: unknown, keys: readonly string[], path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'not an object')
  const own = Object.keys(value)
  if (own.length !== keys.length) fail(path, 'wrong number of keys')
  for (const key of own) {
    // JSON.parse makes "__proto__" an own key; refuse it (and friends) before anything reads it.
    if (FORBIDDEN_KEYS.has(key) || !keys.includes(key)) fail(path, 'unexpected key')
  }
  return value as Record<string, unknown>
}

function array (value: unknown, min: number, max: number, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'not an array')
  if (value.length < min || value.length > max) fail(path, `length not in [${min}, ${max}]`)
  return value
}

function literal (value: unknown, expected: string, path: string): void {
  if (value !== expected) fail(path, `not "${expected}"`)
}

function oneOf<T extends string> (value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(path, 'unknown value')
  return value as T
}

function string (value: unknown, max: number, path: string): string {
  if (typeof value !== 'string') fail(path, 'not a string')
  if (value.length > max) fail(path, `longer than ${max}`)
  if (!PRINTABLE.test(value)) fail(path, 'not printable ASCII')
  return value
}

/**
 * A job's context (the one field that may carry non-ASCII): text a person reads, so well-formed,
 * without control characters, and at most MAX_CONTEXT_BYTES of UTF-8.
 */
export function isContextText (value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_CONTEXT_BYTES && new TextEncoder().encode(value).length <= MAX_CONTEXT_BYTES &&
    value.isWellFormed() && !CONTROL_CHARS.test(value)
}

function freeText (value: unknown, path: string): string {
  if (!isContextText(value)) fail(path, `not text of at most ${MAX_CONTEXT_BYTES} UTF-8 bytes without control characters`)
  return value
}

function matching (value: unknown, pattern: RegExp, path: string): string {
  if (typeof value !== 'string' || value.length > 256 || !pattern.test(value)) fail(path, 'bad format')
  return value
}

function uint (value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(path, 'not a non-negative safe integer')
  return value
}

function hex (value: unknown, bytes: number, path: string): Hex {
  if (typeof value !== 'string' || value.length !== 2 + 2 * bytes || !/^0x[0-9a-f]*$/.test(value)) {
    fail(path, `not ${bytes} bytes of lowercase 0x hex`)
  }
  return value as Hex
}
