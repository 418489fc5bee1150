/** The rewards topic's message: the strict parse of hostile JSON and the judgement of a member's RewardsRoot signature. */
import tap from 'tap'
import { Wallet } from 'ethers'
import { parseRewardsSignature, signRewardsRoot, validateRewardsSignature } from '../../src/index.ts'
import type { Hex, RewardsSignature, RewardsSignatureContext } from '../../src/index.ts'

const CHAIN_ID = 31337
const REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
const member = new Wallet(`0x${'01'.repeat(32)}`)
const outsider = new Wallet(`0x${'02'.repeat(32)}`)
const M = member.address.toLowerCase() as Hex
const ROOT = `0x${'ab'.repeat(32)}` as Hex

async function message (epoch = 3, by: Wallet = member, total = 1_000_000_000_000_000_000n): Promise<RewardsSignature> {
  const signature = await signRewardsRoot({ epoch, root: ROOT, total }, CHAIN_ID, REGISTRY, by)
  return { type: 'rewards-signature', epoch, member: by.address.toLowerCase() as Hex, root: ROOT, total: total.toString(), signature }
}

function context (over: Partial<RewardsSignatureContext> = {}): RewardsSignatureContext {
  return { chainId: CHAIN_ID, registry: REGISTRY, latestPayable: 5, isPosted: () => false, isMemberAt: (m, epoch) => m === M && epoch <= 5, ...over }
}

tap.test('a member\'s signature over a payable epoch is accepted and parses back to itself', async (t) => {
  const msg = await message()
  const parsed = parseRewardsSignature(JSON.parse(JSON.stringify(msg)))
  t.same(parsed, msg)
  t.same(validateRewardsSignature(parsed, context()), { epoch: 3, member: M, root: { epoch: 3, root: ROOT, total: 1_000_000_000_000_000_000n } })
})

tap.test('hostile JSON is MALFORMED, rejected', async (t) => {
  const good = await message()
  const cases: Array<[string, unknown]> = [
    ['null', null], ['an array', [good]], ['a string', 'rewards-signature'],
    ['a missing key', { ...good, total: undefined }], ['an extra key', { ...good, extra: 1 }],
    ['__proto__', JSON.parse(`{"type":"rewards-signature","epoch":3,"member":"${M}","root":"${ROOT}","total":"1","__proto__":{}}`)],
    ['another type', { ...good, type: 'anchor-signature' }],
    ['a negative epoch', { ...good, epoch: -1 }], ['a fractional epoch', { ...good, epoch: 1.5 }], ['an unsafe epoch', { ...good, epoch: 2 ** 53 }], ['a string epoch', { ...good, epoch: '3' }],
    ['a numeric total', { ...good, total: 5 }], ['a leading zero', { ...good, total: '01' }], ['a negative total', { ...good, total: '-1' }],
    ['a hex total', { ...good, total: '0x10' }], ['a total past uint256', { ...good, total: (1n << 256n).toString() }], ['a 10 kB total', { ...good, total: '9'.repeat(10_000) }],
    ['an uppercase member', { ...good, member: M.toUpperCase().replace('0X', '0x') }], ['a short root', { ...good, root: ROOT.slice(0, 64) }],
    ['a long signature', { ...good, signature: `${good.signature}00` }], ['a non-hex signature', { ...good, signature: `0x${'zz'.repeat(65)}` }]
  ]
  for (const [name, value] of cases) t.throws(() => parseRewardsSignature(value), { name: 'GossipValidationError', code: 'MALFORMED', action: 'reject' }, name)
  t.same(parseRewardsSignature({ ...good, total: (1n << 256n) - 1n + '' }).total, ((1n << 256n) - 1n).toString(), 'the largest uint256 parses')
})

tap.test('the judgement: early or posted epochs are ignored, outsiders and signatures over anything else rejected', async (t) => {
  const good = await message()
  const cases: Array<[string, RewardsSignature, RewardsSignatureContext, string, string]> = [
    ['an epoch not payable yet', await message(6), context(), 'ignore', 'FUTURE_EPOCH'],
    ['an epoch already posted', good, context({ isPosted: (e) => e === 3 }), 'ignore', 'ANCHORED'],
    ['an outsider\'s own signature', await message(3, outsider), context(), 'reject', 'NOT_MEMBER'],
    ['a member at another block', good, context({ isMemberAt: () => false }), 'reject', 'NOT_MEMBER'],
    ['another total than signed', { ...good, total: '1' }, context(), 'reject', 'SIGNER_MISMATCH'],
    ['another root than signed', { ...good, root: `0x${'cd'.repeat(32)}` }, context(), 'reject', 'SIGNER_MISMATCH'],
    ['another chain', good, context({ chainId: 1 }), 'reject', 'SIGNER_MISMATCH'],
    ['an outsider\'s signature claimed by the member', { ...good, signature: (await message(3, outsider)).signature }, context(), 'reject', 'SIGNER_MISMATCH'],
    ['a zero signature', { ...good, signature: `0x${'00'.repeat(65)}` }, context(), 'reject', 'BAD_SIGNATURE']
  ]
  for (const [name, msg, ctx, action, code] of cases) t.throws(() => validateRewardsSignature(msg, ctx), { name: 'GossipValidationError', action, code }, name)
})
