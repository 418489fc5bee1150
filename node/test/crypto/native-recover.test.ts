/**
 * The native libsecp256k1 a supernode passes to the protocol's verifier answers every signature as the
 * wasm build the protocol keeps (and noble, the web page's) does: the protocol's signed vectors and
 * hostile signatures, raw and through the verifier; and a node whose addon does not load runs on wasm.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { createRequire } from 'node:module'
import { computeAddress, Wallet } from 'ethers'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, createVerifier, hexToBytes } from '#protocol/eip712-hash.js'
import { commitmentDigest, protocolVerifier, recoverCommitmentSigner, recoverMember, signCommitment, SignatureError, useRecoverPublicKey, useSignRecoverable, wasmRecoverPublicKey, wasmSignRecoverable } from '#protocol/index.ts'
import type { Hex, RecoverPublicKey } from '#protocol/index.ts'
import { loadNativeRecover, loadNativeSign, useNativeRecover } from '../../src/crypto/native-recover.ts'

const loaded = loadNativeRecover()
if (loaded instanceof Error) throw loaded
const native: RecoverPublicKey = loaded
/** the addon itself, for loaders that count its calls */
const requireAddon = (): { ecdsaRecover: unknown, ecdsaSign: (msg: Uint8Array, sk: Uint8Array) => { signature: Uint8Array, recid: number } } => createRequire(import.meta.url)('secp256k1/bindings.js')
const nativeSign = (msg: Uint8Array, sk: Uint8Array): { signature: Uint8Array, recid: number } => requireAddon().ecdsaSign(msg, sk)

const vectors = join(import.meta.dirname, '../../../protocol/test/vectors')
const load = <T>(name: string): T => JSON.parse(readFileSync(join(vectors, `${name}.json`), 'utf8')) as T

type Signed = { name: string, digest: Hex, signature: Hex, signer: Hex, wallet: boolean }
const member = (name: string, digest: Hex, signature: Hex, signer: Hex): Signed => ({ name, digest, signature, signer: signer.toLowerCase() as Hex, wallet: false })

/** Every signature in protocol/test/vectors: the digest signed, the signature, who signed it, and whether a wallet's spelling (v 0/1) is allowed */
function signedVectors (): Signed[] {
  const job = load<{ jobId: Hex, signature: Hex, signer: Hex }>('scan-job')
  const indicator = load<{ jobId: Hex, signature: Hex, signer: Hex, submissionDigest: Hex, submitterPrivateKey: Hex, job: { submitterSignature: Hex } }>('indicator-job')
  const commitments = load<Array<{ digest: Hex, signature: Hex, commitment: { member: Hex } }>>('commitments')
  const verdicts = load<Array<{ digest: Hex, signature: Hex, verdict: { member: Hex } }>>('verdicts')
  const attestations = load<{ reportDigest: Hex, signatures: Array<{ member: Hex, signature: Hex }> }>('attestations')
  const complaints = load<Array<{ digest: Hex, signature: Hex, complaint: { member: Hex } }>>('complaints')
  const anchors = load<{ digest: Hex, signatures: Array<{ member: Hex, signature: Hex }> }>('anchors')
  return [
    member('scan job', job.jobId, job.signature, job.signer),
    member('indicator job', indicator.jobId, indicator.signature, indicator.signer),
    { ...member('indicator submission', indicator.submissionDigest, indicator.job.submitterSignature, computeAddress(indicator.submitterPrivateKey) as Hex), wallet: true },
    ...commitments.map((c, i) => member(`commitment ${i}`, c.digest, c.signature, c.commitment.member)),
    ...verdicts.map((v, i) => member(`verdict ${i}`, v.digest, v.signature, v.verdict.member)),
    ...attestations.signatures.map((s, i) => member(`attestation ${i}`, attestations.reportDigest, s.signature, s.member)),
    ...complaints.map((c, i) => member(`complaint ${i}`, c.digest, c.signature, c.complaint.member)),
    ...anchors.signatures.map((s, i) => member(`epoch root ${i}`, anchors.digest, s.signature, s.member))
  ]
}

