/**
 * The seeded inputs and properties of the protocol's fuzzers (fuzz.slow.test.ts, fuzz-decode-1/2.slow.test.ts):
 * the seed messages of every topic, byte- and field-level mutators, and the properties each input is held to.
 * The decode fuzzing is split over two files so that the suite runs them side by side (tap starts files in
 * path order, and these come last).
 */
import type { Test } from 'tap'
import {
  decodeMessage, encodeMessage, GossipValidationError, leavesRoot, MAX_MESSAGE_BYTES, REPORT_CODES, ReportInvalidError, scanJobId, signAnchorProposal, signAttestation, signCommitment, signComplaint, signEpochRoot, signDelivered, signRewardsRoot, signSubmission, TOPICS, VALIDATION_CODES
} from '../src/index.ts'
import type {
  AnchorProposal, AnchorSignature, AnchorValidationContext, DeliverySignature, DeliverySignatureContext, EquivocationMessage, GossipMessage, Hex, JobMessage, MemberBundle, ReportCode, RewardsSignature, RewardsSignatureContext, TopicName, ValidationCode, ValidationContext
} from '../src/index.ts'
import { CHAIN_ID, makeAttestations, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBERS, NOW, OUTSIDER, REGISTRY, result, SUBMITTER } from './fixtures.ts'

const DECODES_PER_TOPIC = 100_000
export const DECODED_PER_VALIDATOR = 1_500
export const REPORTS_PER_TARGET = 400

