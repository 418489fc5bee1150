/**
 * Seeded fuzzing of everything that reads what the network or a serving node sends: decodeMessage on
 * every topic, the five validators, deriveReport and checkReport. A small PRNG (mulberry32, no
 * dependency) makes every run feed the same inputs, so a failure reproduces from its target and index.
 *
 * Properties: nothing throws anything but GossipValidationError / ReportInvalidError with a code of the
 * closed union; whatever decodes re-encodes to the same bytes; a mutated message never validates (so it
 * never verifies as its signer, nor as anyone else); a report that checks against the chain has the
 * honest report's content and only its attestations. A hang fails the file by tap's timeout.
 *
 * Inputs per target (hostile: random bytes, truncated and mutated encodings, deep nesting, huge and
 * malformed numbers, unicode, duplicate and prototype keys, type confusion, field-level mutations that
 * keep the schema, other jobs' messages spliced in, signatures re-spelled):
 * - decodeMessage, each of the 5 topics: 100,000 (DECODES_PER_TOPIC).
 * - validateScanJob, validateCommitment, validateVerdict, validateAttestation, validateComplaint: 1,500
 *   decoded mutants each (DECODED_PER_VALIDATOR), three in four in a context where the seeds validate.
 *   Most reach signature recovery (about 2 ms on this machine), so 100,000 would take minutes per target.
 * - checkReport and deriveReport: 400 mutated reports each (REPORTS_PER_TARGET): a report carries about
 *   ten signatures, up to 25 ms per input.
 * `time npx tap protocol/test/fuzz.slow.test.ts` on the shared 2-core machine: 40-53 s (decode about 12-15 s,
 * each validator 2-6 s, each report target 4-8 s of CPU).
 */
import tap from 'tap'
import {
  bundledOutcome, bundleResult, checkReport, decodeMessage, deriveReport, encodeMessage, GossipValidationError, leavesRoot, MESSAGE_TYPE_TOPIC, MAX_MESSAGE_BYTES, REPORT_CODES, ReportInvalidError, scanJobId,
  signAnchorProposal, signAttestation, signCommitment, signComplaint, signEpochRoot, signDelivered, signRewardsRoot, signSubmission, TOPICS, validateAnchorProposal, validateAnchorSignature, validateAttestation,
  validateCommitment, validateComplaint, validateDeliverySignature, validateEquivocation, validateRewardsSignature, validateScanJob, validateVerdict, VALIDATION_CODES
} from '../src/index.ts'
import type {
  AnchorProposal, AnchorSignature, AnchorValidationContext, DeliverySignature, DeliverySignatureContext, DeriveReportInput, EquivocationMessage, GossipMessage, Hex, JobMessage, MemberBundle, Report, ReportCode, RewardsSignature, RewardsSignatureContext, TopicName,
  ValidationCode, ValidationContext
} from '../src/index.ts'
import {
  CHAIN_ID, makeAttestations, makeContext, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBERS, NOW, OUTSIDER, REGISTRATIONS, REGISTRY,
  reportSignatures, result, SUBMITTER
} from './fixtures.ts'

const DECODES_PER_TOPIC = 100_000
const DECODED_PER_VALIDATOR = 1_500
const REPORTS_PER_TARGET = 400