const { Point } = secp256k1
const N = Point.Fn.ORDER
const P = Point.Fp.ORDER
const word = (n: bigint): Uint8Array => hexToBytes(`0x${n.toString(16).padStart(64, '0')}`)
const rsOf = (r: bigint, s: bigint): Uint8Array => new Uint8Array([...word(r), ...word(s)])
const toBigInt = (bytes: Uint8Array): bigint => BigInt(bytesToHex(bytes))
/** a member's spelling: r ‖ s ‖ (27 + v) */
const spell = (r: bigint, s: bigint, v: number): Hex => `${bytesToHex(rsOf(r, s))}${(27 + v).toString(16)}` as Hex

/** one seeded key signing seeded hashes: the same inputs on every run */
const key = keccak_256(new TextEncoder().encode('native-recover test key'))
const publicKey = secp256k1.getPublicKey(key, false)
const address = bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12)) as Hex
function signed (label: string): { hash: Uint8Array, r: bigint, s: bigint, v: number } {
  const hash = keccak_256(new TextEncoder().encode(label))
  const sig = secp256k1.sign(hash, key, { prehash: false, format: 'recovered' })
  return { hash, r: toBigInt(sig.subarray(1, 33)), s: toBigInt(sig.subarray(33)), v: sig[0] as number }
}

/** 65 bytes of seeded garbage, the last one `last`; `lowS`: s's top bit cleared, so the verifier's range checks pass it to the recoverer */
function garbage (seed: string, last: number, lowS = false): Hex {
  const bytes = new Uint8Array([...keccak_256(new TextEncoder().encode(seed)), ...keccak_256(new TextEncoder().encode(`${seed}.`)), last])
  if (lowS) bytes[32] = (bytes[32] as number) & 0x7f
  return bytesToHex(bytes) as Hex
}

/** An r whose point has x = r + n, below p: the only kind recovery id 2 or 3 names (odds about 2^-128 for a real signature). */
function lowR (): bigint {
  for (let r = 1n; ; r++) {
    try {
      Point.fromHex(`02${(r + N).toString(16).padStart(64, '0')}`)
      return r
    } catch { /* r + n is no point's x: try the next */ }
  }
}

/** What a recovery answered: the key's hex, or 'none' when it threw or gave no key (the libraries' errors carry no code, only their own words) */
function outcome (recover: RecoverPublicKey, hash: Uint8Array, rs: Uint8Array, v: number): string {
  try {
    const q = recover(hash, rs, v)
    return q instanceof Uint8Array && q.length === 65 ? bytesToHex(q) : 'none'
  } catch {
    return 'none'
  }
}

tap.test('the addon loads here: a supernode recovers natively', async (t) => {
  t.type(loaded, 'function')
  const { hash, r, s, v } = signed('loads')
  t.equal(bytesToHex(native(hash, rsOf(r, s), v) as Uint8Array), bytesToHex(publicKey))
})

tap.test('every signed vector recovers its signer through the verifier over native, wasm and noble alike', async (t) => {
  const overNative = protocolVerifier(native)
  const overWasm = protocolVerifier(wasmRecoverPublicKey)
  const overNoble = createVerifier({ keccak_256, sha256, secp256k1 })
  const all = signedVectors()
  t.ok(all.length >= 15, `${all.length} signatures`)
  for (const { name, digest, signature, signer, wallet } of all) {
    t.equal(overNative.recoverDigest(digest, signature, undefined, wallet), signer, `${name}: native`)
    t.equal(overWasm.recoverDigest(digest, signature, undefined, wallet), signer, `${name}: wasm`)
    t.equal(overNoble.recoverDigest(digest, signature, signer, wallet), signer, `${name}: noble, key kept or not`)
  }
})

