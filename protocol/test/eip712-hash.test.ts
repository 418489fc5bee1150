/**
 * eip712-hash.js, the one hasher and recoverer nodes and the web page run, held to ethers'
 * TypedDataEncoder and recoverAddress on seeded random values, and its known-key shortcut held to
 * plain recovery on every kind of wrong signature.
 */
import tap from 'tap'
import { concat, keccak256, recoverAddress, Signature, SigningKey, TypedDataEncoder, Wallet } from 'ethers'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createVerifier } from '../src/eip712-hash.js'
import { EIP712_TYPES, eip712, eip712Domain } from '../src/index.ts'
import type { Hex } from '../src/index.ts'
import { CHAIN_ID, REGISTRY } from './fixtures.ts'

/** mulberry32: the same values on every run */
function rng (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const random = rng(0x712)
const int = (n: number): number => Math.floor(random() * n)
const hex = (bytes: number): Hex => `0x${Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, '0')).join('')}`
const text = (): string => Array.from({ length: int(40) }, () => String.fromCodePoint([int(128), 0x80 + int(0x780), 0x4e00 + int(0x5000), 0x1f600 + int(80)][int(4)] ?? 65)).join('')

function valueOf (type: string, types: Record<string, Array<{ name: string, type: string }>>): unknown {
  if (type.endsWith('[]')) return Array.from({ length: int(5) }, () => valueOf(type.slice(0, -2), types))
  const struct = types[type]
  if (struct !== undefined) return Object.fromEntries(struct.map(f => [f.name, valueOf(f.type, types)]))
  if (type === 'string') return text()
  if (type === 'bytes') return hex(int(100))
  if (type === 'address') return hex(20)
  if (type.startsWith('bytes')) return hex(Number(type.slice(5)))
  if (type === 'uint64') return [0, 1, int(2 ** 32), Number.MAX_SAFE_INTEGER][int(4)]
  if (type === 'uint32') return [0, 1, int(2 ** 32), 2 ** 32 - 1][int(4)]
  if (type === 'uint256') return [0n, 1n, BigInt(int(2 ** 48)) * 10n ** 18n, 2n ** 256n - 1n][int(4)]
  throw new Error(type)
}

tap.test('every primary type hashes as ethers hashes it, on 400 seeded random values each', async t => {
  const domain = eip712Domain(CHAIN_ID, REGISTRY)
  // TypedDataEncoder.hash(domain, types, v) is keccak256(0x1901 ‖ hashDomain(domain) ‖ from(types).hash(v)); it
  // built both encoders afresh and hashed v twice per value (most of this file's CPU). One encoder per type and
  // the domain hashed once give ethers' own digest; the first value of each type is held to the one-call form too.
  const domainHash = TypedDataEncoder.hashDomain(domain)
  for (const [primary, types] of Object.entries(EIP712_TYPES)) {
    const encoder = TypedDataEncoder.from(types)
    let same = 0
    for (let i = 0; i < 400; i++) {
      const value = valueOf(primary, types) as Record<string, unknown>
      const struct = encoder.hash(value)
      const digest = keccak256(concat(['0x1901', domainHash, struct]))
      if (i === 0) t.equal(digest, TypedDataEncoder.hash(domain, types, value), `${primary}: the one-call digest`)
      if (eip712.digest(primary, value, CHAIN_ID, REGISTRY) === digest && eip712.structHash(primary, value) === struct) same++
    }
    t.equal(same, 400, primary)
  }
})

const complaint = (reason: string): Record<string, unknown> => ({ jobId: `0x${'ab'.repeat(32)}`, member: `0x${'cd'.repeat(20)}`, reason })

tap.test('a kept string hash is the string\'s, before and after more strings than are kept, short or long', async t => {
  const types = { Complaint: EIP712_TYPES.Complaint.Complaint as Array<{ name: string, type: string }> }
  const reasons = ['', 'undetected', 'é'.repeat(128), 'x'.repeat(129), '🦠'.repeat(64)]
  let same = 0
  for (let round = 0; round < 2; round++) {
    for (const r of reasons) if (eip712.structHash('Complaint', complaint(r)) === TypedDataEncoder.from(types).hash(complaint(r))) same++
    for (let i = 0; i < 5000; i++) eip712.structHash('Complaint', complaint(`filler ${i}`))
  }
  t.equal(same, reasons.length * 2)
})

const engineResult = (engine: string, category = 'undetected'): Record<string, string> => ({ engine, engineVersion: '4.5.0', engineUpdate: '2026-12-01', category, result: '', method: 'blacklist' })

tap.test('a kept struct of strings (EngineResult) hashes as ethers does, thawed or frozen, before and after more than are kept', async t => {
  const types = { EngineResult: EIP712_TYPES.Verdict.EngineResult as Array<{ name: string, type: string }> }
  const result = engineResult
  const values = [result('YARA'), Object.freeze(result('YARA')), result('YARA', 'malicious'), result('x'.repeat(600)), result('ClamAV')]
  let same = 0
  for (let round = 0; round < 2; round++) {
    for (const v of values) if (eip712.structHash('EngineResult', v) === TypedDataEncoder.from(types).hash(v)) same++
    for (let i = 0; i < 5000; i++) eip712.structHash('EngineResult', result(`filler ${i}`))
  }
  t.equal(same, values.length * 2)
  t.throws(() => eip712.structHash('EngineResult', { ...result('YARA'), category: 7 }), 'a field that is no string is refused, kept or not')
})

tap.test('values ethers refuses are refused (no digest of a value that is not the type)', async t => {
  const c = { jobId: hex(32), member: hex(20), commitment: hex(32) }
  for (const bad of [{ ...c, jobId: hex(31) }, { ...c, member: hex(21) }, { ...c, member: '0xzz' + hex(19).slice(2) }, { ...c, commitment: 7 }, null]) {
    t.throws(() => eip712.digest('VerdictCommitment', bad, CHAIN_ID, REGISTRY))
  }
  const s = { kind: 'file', sha256: hex(32), context: '', submittedAt: 2 ** 64 }
  t.throws(() => eip712.digest('Submission', s, CHAIN_ID, REGISTRY), 'a uint64 past 2^64')
  t.throws(() => eip712.digest('Submission', { ...s, submittedAt: -1 }, CHAIN_ID, REGISTRY))
  t.throws(() => eip712.digest('Submission', { ...s, submittedAt: 1.5 }, CHAIN_ID, REGISTRY))
})

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const key = new SigningKey(hex(32))
const address = new Wallet(key.privateKey).address.toLowerCase() as Hex
const other = new Wallet(hex(32))

/** r ‖ s ‖ v as the protocol spells it */
function spell (r: bigint, s: bigint, v: number): Hex {
  return `0x${r.toString(16).padStart(64, '0')}${s.toString(16).padStart(64, '0')}${v.toString(16).padStart(2, '0')}`
}

tap.test('with the claimed signer known, the answer is recovery\'s answer for every spelling', async t => {
  const digest = hex(32)
  const sig = Signature.from(key.sign(digest))
  const r = BigInt(sig.r)
  const s = BigInt(sig.s)
  t.equal(eip712.recoverDigest(digest, sig.serialized, address), address, 'first sight: recovered, key remembered')
  t.equal(eip712.recoverDigest(digest, sig.serialized, address), address, 'then verified against the remembered key')
  // the other v recovers somebody else: the shortcut must not call it the claimed member's
  const flipped = spell(r, s, sig.v === 27 ? 28 : 27)
  t.equal(eip712.recoverDigest(digest, flipped, address), recoverAddress(digest, flipped).toLowerCase())
  t.not(eip712.recoverDigest(digest, flipped, address), address)
  // another key's signature claiming this member
  const forged = Signature.from(other.signingKey.sign(digest)).serialized
  t.equal(eip712.recoverDigest(digest, forged, address), other.address.toLowerCase())
  // the same signature over another digest
  const elsewhere = hex(32)
  t.equal(eip712.recoverDigest(elsewhere, sig.serialized, address), recoverAddress(elsewhere, sig.serialized).toLowerCase())
  t.equal(eip712.recoverDigest(digest, sig.serialized, other.address), address, 'a wrong claim still names the real signer')
})

tap.test('one spelling per signature: high s, v 0/1, r or s out of range and odd lengths recover nobody', async t => {
  const digest = hex(32)
  const sig = Signature.from(key.sign(digest))
  const r = BigInt(sig.r)
  const s = BigInt(sig.s)
  const v = sig.v
  for (const claimed of [undefined, address]) {
    t.equal(eip712.recoverDigest(digest, spell(r, N - s, v === 27 ? 28 : 27), claimed), undefined, 'high s (the malleable twin)')
    t.equal(eip712.recoverDigest(digest, spell(r, s, v - 27), claimed), undefined, 'v 0/1 from a member')
    t.equal(eip712.recoverDigest(digest, spell(0n, s, v), claimed), undefined, 'r = 0')
    t.equal(eip712.recoverDigest(digest, spell(r, 0n, v), claimed), undefined, 's = 0')
    t.equal(eip712.recoverDigest(digest, spell(r + N, s, v), claimed), undefined, 'r >= n')
    t.equal(eip712.recoverDigest(digest, `${sig.serialized}00` as Hex, claimed), undefined, '66 bytes')
    t.equal(eip712.recoverDigest(digest, sig.serialized.slice(0, 130) as Hex, claimed), undefined, '64 bytes')
    t.equal(eip712.recoverDigest(digest, `0x${'zz'.repeat(65)}` as Hex, claimed), undefined, 'not hex')
    t.equal(eip712.recoverDigest(hex(31), sig.serialized, claimed), undefined, 'a 31-byte digest')
  }
  t.equal(eip712.recoverDigest(digest, spell(r, s, v - 27), undefined, true), address, 'a wallet may sign with v 0/1')
})

tap.test('the remembered keys are bounded and an evicted key still verifies by recovery', async t => {
  const digest = hex(32)
  const wallets = Array.from({ length: 300 }, () => new Wallet(hex(32)))
  const sigs = wallets.map(w => Signature.from(w.signingKey.sign(digest)).serialized)
  for (let round = 0; round < 2; round++) {
    let right = 0
    wallets.forEach((w, i) => { if (eip712.recoverDigest(digest, sigs[i] as Hex, w.address) === w.address.toLowerCase()) right++ })
    t.equal(right, 300, `round ${round}`)
  }
})

tap.test('a known key verifies a new digest as recovery answers', async t => {
  const first = hex(32)
  t.equal(eip712.recoverDigest(first, Signature.from(key.sign(first)).serialized, address), address, 'the key is remembered')
  for (let i = 0; i < 5; i++) {
    const digest = hex(32)
    const sig = Signature.from(key.sign(digest)).serialized
    t.equal(eip712.recoverDigest(digest, sig, address), recoverAddress(digest, sig).toLowerCase(), `new digest ${i}`)
  }
})

tap.test('an answer is kept by digest, signature and spelling rule, bounded, and the same once evicted', async t => {
  let recoveries = 0
  const counted = { ...secp256k1, Signature: { fromBytes: (...args: Parameters<typeof secp256k1.Signature.fromBytes>) => { recoveries++; return secp256k1.Signature.fromBytes(...args) } } }
  const verifier = createVerifier({ keccak_256, sha256, secp256k1: counted })
  const digest = hex(32)
  const sig = Signature.from(key.sign(digest))
  const zeroOne = spell(BigInt(sig.r), BigInt(sig.s), sig.v - 27)
  t.equal(verifier.recoverDigest(digest, sig.serialized), address)
  t.equal(verifier.recoverDigest(digest, sig.serialized, other.address), address, 'asked again, with any claim')
  t.equal(recoveries, 1, 'recovered once')
  t.equal(verifier.recoverDigest(digest, zeroOne), undefined, 'v 0/1 is no member\'s spelling')
  t.equal(verifier.recoverDigest(digest, zeroOne, undefined, true), address, 'but a wallet\'s')
  t.equal(verifier.recoverDigest(digest, zeroOne), undefined, 'and still no member\'s')
  const elsewhere = hex(32)
  t.equal(verifier.recoverDigest(elsewhere, sig.serialized), recoverAddress(elsewhere, sig.serialized).toLowerCase(), 'another digest is another answer')
  // more answers than are kept: the first is computed again, to the same signer
  const before = recoveries
  let nobody = 0
  for (let s = 1n; s <= 16384n; s++) if (verifier.recoverDigest(digest, spell(0n, s, 27)) === undefined) nobody++
  t.equal(nobody, 16384, 'r = 0 recovers nobody')
  t.equal(recoveries, before, 'malformed signatures need no curve')
  t.equal(verifier.recoverDigest(digest, sig.serialized), address, 'evicted, then recovered again')
  t.equal(recoveries, before + 1)
})

tap.test('the node\'s libsecp256k1 recovery answers as noble\'s, for signatures, flipped v, random r and s, and edge digests', async t => {
  const noble = createVerifier({ keccak_256, sha256, secp256k1 })
  const edges = [`0x${'00'.repeat(32)}`, `0x${N.toString(16)}`, `0x${(N + 1n).toString(16)}`, `0x${'ff'.repeat(32)}`] as Hex[]
  let same = 0
  let signers = 0
  const cases = 300
  for (let i = 0; i < cases; i++) {
    const digest = i < edges.length ? edges[i] as Hex : hex(32)
    const sig = Signature.from(key.sign(digest))
    const r = i % 3 === 0 ? BigInt(hex(32)) % N : BigInt(sig.r)
    const s = i % 3 === 0 ? BigInt(hex(32)) % (N / 2n) : BigInt(sig.s)
    for (const v of [27, 28]) {
      for (const wallet of [false, true]) {
        const spelled = spell(r, s, wallet ? v - 27 : v)
        const ours = eip712.recoverDigest(digest, spelled, address, wallet)
        if (ours === noble.recoverDigest(digest, spelled, address, wallet)) same++
        if (ours === address) signers++
      }
    }
  }
  t.equal(same, cases * 4, 'the same signer or none, every time')
  t.equal(signers, 2 * (cases - Math.ceil(cases / 3)), 'the key\'s own signatures recover to it, under both spellings')
})
