import tap from 'tap'
import { Wallet } from 'ethers'
import {
  computeCommitment, recoverCommitmentSigner, recoverScanJobSigner, recoverVerdictSigner,
  signCommitment, signScanJob, signVerdict
} from '../src/index.ts'
import type { Hex } from '../src/index.ts'
import { CHAIN_ID, makeJob, makeVerdict, member, REGISTRY, result, saltFor } from './fixtures.ts'

const job = makeJob()
const origin = member(0)
const voter = member(1)
const verdict = makeVerdict(job, voter, [result('yara', 'malicious', 'Evil')])
const salt = saltFor(voter)
const otherRegistry: Hex = `0x${'12'.repeat(20)}`

tap.test('scan job: recovers the lowercase origin address', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.equal(signed.type, 'scan-job')
  t.equal(recoverScanJobSigner(signed, CHAIN_ID, REGISTRY), origin.address)
  t.match(recoverScanJobSigner(signed, CHAIN_ID, REGISTRY), /^0x[0-9a-f]{40}$/)
})

tap.test('scan job: a wrong domain or changed job recovers someone else', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.not(recoverScanJobSigner(signed, CHAIN_ID + 1, REGISTRY), origin.address, 'other chainId')
  t.not(recoverScanJobSigner(signed, CHAIN_ID, otherRegistry), origin.address, 'other registry')
  t.not(recoverScanJobSigner({ ...signed, job: { ...job, size: 5 } }, CHAIN_ID, REGISTRY), origin.address, 'changed size')
})

tap.test('malformed signatures throw', async t => {
  const signed = await signScanJob(job, CHAIN_ID, REGISTRY, origin.wallet)
  t.throws(() => recoverScanJobSigner({ ...signed, signature: `0x${'00'.repeat(65)}` }, CHAIN_ID, REGISTRY))
  // s above n/2 (malleated signature) is refused, so each message has one valid signature per key.
  const highS = `${signed.signature.slice(0, 66)}ff${signed.signature.slice(68)}` as Hex
  t.throws(() => recoverScanJobSigner({ ...signed, signature: highS }, CHAIN_ID, REGISTRY))
})

tap.test('commitment: signs and recovers; wrong domain recovers someone else', async t => {
  const c = { jobId: verdict.jobId, member: voter.address, commitment: computeCommitment(verdict, salt) }
  const signed = await signCommitment(c, CHAIN_ID, REGISTRY, voter.wallet)
  t.equal(signed.type, 'commitment')
  t.equal(recoverCommitmentSigner(signed, CHAIN_ID, REGISTRY), voter.address)
  t.not(recoverCommitmentSigner(signed, 1, REGISTRY), voter.address)
  t.not(recoverCommitmentSigner(signed, CHAIN_ID, otherRegistry), voter.address)
})

tap.test('verdict: signs and recovers; wrong domain recovers someone else', async t => {
  const signed = await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, voter.wallet)
  t.same(signed, { type: 'verdict', verdict, salt, signature: signed.signature })
  t.equal(recoverVerdictSigner(signed, CHAIN_ID, REGISTRY), voter.address)
  t.not(recoverVerdictSigner(signed, 1, REGISTRY), voter.address)
  t.not(recoverVerdictSigner(signed, CHAIN_ID, otherRegistry), voter.address)
  const stranger = Wallet.createRandom()
  const forged = await signVerdict(verdict, salt, CHAIN_ID, REGISTRY, stranger)
  t.equal(recoverVerdictSigner(forged, CHAIN_ID, REGISTRY), stranger.address.toLowerCase())
})

tap.test('a commitment opens only with the right salt and verdict', async t => {
  const c = computeCommitment(verdict, salt)
  t.match(c, /^0x[0-9a-f]{64}$/)
  t.equal(computeCommitment(structuredClone(verdict), salt), c, 'deterministic')
  t.not(computeCommitment(verdict, `0x${'00'.repeat(32)}`), c, 'other salt')
  t.not(computeCommitment({ ...verdict, results: [result('yara', 'undetected')] }, salt), c, 'other verdict')
  t.not(computeCommitment({ ...verdict, member: member(2).address }, salt), c, 'other member')
})