tap.test('hostile signatures, raw: native and wasm give the same key or both none', async (t) => {
  const { hash, r, s, v } = signed('hostile raw')
  const G = Point.BASE.toAffine()
  const low = lowR()
  const cases: Array<[string, Uint8Array, Uint8Array, number]> = [
    ['the signature itself', hash, rsOf(r, s), v],
    ['high s with v flipped (libsecp256k1 recovers it; the verifier refuses it before)', hash, rsOf(r, N - s), 1 - v],
    ['r = 0', hash, rsOf(0n, s), v],
    ['s = 0', hash, rsOf(r, 0n), v],
    ['r = n', hash, rsOf(N, s), v],
    ['r > n', hash, rsOf(r + N < 2n ** 256n ? r + N : N + 1n, s), v],
    ['s = n', hash, rsOf(r, N), v],
    ['s > n', hash, rsOf(r, N + 5n), v],
    ['r and s all ones', hash, rsOf(2n ** 256n - 1n, 2n ** 256n - 1n), v],
    ['r past p', hash, rsOf(P + 1n, s), v],
    // Q = r⁻¹(s·R − z·G) with R = G and z = s: the point at infinity, no key
    ['recovering the point at infinity', word(s), rsOf(G.x, s), Number(G.y & 1n)],
    ['v 2 over an ordinary r', hash, rsOf(r, s), 2],
    ['v 3 over an ordinary r', hash, rsOf(r, s), 3],
    ['v 2 over an r below p − n (x = r + n)', hash, rsOf(low, s), 2],
    ['v 3 over an r below p − n (x = r + n)', hash, rsOf(low, s), 3],
    ['v 4', hash, rsOf(r, s), 4],
    ['v 27', hash, rsOf(r, s), 27],
    ['v 28', hash, rsOf(r, s), 28],
    ['v −1', hash, rsOf(r, s), -1],
    ['v 0.5', hash, rsOf(r, s), 0.5],
    ['a 31-byte hash', hash.subarray(1), rsOf(r, s), v],
    ['a 33-byte hash', new Uint8Array([0, ...hash]), rsOf(r, s), v],
    ['63 bytes of r ‖ s', hash, rsOf(r, s).subarray(1), v],
    ['65 bytes of r ‖ s', hash, new Uint8Array([...rsOf(r, s), 0]), v],
    ['no signature', hash, new Uint8Array(0), v]
  ]
  // r values that are no point's x: the first few past 1
  for (let x = 2n, found = 0; found < 2; x++) {
    try { Point.fromHex(`02${x.toString(16).padStart(64, '0')}`) } catch { cases.push([`r = ${x}, no point's x`, hash, rsOf(x, s), v]); found++ }
  }
  const keys = new Set<string>()
  for (const [name, h, rs, recid] of cases) {
    const got = outcome(native, h, rs, recid)
    t.equal(got, outcome(wasmRecoverPublicKey, h, rs, recid), name)
    keys.add(got)
  }
  t.equal(outcome(native, hash, rsOf(r, s), v), bytesToHex(publicKey), 'the signature recovers its signer')
  t.not(outcome(native, hash, rsOf(low, s), 2), 'none', 'recovery id 2 recovers a key: the case is not vacuous')
  t.equal(outcome(native, word(s), rsOf(G.x, s), Number(G.y & 1n)), 'none', 'infinity is no key')
  t.ok(keys.size > 3, 'the cases recover different keys or none')
})

