/**
 * Match notifications (SPEC 19): the HuntMatch digest is EIP-712's, the parse refuses hostile shapes by
 * code, a changed field recovers another signer, and a rule's match is confirmed only by f+1 distinct
 * members at the job's block: duplicates, outsiders, forgeries and a disagreeing hash add nothing.
 */
import tap from 'tap'
import { TypedDataEncoder } from 'ethers'
import { EIP712_TYPES, eip712Domain } from '../../src/index.ts'
import { checkHuntAccess, checkHuntMatchSignature, countHuntMatches, huntAccessHeader, huntMatchDigest, MAX_ACCESS_AGE_MS, MAX_MATCH_RULES, parseSignedHuntMatch, signHuntMatch } from '../../src/hunt/index.ts'
import type { HuntMatch, SignedHuntMatch } from '../../src/hunt/index.ts'
import type { Hex } from '../../src/messages.ts'
import { actor, CHAIN_ID, member, NOW, REGISTRY } from '../fixtures.ts'

const members = [member(0), member(1), member(2), member(3)]
const addresses = members.map((m) => m.address).toSorted()
const match = (i: number, over: Partial<HuntMatch> = {}): HuntMatch => ({
  rulesetId: `0x${'aa'.repeat(32)}`, member: (members[i] as ReturnType<typeof member>).address, jobId: `0x${'bb'.repeat(32)}`, sha256: `0x${'cc'.repeat(32)}`,
  membershipBlock: 12, rules: ['alpha', 'beta'], matchedAt: NOW, ...over
})
const sign = async (i: number, over: Partial<HuntMatch> = {}): Promise<SignedHuntMatch> => await signHuntMatch(match(i, over), CHAIN_ID, REGISTRY, (members[i] as ReturnType<typeof member>).wallet)
const ctx = { chainId: CHAIN_ID, registry: REGISTRY, membersAt: (block: number) => block === 12 ? addresses : [], faultDivisorAt: () => 3 }

tap.test('the digest is EIP-712\'s; the signer is the member named', async (t) => {
  t.equal(TypedDataEncoder.from(EIP712_TYPES.HuntMatch).encodeType('HuntMatch'), 'HuntMatch(bytes32 rulesetId,address member,bytes32 jobId,bytes32 sha256,uint64 membershipBlock,string[] rules,uint64 matchedAt)')
  t.equal(huntMatchDigest(match(0), CHAIN_ID, REGISTRY), TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.HuntMatch, match(0)))
  const n = await sign(1)
  t.equal(checkHuntMatchSignature(n, CHAIN_ID, REGISTRY), members[1]?.address)
  for (const over of [{ rules: ['alpha'] }, { jobId: `0x${'bd'.repeat(32)}` as Hex }, { sha256: `0x${'cd'.repeat(32)}` as Hex }, { matchedAt: NOW + 1 }, { member: members[2]?.address as Hex }]) {
    t.throws(() => checkHuntMatchSignature({ ...n, match: { ...n.match, ...over } }, CHAIN_ID, REGISTRY), { code: 'BAD_SIGNATURE' }, Object.keys(over).join())
  }
  t.throws(() => checkHuntMatchSignature(n, CHAIN_ID + 1, REGISTRY), { code: 'BAD_SIGNATURE' }, 'another chain')
  t.throws(() => checkHuntMatchSignature({ ...n, signature: `0x${'00'.repeat(65)}` }, CHAIN_ID, REGISTRY), { code: 'BAD_SIGNATURE' })
})

