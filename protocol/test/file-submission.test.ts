/** The receiving node's check of a signed file submission (SPEC section 17): each refusal by its code. */
import tap from 'tap'
import { Wallet } from 'ethers'
import { checkFileSubmission, signSubmission } from '../src/index.ts'
import type { FileSubmission, FileSubmissionCheck, Hex } from '../src/index.ts'
import { CHAIN_ID, NOW, OUTSIDER, REGISTRY, SHA256, SUBMITTER } from './fixtures.ts'

const opts: FileSubmissionCheck = { chainId: CHAIN_ID, registry: REGISTRY, now: NOW, clockSkewMs: 1_000, maxAgeMs: 600_000 }

async function signed (overrides: Partial<FileSubmission> = {}, by: Wallet = SUBMITTER.wallet): Promise<FileSubmission> {
  const base = { sha256: SHA256, context: 'from a phishing mail', submittedAt: NOW - 5_000, ...overrides }
  const signature = await signSubmission({ kind: 'file', sha256: base.sha256, context: base.context, submittedAt: base.submittedAt }, CHAIN_ID, REGISTRY, by)
  return { submitter: SUBMITTER.address, signature, ...base, ...overrides }
}

tap.test('a wallet\'s signed submission over the uploaded bytes passes, lowercased', async (t) => {
  const s = await signed()
  const upper = { ...s, submitter: s.submitter.toUpperCase().replace('0X', '0x') as Hex, sha256: s.sha256.toUpperCase().replace('0X', '0x') as Hex }
  t.same(checkFileSubmission(upper, SHA256, opts), s)
  // a wallet signing v 0/1 (some do) is accepted as the job validator accepts it
  const v = Number.parseInt(s.signature.slice(-2), 16)
  t.same(checkFileSubmission({ ...s, signature: `${s.signature.slice(0, -2)}${(v - 27).toString(16).padStart(2, '0')}` as Hex }, SHA256, opts).submitter, SUBMITTER.address)
})

tap.test('refusals', async (t) => {
  const s = await signed()
  const code = async (input: unknown, c: string, msg: string, received: Hex = SHA256): Promise<void> => {
    t.throws(() => checkFileSubmission(input as FileSubmission, received, opts), { code: c, name: 'FileSubmissionError' }, msg)
  }
  await code(null, 'MALFORMED', 'null')
  await code('x', 'MALFORMED', 'a string')
  await code({ ...s, sha256: '0x12' }, 'MALFORMED', 'short sha256')
  await code({ ...s, sha256: 7 }, 'MALFORMED', 'sha256 a number')
  await code({ ...s, submitter: '0x0000000000000000000000000000000000000000' }, 'MALFORMED', 'zero submitter')
  await code({ ...s, submitter: `${s.submitter}00` }, 'MALFORMED', 'long submitter')
  await code({ ...s, signature: '0x' }, 'MALFORMED', 'empty signature')
  await code({ ...s, signature: `${s.signature}ff` }, 'MALFORMED', 'long signature')
  await code({ ...s, context: 'x'.repeat(1025) }, 'BAD_CONTEXT', 'oversize context')
  await code({ ...s, context: 'bell\u0007' }, 'BAD_CONTEXT', 'control character')
  await code({ ...s, context: '\ud800' }, 'BAD_CONTEXT', 'lone surrogate')
  await code({ ...s, context: undefined }, 'BAD_CONTEXT', 'no context')
  await code({ ...s, submittedAt: NOW + 2_000 }, 'SUBMISSION_EXPIRED', 'from the future')
  await code({ ...s, submittedAt: NOW - 600_001 }, 'SUBMISSION_EXPIRED', 'too old')
  await code({ ...s, submittedAt: 1.5 }, 'SUBMISSION_EXPIRED', 'not an integer')
  await code({ ...s, submittedAt: '1' }, 'SUBMISSION_EXPIRED', 'a string time')
  await code(s, 'HASH_MISMATCH', 'other bytes uploaded', `0x${'ab'.repeat(32)}`)
  await code({ ...s, signature: `0x${'ff'.repeat(65)}` }, 'BAD_SIGNATURE', 'garbage signature')
  await code({ ...s, context: 'another context' }, 'SIGNER_MISMATCH', 'a changed context recovers someone else')
  await code(await signed({}, OUTSIDER.wallet), 'SIGNER_MISMATCH', 'signed by another wallet')
  const forOtherChain = await signSubmission({ kind: 'file', sha256: SHA256, context: s.context, submittedAt: s.submittedAt }, CHAIN_ID + 1, REGISTRY, SUBMITTER.wallet)
  await code({ ...s, signature: forOtherChain }, 'SIGNER_MISMATCH', 'a signature for another chain')
  const asUrl = await signSubmission({ kind: 'url', sha256: SHA256, context: s.context, submittedAt: s.submittedAt }, CHAIN_ID, REGISTRY, SUBMITTER.wallet)
  await code({ ...s, signature: asUrl }, 'SIGNER_MISMATCH', 'a signature over another kind')
})