/** mulberry32 */
export class Rng {
  #state: number
  constructor (seed: number) { this.#state = seed >>> 0 }
  next (): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int (n: number): number { return Math.floor(this.next() * n) }
  chance (p: number): boolean { return this.next() < p }
  pick<T> (list: readonly T[]): T { return list[this.int(list.length)] as T }
  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
}

// ---------------------------------------------------------------- seeds: valid messages of one job

export const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[]
export const signedJob = await makeSignedJob()
export const { job } = signedJob
export const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
export const indicatorJob = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/login'))
const submission = { kind: 'file' as const, sha256: job.sha256, context: 'from my inbox \u{1f4e7}', submittedAt: NOW - 1000 }
export const namedJob = await makeSignedJob({
  context: submission.context, submittedAt: submission.submittedAt, submitter: SUBMITTER.address,
  submitterSignature: await signSubmission(submission, CHAIN_ID, REGISTRY, SUBMITTER.wallet)
})
const opened = await Promise.all(MEMBERS.map((m, i) => makeReveal(job, m, [
  result('YARA', i === 2 ? 'malicious' : 'undetected', i === 2 ? 'Evil' : ''), ...(i < 3 ? [result('ClamAV', 'undetected')] : [])
], NOW + 20_000 + i)))
export const commits = opened.map(o => o.commit)
export const reveals = opened.map(o => o.reveal)
export const attestations = await makeAttestations(signedJob, commits, reveals, MEMBERS)
// member 0 equivocating: a second commitment, and an attestation to other content
const evidence: EquivocationMessage[] = [
  { type: 'evidence', kind: 'commitment', first: commits[0]!, second: await signCommitment({ ...commits[0]!.commitment, commitment: `0x${'5e'.repeat(32)}` }, CHAIN_ID, REGISTRY, member(0).wallet) },
  { type: 'evidence', kind: 'attestation', first: attestations[0]!, second: await signAttestation({ ...attestations[0]!.attestation, revealed: [], verdicts: [] }, CHAIN_ID, REGISTRY, member(0).wallet) }
]
export const complaints = await Promise.all(MEMBERS.map((m, i) => signComplaint({ jobId, member: m.address, reason: i % 2 === 0 ? 'UNWRAP_FAILED' : 'CONTENT_MISMATCH' },
  CHAIN_ID, REGISTRY, m.wallet)))
export const foreignJob = await makeSignedJob({ size: 99 })
export const foreign = await makeReveal(foreignJob.job, member(3), [result('YARA', 'harmless')])

// epoch 10 of one block: over at the contexts' followed block 12, its first block one the members hold
const leaves = [`0x${'3c'.repeat(32)}`, `0x${'4d'.repeat(32)}`] as Hex[]
export const proposed = { epoch: 10, root: leavesRoot(leaves), leafCount: 2, jobIds: [jobId, scanJobId(foreignJob.job, CHAIN_ID, REGISTRY)].toSorted() }
export const proposal: AnchorProposal = { type: 'anchor-proposal', epoch: 10, proposer: member(1).address, jobIds: proposed.jobIds, leaves, root: proposed.root, leafCount: 2,
  signature: await signAnchorProposal(proposed, CHAIN_ID, REGISTRY, member(1).wallet) }
const anchorSignatures = await Promise.all(MEMBERS.map(async (m): Promise<AnchorSignature> =>
  ({ type: 'anchor-signature', epoch: 10, member: m.address, root: proposed.root, leafCount: 2, signature: await signEpochRoot(proposed, CHAIN_ID, REGISTRY, m.wallet) })))
export const anchorContext = (c: ValidationContext): AnchorValidationContext => ({
  chainId: c.chainId, registry: c.registry, followedBlock: c.followedBlock, isMemberAt: c.isMemberAt, epochBlocks: 1, isAnchored: () => false
})

// epoch 10's rewards root, signed by every member; payable and not posted in the accepting context
export const rewardsRoot = { epoch: 10, root: `0x${'6e'.repeat(32)}` as Hex, total: 123n * 10n ** 18n }
export const rewardsSignatures = await Promise.all(MEMBERS.map(async (m): Promise<RewardsSignature> =>
  ({ type: 'rewards-signature', epoch: 10, member: m.address, root: rewardsRoot.root, total: rewardsRoot.total.toString(), signature: await signRewardsRoot(rewardsRoot, CHAIN_ID, REGISTRY, m.wallet) })))
export const rewardsContext = (c: ValidationContext): RewardsSignatureContext => ({
  chainId: c.chainId, registry: c.registry, latestPayable: 10, isPosted: () => false, isMemberAt: (m) => c.isMemberAt(m, c.followedBlock)
})

// order 7 of a market, delivered by every member; open and confirmed in the accepting context
export const MARKET = `0x${'4d'.repeat(20)}` as Hex
export const deliveries = await Promise.all(MEMBERS.map(async (m, i): Promise<DeliverySignature> => {
  const delivered = { market: MARKET, orderId: 7n, wrapHash: `0x${(i + 10).toString(16).repeat(64)}` as Hex }
  return { type: 'delivery-signature', market: MARKET, orderId: '7', member: m.address, wrapHash: delivered.wrapHash, signature: await signDelivered(delivered, CHAIN_ID, REGISTRY, m.wallet) }
}))
export const deliveryContext = (c: ValidationContext): DeliverySignatureContext => ({
  chainId: c.chainId, registry: c.registry, market: MARKET, order: (id) => id === 7n ? { block: c.followedBlock, deadline: c.followedBlock + 10 } : undefined,
  isClosed: () => false, isMemberAt: c.isMemberAt, has: () => false
})

export const SEEDS: Record<TopicName, GossipMessage[]> = {
  jobs: [signedJob, indicatorJob, namedJob],
  commits,
  verdicts: reveals,
  attestations,
  complaints,
  anchors: [proposal, ...anchorSignatures],
  evidence,
  rewards: rewardsSignatures,
  market: deliveries,
  // each member's commitment, reveal and attestation together, as a busy member publishes them
  bundles: MEMBERS.map((m, i): MemberBundle => ({ type: 'bundle', member: m.address, messages: [commits[i], reveals[i], attestations[i]] as JobMessage[] }))
}
export const SEED_BYTES = Object.fromEntries(TOPIC_NAMES.map(t => [t, SEEDS[t].map(encodeMessage)])) as Record<TopicName, Uint8Array[]>
const ALL_SEED_BYTES = Object.values(SEED_BYTES).flat()
export const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder()

// ---------------------------------------------------------------- JSON trees that can hold what JSON.parse cannot give back

/** A JSON text fragment written as is (numbers such as 1e400 or -0, escapes, deep nesting). */
class Raw {
  readonly text: string
  constructor (text: string) { this.text = text }
}
/** An object as its list of entries, so it may hold duplicate keys and keys in any order. */
class Obj {
  readonly entries: Array<[string, Tree]>
  constructor (entries: Array<[string, Tree]>) { this.entries = entries }
}
type Tree = null | boolean | number | string | Raw | Obj | Tree[]

function toTree (value: unknown): Tree {
  if (Array.isArray(value)) return value.map(toTree)
  if (typeof value === 'object' && value !== null) return new Obj(Object.entries(value).map(([k, v]) => [k, toTree(v)]))
  return value as Tree
}

function serialize (tree: Tree): string {
  if (tree instanceof Raw) return tree.text
  if (tree instanceof Obj) return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`
  if (Array.isArray(tree)) return `[${tree.map(serialize).join(',')}]`
  return JSON.stringify(tree)
}

/** Every array and object in a tree, to pick one to mutate. */
function containers (tree: Tree, out: Array<Obj | Tree[]> = []): Array<Obj | Tree[]> {
  if (tree instanceof Obj) { out.push(tree); for (const [, v] of tree.entries) containers(v, out) }
  if (Array.isArray(tree)) { out.push(tree); for (const v of tree) containers(v, out) }
  return out
}

const HOSTILE_NUMBERS = ['1e400', '-1e400', '-0', '0.0', '1.0', '1.5', '-1', '9007199254740992', '9007199254740993', '1e21', '123456789012345678901234567890',
  '01', '0x10', '1E3', '.5', '+1', 'NaN', 'Infinity']
const HOSTILE_STRINGS = ['', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'scan-job', 'commitment', 'verdict', 'attestation',
  'complaint', 'UNWRAP_FAILED', 'malicious', 'YARA', 'ClamAV', 'x'.repeat(3000), '\u0000', '\u007f', '\u0085', '\u2028', 'ü', '\u{1f600}', '\ufeff',
  '0x', '0X' + 'AB'.repeat(20), '1', 'null']
const HOSTILE_ESCAPES = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\u0041"', '"\\/"', '"\\n"', '"a\\tb"', '"\\x41"', '"\\u00"', '"\u0001"']
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'type', 'job', 'signature', 'member', 'jobId', '', 'extra', 'valueOf']

function hostileTree (rng: Rng, copyFrom: Array<Obj | Tree[]>): Tree {
  switch (rng.int(10)) {
    case 0: return new Raw(rng.pick(HOSTILE_NUMBERS))
    case 1: return rng.pick(HOSTILE_STRINGS)
    case 2: return new Raw(rng.pick(HOSTILE_ESCAPES))
    case 3: return rng.pick([null, true, false, 0, Number.MAX_SAFE_INTEGER, [], new Obj([])])
    case 4: { const d = 1 + rng.int(rng.chance(0.1) ? 20_000 : 50); return new Raw('['.repeat(d) + ']'.repeat(d)) }
    case 5: { const d = 1 + rng.int(2000); return new Raw('{"a":'.repeat(d) + '1' + '}'.repeat(d)) }
    case 6: return new Obj([[rng.pick(HOSTILE_KEYS), toTree({ polluted: true })]])
    case 7: return Array.from({ length: rng.pick([257, 65, 300]) }, () => 'x')
    case 8: return structuredCloneTree(rng.pick(copyFrom))
    default: return String.fromCharCode(...Array.from({ length: rng.int(40) }, () => rng.int(0x10000)))
  }
}

function structuredCloneTree (tree: Tree): Tree {
  if (tree instanceof Obj) return new Obj(tree.entries.map(([k, v]) => [k, structuredCloneTree(v)]))
  if (Array.isArray(tree)) return tree.map(structuredCloneTree)
  return tree
}

/** One structural mutation of a JSON text: a value replaced, a key dropped, added, duplicated or moved, an array reshaped. */
export function mutateJsonText (rng: Rng, source: string): string {
  const tree = toTree(JSON.parse(source))
  const all = containers(tree)
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const target = rng.pick(all)
    if (target instanceof Obj) {
      const { entries } = target
      const i = rng.int(Math.max(1, entries.length))
      switch (rng.int(6)) {
        case 0: if (entries.length > 0) (entries[i] as [string, Tree])[1] = hostileTree(rng, all); break
        case 1: entries.splice(i, 1); break
        case 2: entries.splice(i, 0, [rng.pick(HOSTILE_KEYS), hostileTree(rng, all)]); break
        case 3: if (entries.length > 0) entries.splice(rng.int(entries.length + 1), 0, [...entries[i] as [string, Tree]]); break
        case 4: if (entries.length > 1) entries.push(...entries.splice(i, 1)); break
        default: if (entries.length > 0) entries[i] = [rng.pick(HOSTILE_KEYS), (entries[i] as [string, Tree])[1]]
      }
    } else {
      const i = rng.int(Math.max(1, target.length))
      switch (rng.int(5)) {
        case 0: if (target.length > 0) target[i] = hostileTree(rng, all); break
        case 1: target.splice(i, 1); break
        case 2: if (target.length > 0) target.splice(rng.int(target.length + 1), 0, structuredCloneTree(target[i] as Tree)); break
        case 3: target.reverse(); break
        default: target.push(hostileTree(rng, all))
      }
    }
  }
  return serialize(tree)
}

// ---------------------------------------------------------------- byte-level mutations

const HEX_DIGITS = '0123456789abcdef'
const UNICODE_SNIPPETS = [[0xef, 0xbb, 0xbf], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3, 0xbc], [0xe2, 0x80, 0xa8],
  [0xf0, 0x9f, 0x98, 0x80], [0x00], [0xff], [0xc3], [0x5c, 0x75, 0x30, 0x30, 0x34, 0x31]].map(b => Uint8Array.from(b))

function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** One nibble of a hex string changed: the mutant usually still decodes, so it reaches the validators. */
function mutateHexDigit (rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  for (let tries = 0; tries < 16; tries++) {
    const i = rng.int(out.length)
    const c = String.fromCharCode(out[i] as number)
    if (/[0-9a-f]/.test(c) && i > 1 && !(out[i - 1] === 0x30 && out[i] === 0x78)) {
      out[i] = HEX_DIGITS.charCodeAt((HEX_DIGITS.indexOf(c) + 1 + rng.int(15)) % 16)
      return out
    }
  }
  return out
}

export function mutateBytes (rng: Rng, seed: Uint8Array, max: number): Uint8Array {
  const at = (): number => rng.int(seed.length + 1)
  switch (rng.int(12)) {
    // past the limit: the seed padded with spaces, refused unread (its content does not matter)
    case 0: return rng.chance(0.05) ? concatBytes(seed, new Uint8Array(Math.max(0, max + 1 - seed.length) + rng.int(64)).fill(0x20)) : rng.bytes(rng.int(80))
    case 1: return seed.subarray(0, rng.int(seed.length))
    case 2: { const out = seed.slice(); for (let n = 1 + rng.int(4); n > 0; n--) { const i = rng.int(out.length); out[i] = (out[i] as number) ^ (1 << rng.int(8)) } return out }
    case 3: { const out = seed.slice(); for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)] = rng.int(256); return out }
    case 4: return mutateHexDigit(rng, seed)
    case 5: { const i = at(); return concatBytes(seed.subarray(0, i), rng.bytes(1 + rng.int(8)), seed.subarray(i)) }
    case 6: { const i = at(); return concatBytes(seed.subarray(0, i), seed.subarray(Math.min(seed.length, i + 1 + rng.int(32)))) }
    case 7: { const i = at(); const j = Math.min(seed.length, i + rng.int(64)); return concatBytes(seed.subarray(0, j), seed.subarray(i)) }
    case 8: { const other = rng.pick(ALL_SEED_BYTES); return concatBytes(seed.subarray(0, at()), other.subarray(rng.int(other.length))) }
    case 9: { const i = at(); return concatBytes(seed.subarray(0, i), rng.pick(UNICODE_SNIPPETS), seed.subarray(i)) }
    case 10: return utf8.encode(mutateJsonText(rng, utf8Decoder.decode(seed)))
    default: return pathological(rng, max)
  }
}

/** Mostly small, sometimes up to the topic's limit: the size check comes first, so large ones cost the parser most. */
function pathological (rng: Rng, max: number): Uint8Array {
  const d = 1 + rng.int(rng.chance(0.05) ? max : 2000)
  switch (rng.int(6)) {
    case 0: return utf8.encode('['.repeat(Math.min(d, max / 2)) + ']'.repeat(Math.min(d, max / 2)))
    case 1: return utf8.encode('['.repeat(d))
    case 2: { const n = Math.min(d, 4000); return utf8.encode('{"type":'.repeat(n) + '1' + '}'.repeat(n)) }
    case 3: return utf8.encode(`"${'a'.repeat(d)}`)
    case 4: return utf8.encode(`[${'1e400,'.repeat(Math.min(d, max / 7))}0]`)
    default: return utf8.encode(`{"type":"${'\\u0000'.repeat(Math.min(d, max / 8))}"}`)
  }
}

