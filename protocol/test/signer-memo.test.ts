import tap from 'tap'
import { decodeMessage, encodeMessage, recoverVerdictSigner, verdictHash } from '../src/index.ts'
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