tap.test('hostile signatures through the verifier: native, wasm and noble answer alike, and the protocol calls each BAD_SIGNATURE', async (t) => {
  const { hash, r, s, v } = signed('hostile verifier')
  const digest = bytesToHex(hash) as Hex
  const G = Point.BASE.toAffine()
  const cases: Array<[string, Hex, Hex]> = [
    ['high s, v flipped', digest, spell(r, N - s, 1 - v)],
    ['v 0/1 from a member', digest, `${spell(r, s, v).slice(0, 130)}0${v}` as Hex],
    ['v 29', digest, spell(r, s, 2)],
    ['v 0xff', digest, `${spell(r, s, v).slice(0, 130)}ff` as Hex],
    ['r = 0', digest, spell(0n, s, v)],
    ['s = 0', digest, spell(r, 0n, v)],
    ['r = n', digest, spell(N, s, v)],
    ['s = n', digest, spell(r, N, v)],
    ['s ≥ n', digest, spell(r, N + 7n, v)],
    ['r past p', digest, spell(P + 1n, s, v)],
    ['the point at infinity', bytesToHex(word(s)) as Hex, spell(G.x, s, Number(G.y & 1n))],
    ['64 bytes', digest, spell(r, s, v).slice(0, 130) as Hex],
    ['66 bytes', digest, `${spell(r, s, v)}00` as Hex],
    ['no bytes', digest, '0x' as Hex],
    ['not hex', digest, `0x${'zz'.repeat(65)}` as Hex],
    ['a 31-byte digest', digest.slice(0, 64) as Hex, spell(r, s, v)],
    ['65 bytes of garbage', digest, garbage('garbage', 0x5a)],
    ['65 bytes of garbage ending in 27', digest, garbage('garbage 27', 27)],
    ...Array.from({ length: 6 }, (_, i): [string, Hex, Hex] => [`65 bytes of garbage with a low s ending in ${27 + i % 2}, ${i}`, digest, garbage(`garbage ${i}`, 27 + i % 2, true)])
  ]
  const verifiers = { native: protocolVerifier(native), wasm: protocolVerifier(wasmRecoverPublicKey), noble: createVerifier({ keccak_256, sha256, secp256k1 }) }
  for (const [name, d, signature] of cases) {
    const answers = Object.values(verifiers).map((verifier) => verifier.recoverDigest(d, signature) ?? 'none')
    t.same(answers, [answers[0], answers[0], answers[0]], `${name}: ${answers[0]}`)
  }
  t.equal(verifiers.native.recoverDigest(digest, spell(r, s, v)), address, 'the signature itself recovers its signer')
  t.equal(verifiers.native.recoverDigest(digest, `${spell(r, s, v).slice(0, 130)}0${v}` as Hex, undefined, true), address, 'a wallet may spell v 0/1')

  // the protocol's own entry points, over the native build as a node runs them: each refusal has the one code
  useNativeRecover({ warn: () => { t.fail('the addon loads here') } })
  for (const [name, d, signature] of cases) {
    const expected = verifiers.native.recoverDigest(d, signature)
    if (expected !== undefined) {
      t.equal(recoverMember(d, signature), expected, `${name}: recovers someone else`)
      continue
    }
    t.throws(() => recoverMember(d, signature), Object.assign(new SignatureError(), { code: 'BAD_SIGNATURE' }), `${name}: refused`)
  }
})