// ---------------------------------------------------------------- field-level mutations that keep the schema

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export const HEX_POOL: Record<number, string[]> = {}
for (const value of [
  ...MEMBERS.map(m => m.address), OUTSIDER.address, SUBMITTER.address, `0x${'00'.repeat(20)}`, jobId, scanJobId(indicatorJob.job, CHAIN_ID, REGISTRY),
  scanJobId(foreignJob.job, CHAIN_ID, REGISTRY), `0x${'00'.repeat(32)}`, job.sha256, ...commits.map(c => c.commitment.commitment), ...reveals.map(r => r.salt),
  ...[...commits, ...reveals, ...attestations].map(m => m.signature), foreign.commit.signature
]) (HEX_POOL[value.length] ??= []).push(value)
export const TIMES = [0, 1, NOW - 1, NOW, NOW + 1, job.commitDeadline - 1, job.commitDeadline, job.commitDeadline + 1, job.revealDeadline, job.revealDeadline + 1,
  NOW + 300_001, NOW + 86_400_000, Number.MAX_SAFE_INTEGER, 9, 10, 11, 13, 4, 99]
const STRINGS = ['', 'YARA', 'ClamAV', 'clamav', 'x', 'Fake', 'constructor', 'toString', 'malicious', 'undetected', 'timeout', 'harmless', 'file', 'url', 'domain',
  'UNWRAP_FAILED', 'CONTENT_MISMATCH', '20261101', '1.0.0', 'http://example.com/login', 'http://EXAMPLE.com/login', 'example.com', 'text', 'bafkre',
  'e'.repeat(64), 'r'.repeat(256)]