tap.test('a notification round-trips; hostile ones are MALFORMED', async (t) => {
  const n = await sign(0)
  t.same(parseSignedHuntMatch(JSON.parse(JSON.stringify(n))), n)
  const bad: Array<[string, unknown]> = [
    ['null', null], ['a list', [n]], ['another type', { ...n, type: 'verdict' }], ['an extra key', { ...n, report: {} }],
    ['a match with an extra key', { ...n, match: { ...n.match, vendor: '0x' } }],
    ['no rules', { ...n, match: { ...n.match, rules: [] } }],
    ['too many rules', { ...n, match: { ...n.match, rules: Array.from({ length: MAX_MATCH_RULES + 1 }, (_, i) => `r${String(i).padStart(3, '0')}`) } }],
    ['rules out of order', { ...n, match: { ...n.match, rules: ['beta', 'alpha'] } }],
    ['a duplicate rule', { ...n, match: { ...n.match, rules: ['alpha', 'alpha'] } }],
    ['a rule with a space', { ...n, match: { ...n.match, rules: ['al pha'] } }],
    ['a rule starting with a digit', { ...n, match: { ...n.match, rules: ['1alpha'] } }],
    ['a rule with a newline (log injection)', { ...n, match: { ...n.match, rules: ['a\nb'] } }],
    ['an overlong rule', { ...n, match: { ...n.match, rules: ['a'.repeat(129)] } }],
    ['a rule that is a number', { ...n, match: { ...n.match, rules: [1] } }],
    ['a negative time', { ...n, match: { ...n.match, matchedAt: -1 } }],
    ['a short signature', { ...n, signature: '0x00' }],
    ['__proto__ in the match', { ...n, match: JSON.parse(JSON.stringify(n.match).replace('"jobId"', '"__proto__"')) }]
  ]
  for (const [name, value] of bad) t.throws(() => parseSignedHuntMatch(value), { name: 'HuntError', code: 'MALFORMED' }, name)
})

tap.test('f+1 distinct members at the job\'s block confirm a rule\'s match, nothing less', async (t) => {
  // n = 4, d = 3: f = 1, two members needed
  const one = await sign(0)
  let counted = countHuntMatches([one, one, one], ctx)
  t.same(counted.map((c) => [c.rule, c.members.length, c.needed, c.confirmed]), [['alpha', 1, 2, false], ['beta', 1, 2, false]], 'one member thrice is one')
  const forged = { ...(await sign(1)), signature: one.signature }
  const outsider = await signHuntMatch({ ...match(0), member: actor(9).address }, CHAIN_ID, REGISTRY, actor(9).wallet)
  const otherBlock = await sign(1, { membershipBlock: 13 })
  counted = countHuntMatches([one, forged, outsider, otherBlock], ctx)
  t.same(counted.map((c) => c.confirmed), [false, false], 'a forgery, an outsider and a member at another block add nothing')
  const otherHash = await sign(1, { sha256: `0x${'dd'.repeat(32)}` })
  t.notOk(countHuntMatches([one, otherHash], ctx).some((c) => c.confirmed), 'disagreeing hashes are counted apart')
  counted = countHuntMatches([one, await sign(1, { rules: ['beta'] })], ctx)
  t.same(counted.map((c) => [c.rule, c.members, c.confirmed]), [['alpha', [members[0]?.address], false], ['beta', [members[0]?.address, members[1]?.address].toSorted(), true]], 'confirmed per rule')
  t.same(countHuntMatches([], ctx), [])
})

tap.test('an access header is the vendor\'s, for this node, near its clock', async (t) => {
  const vendor = actor(5)
  const node = members[0]?.address as Hex
  const header = await huntAccessHeader(vendor.wallet, node, NOW, CHAIN_ID, REGISTRY)
  const c = { node, now: NOW + 1000, chainId: CHAIN_ID, registry: REGISTRY, vendor: vendor.address }
  t.equal(checkHuntAccess(header, c), vendor.address)
  t.throws(() => checkHuntAccess(header, { ...c, node: members[1]?.address as Hex }), { code: 'BAD_ACCESS' }, 'replayed to another node')
  t.throws(() => checkHuntAccess(header, { ...c, vendor: actor(6).address }), { code: 'BAD_ACCESS' }, 'another vendor claimed')
  t.throws(() => checkHuntAccess(header, { ...c, now: NOW + MAX_ACCESS_AGE_MS + 1 }), { code: 'ACCESS_EXPIRED' })
  t.throws(() => checkHuntAccess(header, { ...c, now: NOW - MAX_ACCESS_AGE_MS - 1 }), { code: 'ACCESS_EXPIRED' }, 'from the future')
  const [, signature] = header.split('.')
  for (const h of [undefined, '', 'x', `${NOW}`, `${NOW}.`, `0${NOW}.${signature}`, `${NOW}.${signature?.toUpperCase()}`, `${NOW} .${signature}`, `${NOW + 1}.${signature}`, `${NOW}.${signature}00`, ['a']]) {
    t.throws(() => checkHuntAccess(h, c), { name: 'HuntError' }, JSON.stringify(h))
  }
})