tap.test('a node passes the addon to the protocol, and falls back to wasm with one warning when it does not load', async (t) => {
  let calls = 0
  const counting = (): unknown => ({ ecdsaRecover: (sig: Uint8Array, recid: number, msg: Uint8Array) => { calls++; return native(msg, sig, recid) }, ecdsaSign: nativeSign })
  const warnings: unknown[][] = []
  const logger = { warn: (...args: unknown[]) => { warnings.push(args) } }
  t.teardown(() => { useNativeRecover({ warn: () => {} }) })

  t.equal(useNativeRecover(logger, counting), 'native')
  const first = signed(`native path ${process.pid} ${Date.now()}`)
  t.equal(recoverMember(bytesToHex(first.hash) as Hex, spell(first.r, first.s, first.v)), address)
  t.equal(calls, 1, 'the protocol recovered through the addon')
  t.equal(warnings.length, 0)

  t.equal(useNativeRecover(logger, () => { throw new Error('no prebuild for this platform and no compiler') }), 'wasm')
  t.equal(warnings.length, 1, 'one warning')
  t.match(warnings[0]?.[0], { err: { message: 'no prebuild for this platform and no compiler' } })
  const second = signed(`wasm path ${process.pid} ${Date.now()}`)
  t.equal(recoverMember(bytesToHex(second.hash) as Hex, spell(second.r, second.s, second.v)), address, 'the wasm build recovers')
  t.equal(calls, 1, 'and the addon is not called')

  t.equal(useNativeRecover(logger, () => ({})), 'wasm', 'a module without ecdsaRecover is no addon')
  t.equal(warnings.length, 2)
  t.equal(useNativeRecover(logger, () => ({ ecdsaRecover: native })), 'wasm', 'nor one without ecdsaSign')
  t.equal(warnings.length, 3)
  useRecoverPublicKey(wasmRecoverPublicKey)
  useSignRecoverable(wasmSignRecoverable)
})

tap.test('the addon signs byte for byte as the wasm build, and refuses the same hostile keys and digests', async (t) => {
  const sign = loadNativeSign()
  if (sign instanceof Error) throw sign
  for (let i = 0; i < 200; i++) {
    const secret = keccak_256(new TextEncoder().encode(`signing key ${i}`))
    const digest = keccak_256(new TextEncoder().encode(`signed digest ${i}`))
    const a = sign(digest, secret)
    const b = wasmSignRecoverable(digest, secret)
    if (bytesToHex(a.signature) !== bytesToHex(b.signature) || a.recoveryId !== b.recoveryId) t.fail(`signature ${i} differs`)
  }
  t.pass('200 seeded keys and digests: the same r, s and recovery id')
  const digest = keccak_256(new TextEncoder().encode('hostile keys'))
  const hostile: Array<[string, Uint8Array, Uint8Array]> = [
    ['a zero key', digest, new Uint8Array(32)],
    ['the group order as key', digest, word(N)],
    ['a key past the group order', digest, word(N + 1n)],
    ['a 31-byte key', digest, key.subarray(1)],
    ['a 33-byte key', digest, new Uint8Array([0, ...key])],
    ['a 31-byte digest', digest.subarray(1), key],
    ['a 33-byte digest', new Uint8Array([0, ...digest]), key]
  ]
  for (const [name, d, k] of hostile) {
    t.throws(() => sign(d, k), `${name}: native refuses`)
    t.throws(() => wasmSignRecoverable(d, k), `${name}: wasm refuses`)
  }
})

tap.test('an operator key signs the protocol messages through the addon once a node passes it, as ethers would', async (t) => {
  // other files of a unit-runner process may sign meanwhile: only this test's key counts
  let signs = 0
  const counting = (): unknown => ({ ...requireAddon(), ecdsaSign: (msg: Uint8Array, sk: Uint8Array) => { if (Buffer.from(sk).equals(key)) signs++; return nativeSign(msg, sk) } })
  t.teardown(() => { useNativeRecover({ warn: () => {} }) })
  t.equal(useNativeRecover({ warn: () => { t.fail('the addon loads here') } }, counting), 'native')
  const wallet = new Wallet(bytesToHex(key))
  const registry = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
  const commitment = { jobId: bytesToHex(keccak_256(new TextEncoder().encode('job'))) as Hex, member: address, commitment: bytesToHex(keccak_256(new TextEncoder().encode('c'))) as Hex }
  const msg = await signCommitment(commitment, 31337, registry, wallet)
  t.equal(signs, 1, 'signed by the addon')
  t.equal(msg.signature, wallet.signingKey.sign(commitmentDigest(commitment, 31337, registry)).serialized, 'the signature ethers makes')
  t.equal(recoverCommitmentSigner(structuredClone(msg), 31337, registry), address, 'and it recovers its signer')
})