function mutateSignature (rng: Rng, signature: string): string {
  const v = rng.pick(['00', '01', '1b', '1c', '3b', '3c', 'ff', '25', '26'])
  return rng.chance(0.5) ? `${signature.slice(0, 130)}${v}` : `${signature.slice(0, 66)}${'f'.repeat(2)}${signature.slice(68)}`
}

/** Numbers no field takes: negative, fractional, unsafe, infinite (JSON.parse reads 1e400 as Infinity). */
const BAD_NUMBERS = [-1, -0, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]

export function mutateLeaf (rng: Rng, value: Json): Json {
  if (typeof value === 'number') return rng.chance(0.1) ? rng.pick(BAD_NUMBERS) : rng.chance(0.7) ? rng.pick(TIMES) : value + rng.pick([-1, 1, -1000, 1000, 60_000])
  if (typeof value !== 'string') return value
  if (/^0x([0-9a-f]{2})+$/.test(value)) {
    if (value.length === 132 && rng.chance(0.3)) return mutateSignature(rng, value)
    const pool = HEX_POOL[value.length]
    if (pool !== undefined && rng.chance(0.5)) return rng.pick(pool)
    const i = 2 + rng.int(value.length - 2)
    return value.slice(0, i) + HEX_DIGITS[(HEX_DIGITS.indexOf(value[i] as string) + 1 + rng.int(15)) % 16] + value.slice(i + 1)
  }
  return rng.pick(STRINGS)
}