/** mulberry32 */
class Rng {
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

const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[]
const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const indicatorJob = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/login'))
const submission = { kind: 'file' as const, sha256: job.sha256, context: 'from my inbox \u{1f4e7}', submittedAt: NOW - 1000 }
const namedJob = await makeSignedJob({
  context: submission.context, submittedAt: submission.submittedAt, submitter: SUBMITTER.address,
  submitterSignature: await signSubmission(submission, CHAIN_ID, REGISTRY, SUBMITTER.wallet)
})
const opened = await Promise.all(MEMBERS.map((m, i) => makeReveal(job, m, [
  result('YARA', i === 2 ? 'malicious' : 'undetected', i === 2 ? 'Evil' : ''), ...(i < 3 ? [result('ClamAV', 'undetected')] : [])
], NOW + 20_000 + i)))
const commits = opened.map(o => o.commit)
const reveals = opened.map(o => o.reveal)
const attestations = await makeAttestations(signedJob, commits, reveals, MEMBERS)
// member 0 equivocating: a second commitment, and an attestation to other content
const evidence: EquivocationMessage[] = [
  { type: 'evidence', kind: 'commitment', first: commits[0]!, second: await signCommitment({ ...commits[0]!.commitment, commitment: `0x${'5e'.repeat(32)}` }, CHAIN_ID, REGISTRY, member(0).wallet) },
  { type: 'evidence', kind: 'attestation', first: attestations[0]!, second: await signAttestation({ ...attestations[0]!.attestation, revealed: [], verdicts: [] }, CHAIN_ID, REGISTRY, member(0).wallet) }
]
const complaints = await Promise.all(MEMBERS.map((m, i) => signComplaint({ jobId, member: m.address, reason: i % 2 === 0 ? 'UNWRAP_FAILED' : 'CONTENT_MISMATCH' },
  CHAIN_ID, REGISTRY, m.wallet)))
const foreignJob = await makeSignedJob({ size: 99 })
const foreign = await makeReveal(foreignJob.job, member(3), [result('YARA', 'harmless')])

// epoch 10 of one block: over at the contexts' followed block 12, its first block one the members hold
const leaves = [`0x${'3c'.repeat(32)}`, `0x${'4d'.repeat(32)}`] as Hex[]
const proposed = { epoch: 10, root: leavesRoot(leaves), leafCount: 2, jobIds: [jobId, scanJobId(foreignJob.job, CHAIN_ID, REGISTRY)].toSorted() }
const proposal: AnchorProposal = { type: 'anchor-proposal', epoch: 10, proposer: member(1).address, jobIds: proposed.jobIds, leaves, root: proposed.root, leafCount: 2,
  signature: await signAnchorProposal(proposed, CHAIN_ID, REGISTRY, member(1).wallet) }
const anchorSignatures = await Promise.all(MEMBERS.map(async (m): Promise<AnchorSignature> =>
  ({ type: 'anchor-signature', epoch: 10, member: m.address, root: proposed.root, leafCount: 2, signature: await signEpochRoot(proposed, CHAIN_ID, REGISTRY, m.wallet) })))
const anchorContext = (c: ValidationContext): AnchorValidationContext => ({
  chainId: c.chainId, registry: c.registry, followedBlock: c.followedBlock, isMemberAt: c.isMemberAt, epochBlocks: 1, isAnchored: () => false
})

// epoch 10's rewards root, signed by every member; payable and not posted in the accepting context
const rewardsRoot = { epoch: 10, root: `0x${'6e'.repeat(32)}` as Hex, total: 123n * 10n ** 18n }
const rewardsSignatures = await Promise.all(MEMBERS.map(async (m): Promise<RewardsSignature> =>
  ({ type: 'rewards-signature', epoch: 10, member: m.address, root: rewardsRoot.root, total: rewardsRoot.total.toString(), signature: await signRewardsRoot(rewardsRoot, CHAIN_ID, REGISTRY, m.wallet) })))
const rewardsContext = (c: ValidationContext): RewardsSignatureContext => ({
  chainId: c.chainId, registry: c.registry, latestPayable: 10, isPosted: () => false, isMemberAt: (m) => c.isMemberAt(m, c.followedBlock)
})

// order 7 of a market, delivered by every member; open and confirmed in the accepting context
const MARKET = `0x${'4d'.repeat(20)}` as Hex
const deliveries = await Promise.all(MEMBERS.map(async (m, i): Promise<DeliverySignature> => {
  const delivered = { market: MARKET, orderId: 7n, wrapHash: `0x${(i + 10).toString(16).repeat(64)}` as Hex }
  return { type: 'delivery-signature', market: MARKET, orderId: '7', member: m.address, wrapHash: delivered.wrapHash, signature: await signDelivered(delivered, CHAIN_ID, REGISTRY, m.wallet) }
}))
const deliveryContext = (c: ValidationContext): DeliverySignatureContext => ({
  chainId: c.chainId, registry: c.registry, market: MARKET, order: (id) => id === 7n ? { block: c.followedBlock, deadline: c.followedBlock + 10 } : undefined,
  isClosed: () => false, isMemberAt: c.isMemberAt, has: () => false
})

const SEEDS: Record<TopicName, GossipMessage[]> = {
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
const SEED_BYTES = Object.fromEntries(TOPIC_NAMES.map(t => [t, SEEDS[t].map(encodeMessage)])) as Record<TopicName, Uint8Array[]>
const ALL_SEED_BYTES = Object.values(SEED_BYTES).flat()
const utf8 = new TextEncoder()
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
function mutateJsonText (rng: Rng, source: string): string {
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

function mutateBytes (rng: Rng, seed: Uint8Array, max: number): Uint8Array {
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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
const HEX_POOL: Record<number, string[]> = {}
for (const value of [
  ...MEMBERS.map(m => m.address), OUTSIDER.address, SUBMITTER.address, `0x${'00'.repeat(20)}`, jobId, scanJobId(indicatorJob.job, CHAIN_ID, REGISTRY),
  scanJobId(foreignJob.job, CHAIN_ID, REGISTRY), `0x${'00'.repeat(32)}`, job.sha256, ...commits.map(c => c.commitment.commitment), ...reveals.map(r => r.salt),
  ...[...commits, ...reveals, ...attestations].map(m => m.signature), foreign.commit.signature
]) (HEX_POOL[value.length] ??= []).push(value)
const TIMES = [0, 1, NOW - 1, NOW, NOW + 1, job.commitDeadline - 1, job.commitDeadline, job.commitDeadline + 1, job.revealDeadline, job.revealDeadline + 1,
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

function mutateLeaf (rng: Rng, value: Json): Json {
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
function mutateFields (rng: Rng, value: unknown, splice: readonly unknown[] = []): unknown {
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

interface Tally { inputs: number, failures: string[] }
const tally = (): Tally => ({ inputs: 0, failures: [] })
const note = (t: Tally, what: string): void => { if (t.failures.length < 10) t.failures.push(what) }

function gossipError (err: unknown): boolean {
  return err instanceof GossipValidationError && err.name === 'GossipValidationError' && (VALIDATION_CODES as readonly ValidationCode[]).includes(err.code) &&
    (err.action === 'reject' || err.action === 'ignore')
}

function reportError (err: unknown): err is ReportInvalidError {
  return err instanceof ReportInvalidError && err.name === 'ReportInvalidError' && (REPORT_CODES as readonly ReportCode[]).includes(err.code)
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
const describe = (err: unknown): string => (err instanceof Error ? `${err.name} ${(err as { code?: string }).code ?? ''} ${err.message.slice(0, 120)}` : String(err))
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).join()

/** decodeMessage either throws a GossipValidationError or returns a message of the topic that re-encodes to the input. */
function decodeChecked (t: Tally, topic: TopicName, bytes: Uint8Array, label: string): GossipMessage | undefined {
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

tap.test('decodeMessage, every topic: only GossipValidationError, and what decodes is canonical', async t => {
  for (const [index, topic] of TOPIC_NAMES.entries()) {
    const rng = new Rng(0xdec0de + index)
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
})

// ---------------------------------------------------------------- validators

/** The contexts in which every seed of the topic validates. */
const revealTime = job.commitDeadline + 1000
const allCommitted = commits.map(c => [jobId, c.commitment.member, c.commitment.commitment] as [Hex, Hex, Hex])
const ACCEPTING: Record<TopicName, () => ValidationContext> = {
  jobs: () => makeContext(),
  commits: () => makeContext({ jobs: [job] }),
  verdicts: () => makeContext({ jobs: [job], now: revealTime, commitments: allCommitted }),
  attestations: () => makeContext({ jobs: [job], now: job.revealDeadline + 2000 }),
  complaints: () => makeContext({ jobs: [job, indicatorJob.job] }),
  anchors: () => makeContext(),
  evidence: () => makeContext({ jobs: [job] }),
  rewards: () => makeContext(),
  market: () => makeContext(),
  // in the reveal window: the commitments are late, the reveals and attestations new
  bundles: () => makeContext({ jobs: [job], now: revealTime, commitments: allCommitted })
}

/** Another view of the network: other times, other jobs known, other messages held. */
function randomContext (rng: Rng): ValidationContext {
  const some = <T>(list: T[]): T[] => list.filter(() => rng.chance(0.5))
  const garbage = (): Hex => rng.pick(HEX_POOL[66] as Hex[])
  return makeContext({
    now: rng.pick(TIMES),
    jobs: some([job, indicatorJob.job, namedJob.job, foreignJob.job]),
    commitments: some(allCommitted).map(([j, m, c]) => [j, m, rng.chance(0.8) ? c : garbage()]),
    verdictHashes: some(MEMBERS).map(m => [jobId, m.address, garbage()]),
    attestations: some(MEMBERS).map(m => [jobId, m.address, garbage()]),
    complaints: some(MEMBERS).map(m => [jobId, m.address]),
    submissions: rng.chance(0.2) ? [[garbage(), garbage()]] : []
  })
}

type Validator = (msg: GossipMessage, ctx: ValidationContext) => object
const VALIDATORS: Record<TopicName, Validator> = {
  jobs: (m, c) => validateScanJob(m as never, c),
  commits: (m, c) => validateCommitment(m as never, c),
  verdicts: (m, c) => validateVerdict(m as never, c),
  attestations: (m, c) => validateAttestation(m as never, c),
  complaints: (m, c) => validateComplaint(m as never, c),
  anchors: (m, c) => m.type === 'anchor-proposal' ? validateAnchorProposal(m, anchorContext(c)) : validateAnchorSignature(m as AnchorSignature, anchorContext(c)),
  evidence: (m, c) => validateEquivocation(m as EquivocationMessage, c),
  rewards: (m, c) => validateRewardsSignature(m as RewardsSignature, rewardsContext(c)),
  market: (m, c) => validateDeliverySignature(m as DeliverySignature, deliveryContext(c)),
  // each message by its own topic's validator against the same view, combined as a node does (SPEC 6, v2.2)
  bundles: (m, c) => {
    bundleResult((m as MemberBundle).messages.map((msg) => {
      try {
        VALIDATORS[MESSAGE_TYPE_TOPIC[msg.type]](msg, c)
        return undefined
      } catch (err) {
        return bundledOutcome(msg, err, c.chainId, c.registry)
      }
    }))
    return m
  }
}
/**
 * Only what no signature covers changed: the envelope (which seeds' messages, in which order) or a reveal's
 * salt, which each node checks against the commitment (COMMITMENT_MISMATCH, ignored) rather than a signature.
 */
const signedParts = (m: JobMessage): string => JSON.stringify(m.type === 'verdict' ? { ...m, salt: undefined } : m)
const SEED_MESSAGES = new Set([...commits, ...reveals, ...attestations, ...complaints].map(signedParts))
const rebundled = (m: GossipMessage): boolean => m.type === 'bundle' && m.messages.every(msg => SEED_MESSAGES.has(signedParts(msg)))
const SPLICE: Record<TopicName, unknown[]> = {
  jobs: [namedJob.job.keyWraps[0], indicatorJob.job, foreignJob.job],
  commits: [foreign.commit.commitment, ...commits.map(c => c.commitment)],
  verdicts: [foreign.reveal.verdict, result('Fake', 'malicious'), result('ClamAV', 'malicious', 'x'), ...reveals.map(r => r.verdict)],
  attestations: attestations.map(a => a.attestation),
  complaints: complaints.map(c => c.complaint),
  anchors: [jobId, proposed.jobIds, `0x${'00'.repeat(32)}`, 11, 4097, proposal.signature, OUTSIDER.address],
  evidence: ['commitment', 'verdict', 'attestation', commits[1], reveals[0], attestations[1], OUTSIDER.address],
  rewards: [9, 11, '0', '1' + '0'.repeat(78), rewardsRoot.root, proposal.signature, OUTSIDER.address, ...rewardsSignatures.map(r => r.signature)],
  market: ['7', '8', '0', (2n ** 256n - 1n).toString(), MARKET, OUTSIDER.address, deliveries[0]?.wrapHash, ...deliveries.map(d => d.signature)],
  bundles: [commits[0], reveals[2], attestations[1], complaints[1], signedJob, OUTSIDER.address, jobId]
}

/** A mutant of a seed that still decodes (so it is what a node hands its validator), or undefined after a few tries. */
function decodedMutant (rng: Rng, topic: TopicName, t: Tally): GossipMessage | undefined {
  for (let tries = 0; tries < 8; tries++) {
    const seed = rng.pick(SEEDS[topic])
    const bytes = rng.chance(0.7) ? utf8.encode(JSON.stringify(mutateFields(rng, seed, SPLICE[topic]))) : mutateBytes(rng, encodeMessage(seed), MAX_MESSAGE_BYTES[topic])
    const msg = decodeChecked(t, topic, bytes, `${topic} mutant`)
    if (msg !== undefined && !SEED_BYTES[topic].some(s => sameBytes(s, bytes))) return msg
  }
  return undefined
}

for (const [index, topic] of TOPIC_NAMES.entries()) {
  tap.test(`validator of ${topic}: only GossipValidationError, and no mutated message validates`, async t => {
    const validate = VALIDATORS[topic]
    for (const seed of SEEDS[topic]) t.ok(validate(seed, ACCEPTING[topic]()), 'the seeds validate in the accepting context')
    const rng = new Rng(0x7a11d + index)
    const seen = tally()
    const outcomes = new Map<string, number>()
    while (seen.inputs < DECODED_PER_VALIDATOR) {
      const msg = decodedMutant(rng, topic, seen)
      if (msg === undefined) continue
      seen.inputs++
      const ctx = rng.chance(0.75) ? ACCEPTING[topic]() : randomContext(rng)
      try {
        const accepted = validate(msg, ctx)
        // a bundle's envelope is unsigned: the seeds' messages in another order or subset are valid, and nothing new
        if (rebundled(msg)) {
          outcomes.set('REBUNDLED', (outcomes.get('REBUNDLED') ?? 0) + 1)
          continue
        }
        note(seen, `${topic} #${seen.inputs}: a mutant validated: ${JSON.stringify(accepted)} ${JSON.stringify(msg).slice(0, 400)}`)
      } catch (err) {
        if (!gossipError(err)) note(seen, `${topic} #${seen.inputs}: ${describe(err)}`)
        else outcomes.set((err as GossipValidationError).code, (outcomes.get((err as GossipValidationError).code) ?? 0) + 1)
      }
    }
    t.comment(`${topic}: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
    t.same(seen.failures, [], `${topic}: ${seen.inputs} decoded mutants`)
  })
}

// ---------------------------------------------------------------- reports

const members = MEMBERS.map(m => m.address)
const chain = { members, registrations: REGISTRATIONS, faultDivisor: 3 }
const withheldAttestations = await makeAttestations(signedJob, commits, reveals.slice(0, 3), MEMBERS.slice(0, 3))
const inputOf = (r: Partial<Record<keyof DeriveReportInput, unknown>>): DeriveReportInput => ({
  job: r.job, commitments: r.commitments, verdicts: r.verdicts, attestations: r.attestations, members: r.members, registrations: r.registrations,
  faultDivisor: r.faultDivisor, chainId: r.chainId, registry: r.registry
}) as DeriveReportInput
const base = { job: signedJob, members, registrations: REGISTRATIONS, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY }
const REPORTS: Report[] = [
  deriveReport({ ...base, commitments: commits, verdicts: reveals, attestations: reportSignatures(attestations) }),
  deriveReport({ ...base, commitments: commits, verdicts: reveals.slice(0, 3), attestations: reportSignatures(withheldAttestations) })
]
const REPORT_SPLICE: unknown[] = [foreign.commit, foreign.reveal, foreignJob, indicatorJob, ...commits, ...reveals, OUTSIDER.address,
  { member: OUTSIDER.address, signature: foreign.commit.signature }, { ...REGISTRATIONS, Ghost: [OUTSIDER.address] }]

/** What a report says, without which quorum of attestations says it. */
const contentOf = (r: Report): string => JSON.stringify({ ...r, attestations: undefined, job: encodeMessage(r.job).join() },
  (_key, v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).toSorted(([a], [b]) => (a < b ? -1 : 1))) : v))
const SEED_CONTENT = REPORTS.map(contentOf)
const SEED_ATTESTATIONS = new Set(REPORTS.flatMap(r => r.attestations.map(a => `${a.member}${a.signature}`)))

/** A report that checks against the chain says what an honest report says, under attestations an honest report carries. */
function honest (r: Report): boolean {
  return SEED_CONTENT.includes(contentOf(r)) && r.attestations.every(a => SEED_ATTESTATIONS.has(`${a.member}${a.signature}`))
}

const HOSTILE_VALUES: unknown[] = [null, 'x', 0, -1, 1.5, 2, [], {}, [null], JSON.parse('{"__proto__":{"polluted":true}}')]
/** Values of the chain's view a report claims (members, registrations, divisor, chainId, registry), each field's own kind of wrong. */
const CHAIN_VIEW: Record<string, (rng: Rng, r: Report) => unknown> = {
  chainId: rng => rng.pick([-1, -CHAIN_ID, 1, 0, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, String(CHAIN_ID), null]),
  faultDivisor: rng => rng.pick([-3, 0, 1, 2, 4, 100, 2.5, 2 ** 53, '3', null]),
  registry: (rng, r) => rng.pick([r.registry.toUpperCase().replace('0X', '0x'), OUTSIDER.address, r.registry.slice(0, 40), `${r.registry}00`, 7, null]),
  members: (rng, r) => rng.pick([
    [...r.members, OUTSIDER.address], r.members.slice(1), [...r.members, r.members[0]], r.members.toReversed(), r.members.map(m => m.toUpperCase().replace('0X', '0x')),
    [...r.members, '0x12'], [], r.members.join()
  ]),
  registrations: (rng, r) => rng.pick([
    { ...r.registrations, YARA: [] }, { ...r.registrations, ClamAV: r.members }, { ...r.registrations, 'a/b': r.members }, { ...r.registrations, constructor: r.members },
    JSON.parse(`{"__proto__":${JSON.stringify(r.members)}}`), Object.fromEntries(Object.entries(r.registrations).toReversed()), [], { YARA: 'x' }
  ])
}

function reportMutant (rng: Rng): unknown {
  const seed = rng.pick(REPORTS)
  if (rng.chance(0.2)) {
    const key = rng.pick(Object.keys(CHAIN_VIEW))
    return { ...structuredClone(seed), [key]: (CHAIN_VIEW[key] as (rng: Rng, r: Report) => unknown)(rng, seed) }
  }
  if (rng.chance(0.25)) {
    // one top-level field, which is one leaf among hundreds for mutateFields
    const r = structuredClone(seed) as unknown as Record<string, unknown>
    const key = rng.pick(Object.keys(r))
    const value = r[key]
    r[key] = rng.chance(0.3) ? rng.pick(HOSTILE_VALUES) : typeof value === 'object' && value !== null ? mutateFields(rng, value, REPORT_SPLICE) : mutateLeaf(rng, value as Json)
    return r
  }
  if (rng.chance(0.5)) return mutateFields(rng, seed, REPORT_SPLICE)
  // as a light client reads it: JSON text (duplicate keys, __proto__ keys, 1e400), parsed; text that is not JSON never reaches checkReport
  for (let tries = 0; tries < 8; tries++) {
    try {
      return JSON.parse(mutateJsonText(rng, JSON.stringify(seed)))
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
    }
  }
  return structuredClone(seed)
}

tap.test('checkReport: only ReportInvalidError, and a mutated report that checks against the chain is the honest one', async t => {
  for (const r of REPORTS) t.doesNotThrow(() => checkReport(r, chain), 'the seed reports check')
  const rng = new Rng(0xc4ec)
  const seen = tally()
  const outcomes = new Map<string, number>()
  for (let i = 0; i < REPORTS_PER_TARGET; i++) {
    const mutant = reportMutant(rng)
    seen.inputs++
    try {
      checkReport(mutant as Report, chain)
      if (!honest(mutant as Report)) note(seen, `#${i}: a changed report checks: ${JSON.stringify(mutant).slice(0, 400)}`)
      outcomes.set('accepted', (outcomes.get('accepted') ?? 0) + 1)
    } catch (err) {
      if (!reportError(err)) note(seen, `#${i}: ${describe(err)}`)
      else outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1)
    }
  }
  t.comment(`checkReport: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
  t.same(seen.failures, [], `${seen.inputs} mutated reports`)
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), prototypeBefore, 'Object.prototype untouched')
})

/** Codes that say the report is self-consistent but describes another chain view than the chain's. */
const CHAIN_CODES = new Set<ReportCode>(['MEMBER_COUNT_MISMATCH', 'REGISTRATION_MISMATCH', 'FAULT_DIVISOR_MISMATCH'])

tap.test('deriveReport: only ReportInvalidError, and what it derives checks and, against the chain, is the honest report', async t => {
  const rng = new Rng(0xde121e)
  const seen = tally()
  const outcomes = new Map<string, number>()
  for (let i = 0; i < REPORTS_PER_TARGET; i++) {
    const mutant = reportMutant(rng)
    seen.inputs++
    let derived: Report
    try {
      derived = deriveReport(inputOf(typeof mutant === 'object' && mutant !== null ? mutant : {}))
    } catch (err) {
      if (!reportError(err)) note(seen, `#${i}: ${describe(err)}`)
      else outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1)
      continue
    }
    try {
      checkReport(derived, chain)
      if (!honest(derived)) note(seen, `#${i}: a changed input derives a report the chain accepts: ${JSON.stringify(derived).slice(0, 400)}`)
      outcomes.set('honest', (outcomes.get('honest') ?? 0) + 1)
    } catch (err) {
      if (!reportError(err) || !CHAIN_CODES.has(err.code)) note(seen, `#${i}: a derived report does not check: ${describe(err)}`)
      else outcomes.set(`derived, then ${err.code}`, (outcomes.get(`derived, then ${err.code}`) ?? 0) + 1)
    }
  }
  t.comment(`deriveReport: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
  t.same(seen.failures, [], `${seen.inputs} mutated inputs`)
})
