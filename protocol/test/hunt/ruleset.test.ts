/**
 * Sealing a ruleset to the members (SPEC 19): each member opens its own seal to the rules; another member,
 * chain, registry or ruleset, a tampered seal or ciphertext, or a scan wrap's construction does not open.
 */
import tap from 'tap'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_RULES_BYTES, openRuleset, rulesetIdOf, sealRuleset } from '../../src/hunt/index.ts'
import type { SealedRuleset } from '../../src/hunt/index.ts'
import type { Hex } from '../../src/messages.ts'
import { CHAIN_ID, member, REGISTRY } from '../fixtures.ts'

const RULES = 'rule hunt_eicar { strings: $a = "EICAR" condition: $a }\n// ünïcode comment\n'
const members = [member(0), member(1), member(2)]
const binding = { chainId: CHAIN_ID, registry: REGISTRY }
const keys = members.map((m) => ({ member: m.address, x25519Key: `0x${bytesToHex(m.x25519PublicKey)}` as Hex }))
const sealed = sealRuleset(RULES, keys.toReversed(), binding)

const flip = (hex: Hex, at: number): Hex => `${hex.slice(0, at)}${hex[at] === '0' ? '1' : '0'}${hex.slice(at + 1)}` as Hex

tap.test('every member opens the rules; the id is the ciphertext\'s hash; seals ascend by member', async (t) => {
  t.equal(sealed.rulesetId, rulesetIdOf(sealed.ciphertext))
  t.same(sealed.seals.map((s) => s.member), members.map((m) => m.address).toSorted())
  for (const m of members) t.equal(openRuleset(sealed, m.address, m.x25519SecretKey, binding), RULES)
  t.not(sealRuleset(RULES, keys, binding).rulesetId, sealed.rulesetId, 'a fresh key and nonce per sealing: one rules text, unlinkable ids')
})

tap.test('a seal opens for its own member, chain, registry and ruleset only', async (t) => {
  const [a, b, c] = members as [ReturnType<typeof member>, ReturnType<typeof member>, ReturnType<typeof member>]
  t.throws(() => openRuleset(sealed, member(3).address, member(3).x25519SecretKey, binding), { code: 'NOT_SEALED' })
  t.throws(() => openRuleset(sealed, a.address, b.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' }, 'another member\'s key')
  t.throws(() => openRuleset(sealed, a.address, a.x25519SecretKey, { ...binding, chainId: CHAIN_ID + 1 }), { code: 'SEAL_DOES_NOT_OPEN' })
  t.throws(() => openRuleset(sealed, a.address, a.x25519SecretKey, { ...binding, registry: `0x${'77'.repeat(20)}` }), { code: 'SEAL_DOES_NOT_OPEN' })
  // b's seal presented as c's: bound to b's address, so it does not open for c
  const swapped: SealedRuleset = { ...sealed, seals: sealed.seals.map((s) => s.member === c.address ? { ...s, sealedKey: sealed.seals.find((x) => x.member === b.address)?.sealedKey as Hex } : s) }
  t.throws(() => openRuleset(swapped, c.address, c.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' })
  const other = sealRuleset(RULES, keys, binding)
  t.throws(() => openRuleset({ ...sealed, seals: other.seals }, a.address, a.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' }, 'another ruleset\'s seals')
})

tap.test('tampered or malformed bytes are named', async (t) => {
  const a = members[0] as ReturnType<typeof member>
  const tamperedSeals = sealed.seals.map((s) => ({ ...s, sealedKey: flip(s.sealedKey, 40) }))
  t.throws(() => openRuleset({ ...sealed, seals: tamperedSeals }, a.address, a.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' })
  const ciphertext = flip(sealed.ciphertext, 60)
  t.throws(() => openRuleset({ ...sealed, ciphertext }, a.address, a.x25519SecretKey, binding), { code: 'ID_MISMATCH' }, 'the id no longer fits')
  t.throws(() => openRuleset({ ...sealed, ciphertext, rulesetId: rulesetIdOf(ciphertext) }, a.address, a.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' }, 'a re-hashed tampered ciphertext fails authentication')
  t.throws(() => openRuleset({ ...sealed, ephemeralPublicKey: '0x00' }, a.address, a.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' })
  t.throws(() => openRuleset({ ...sealed, ephemeralPublicKey: `0x${'00'.repeat(32)}` }, a.address, a.x25519SecretKey, binding), { code: 'SEAL_DOES_NOT_OPEN' }, 'a low-order key')
})

tap.test('the rules are bounded and not empty', async (t) => {
  t.throws(() => sealRuleset('', keys, binding), { code: 'OVERSIZE' })
  t.throws(() => sealRuleset('x'.repeat(MAX_RULES_BYTES + 1), keys, binding), { code: 'OVERSIZE' })
  t.throws(() => sealRuleset('é'.repeat(MAX_RULES_BYTES / 2 + 1), keys, binding), { code: 'OVERSIZE' }, 'counted in UTF-8 bytes')
  t.ok(sealRuleset('x'.repeat(MAX_RULES_BYTES), keys, binding).ciphertext)
  t.throws(() => sealRuleset(RULES, [], binding), RangeError)
})