/** A copy of the value with one to three leaves or arrays changed in ways the schema may still accept. */
export function mutateFields (rng: Rng, value: unknown, splice: readonly unknown[] = []): unknown {
  const root = structuredClone(value) as Json
  const slots: Array<{ parent: Json[] | Record<string, Json>, key: string | number }> = []
  const walk = (node: Json): void => {
    if (Array.isArray(node)) node.forEach((v, i) => { slots.push({ parent: node, key: i }); walk(v) })
    else if (typeof node === 'object' && node !== null) for (const [k, v] of Object.entries(node)) { slots.push({ parent: node, key: k }); walk(v) }
  }
  walk(root)
  for (let n = 1 + rng.int(3); n > 0 && slots.length > 0; n--) {
    const { parent, key } = rng.pick(slots)
    const current = (parent as Record<string | number, Json>)[key] as Json
    if (Array.isArray(current) && rng.chance(0.6)) {
      const i = rng.int(Math.max(1, current.length))
      switch (rng.int(5)) {
        case 0: current.splice(i, 1); break
        case 1: if (current.length > 0) current.splice(i, 0, structuredClone(current[i] as Json)); break
        case 2: current.reverse(); break
        case 3: current.length = 0; break
        default: if (splice.length > 0) current.splice(i, 1, structuredClone(rng.pick(splice)) as Json)
      }
    } else if (splice.length > 0 && typeof current === 'object' && current !== null && rng.chance(0.2)) {
      (parent as Record<string | number, Json>)[key] = structuredClone(rng.pick(splice)) as Json
    } else {
      (parent as Record<string | number, Json>)[key] = mutateLeaf(rng, current)
    }
  }
  return root
}

