import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { createVerifier } from '../src/eip712-hash.js'
import { decodeMessage, encodeMessage, recoverReportSigner, recoverVerdictSigner, signVerdict, verdictDigest, verdictHash } from '../src/index.ts'
import type { SignedVerdict } from '../src/index.ts'
import { CHAIN_ID, makeReveal, makeSignedJob, member, REGISTRY, result } from './fixtures.ts'

const { job } = await makeSignedJob()
const { reveal } = await makeReveal(job, member(1), [result('YARA', 'undetected')])

tap.test('a decoded message is frozen and its signer and verdict hash are what recovery gives', async (t) => {
  const decoded = decodeMessage('verdicts', encodeMessage(reveal)) as SignedVerdict
  t.ok(Object.isFrozen(decoded) && Object.isFrozen(decoded.verdict) && Object.isFrozen(decoded.verdict.results[0]), 'deeply frozen')
  t.throws(() => { (decoded.verdict as { scannedAt: number }).scannedAt = 1 }, TypeError, 'cannot be changed after validation')
  t.equal(recoverVerdictSigner(decoded, CHAIN_ID, REGISTRY), member(1).address)
  t.equal(recoverVerdictSigner(decoded, CHAIN_ID, REGISTRY), member(1).address, 'the second answer is the first')
  t.equal(verdictHash(decoded.verdict), verdictHash(reveal.verdict))
})

tap.test('a remembered signer is not reused under another domain, nor for an unfrozen copy that changed', async (t) => {
  const decoded = decodeMessage('verdicts', encodeMessage(reveal)) as SignedVerdict
  t.equal(recoverVerdictSigner(decoded, CHAIN_ID, REGISTRY), member(1).address)
  t.not(recoverVerdictSigner(decoded, CHAIN_ID + 1, REGISTRY), member(1).address, 'another chain recovers another address')
  const copy = structuredClone(decoded)
  copy.verdict.scannedAt += 1
  t.not(recoverVerdictSigner(copy, CHAIN_ID, REGISTRY), member(1).address, 'a changed copy is recovered afresh')
})

tap.test('a struct hash is kept only for a deeply frozen value: a thawed one, or one with a thawed part, is hashed afresh', async (t) => {
  let permutations = 0
  const counting = createVerifier({ keccak_256: (bytes: Uint8Array) => { permutations++; return keccak_256(bytes) }, sha256, secp256k1 })
  const decoded = decodeMessage('verdicts', encodeMessage(reveal)) as SignedVerdict
  // what one verdict costs, without the type hashes the verifier computed when it was made
  permutations = 0
  const first = counting.structHash('Verdict', decoded.verdict)
  const cost = permutations
  t.equal(counting.structHash('Verdict', decoded.verdict), first)
  t.equal(counting.digest('Verdict', decoded.verdict, CHAIN_ID, REGISTRY), counting.digest('Verdict', structuredClone(reveal.verdict), CHAIN_ID, REGISTRY), 'the digest over a kept hash is the digest over a fresh one')
  permutations = 0
  counting.structHash('Verdict', decoded.verdict)
  t.equal(permutations, 0, 'the frozen verdict is not hashed again')

  const thawed = structuredClone(reveal.verdict)
  t.equal(counting.structHash('Verdict', thawed), first)
  thawed.results[0] = { ...thawed.results[0], category: 'malicious', label: 'X' } as typeof thawed.results[0]
  t.not(counting.structHash('Verdict', thawed), first, 'a thawed verdict that changed hashes to its new content')

  // a fresh struct's cost once its strings' hashes are kept (engine names and versions repeat from job to job)
  permutations = 0
  counting.structHash('Verdict', structuredClone(reveal.verdict))
  const fresh = permutations
  t.ok(fresh > 0 && fresh < cost, 'strings seen before are not hashed again, the structs are')
  const shallow = Object.freeze({ ...structuredClone(reveal.verdict) })
  permutations = 0
  const before = counting.structHash('Verdict', shallow)
  ;(shallow.results as unknown as unknown[])[0] = { ...shallow.results[0], category: 'malicious' }
  t.not(counting.structHash('Verdict', shallow), before, 'a frozen verdict with a thawed results array is not kept')
  t.ok(permutations >= fresh, 'and it was hashed in full')
})

tap.test('a message signed here is frozen with its signer known, and recovers to the key that signed it', async (t) => {
  const signed = await signVerdict(reveal.verdict, reveal.salt, CHAIN_ID, REGISTRY, member(2).wallet)
  t.ok(Object.isFrozen(signed) && Object.isFrozen(signed.verdict.results), 'deeply frozen')
  t.equal(recoverVerdictSigner(signed, CHAIN_ID, REGISTRY), member(2).address.toLowerCase())
  t.equal(recoverReportSigner(verdictDigest(signed.verdict, CHAIN_ID, REGISTRY), signed.signature), member(2).address.toLowerCase(), 'what recovery of the signature gives')
  t.not(recoverVerdictSigner(signed, CHAIN_ID + 1, REGISTRY), member(2).address.toLowerCase(), 'not carried to another domain')
})