// ---------------------------------------------------------------- properties

export interface Tally { inputs: number, failures: string[] }
export const tally = (): Tally => ({ inputs: 0, failures: [] })
export const note = (t: Tally, what: string): void => { if (t.failures.length < 10) t.failures.push(what) }

export function gossipError (err: unknown): boolean {
  return err instanceof GossipValidationError && err.name === 'GossipValidationError' && (VALIDATION_CODES as readonly ValidationCode[]).includes(err.code) &&
    (err.action === 'reject' || err.action === 'ignore')
}

export function reportError (err: unknown): err is ReportInvalidError {
  return err instanceof ReportInvalidError && err.name === 'ReportInvalidError' && (REPORT_CODES as readonly ReportCode[]).includes(err.code)
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
export const describe = (err: unknown): string => (err instanceof Error ? `${err.name} ${(err as { code?: string }).code ?? ''} ${err.message.slice(0, 120)}` : String(err))
export const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).join()

/** decodeMessage either throws a GossipValidationError or returns a message of the topic that re-encodes to the input. */
export function decodeChecked (t: Tally, topic: TopicName, bytes: Uint8Array, label: string): GossipMessage | undefined {
  let msg: GossipMessage
  try {
    msg = decodeMessage(topic, bytes)
  } catch (err) {
    if (!gossipError(err)) note(t, `${label}: ${describe(err)}`)
    return undefined
  }
  if (topicOfType[msg.type] !== topic) note(t, `${label}: decoded a ${msg.type} on ${topic}`)
  else if (!sameBytes(encodeMessage(msg), bytes)) note(t, `${label}: decoded bytes that do not re-encode to themselves`)
  return msg
}
const topicOfType: Record<GossipMessage['type'], TopicName> = {
  'scan-job': 'jobs', commitment: 'commits', verdict: 'verdicts', attestation: 'attestations', complaint: 'complaints', 'anchor-proposal': 'anchors', 'anchor-signature': 'anchors', evidence: 'evidence',
  'rewards-signature': 'rewards', 'delivery-signature': 'market', bundle: 'bundles'
}

/** decodeMessage on each of `topics`: DECODES_PER_TOPIC inputs a topic, seeded by the topic's place in TOPIC_NAMES */
export async function fuzzDecode (t: Test, topics: readonly TopicName[]): Promise<void> {
  for (const topic of topics) {
    const rng = new Rng(0xdec0de + TOPIC_NAMES.indexOf(topic))
    const seen = tally()
    let decoded = 0
    for (let i = 0; i < DECODES_PER_TOPIC; i++) {
      const seeds = rng.chance(0.8) ? SEED_BYTES[topic] : ALL_SEED_BYTES
      const bytes = mutateBytes(rng, rng.pick(seeds), MAX_MESSAGE_BYTES[topic])
      seen.inputs++
      if (decodeChecked(seen, topic, bytes, `${topic} #${i}`) !== undefined) decoded++
    }
    t.equal(seen.inputs, DECODES_PER_TOPIC, `${topic}: inputs`)
    t.same(seen.failures, [], `${topic}: ${decoded} of ${seen.inputs} decoded`)
  }
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), prototypeBefore, 'Object.prototype untouched')
}
