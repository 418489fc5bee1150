/**
 * Sealing a vendor's YARA ruleset to the members (SPEC section 19): the rules are encrypted once under a
 * random rules key, and that key is sealed to each member's X25519 key with the construction of the key
 * wraps (x25519-seal.ts) under the hunt's own domain, bound to the chain, the registry, the ruleset and
 * the member. Only members open the rules; the ruleset id is the ciphertext's hash, what an order names.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { KeyUnwrapError } from '../errors.ts'
import type { Hex } from '../messages.ts'
import { concatBytes, fixedBytes, NONCE_BYTES, openKey, sealKey, strip0x } from '../x25519-seal.ts'
import { HuntError } from './errors.ts'

export const HUNT_RULES_INFO = 'virusmap/hunt-rules/v1'
/** the most bytes of YARA source one ruleset may hold */
export const MAX_RULES_BYTES = 65_536
const TAG_BYTES = 16
export const MAX_CIPHERTEXT_BYTES = NONCE_BYTES + MAX_RULES_BYTES + TAG_BYTES

/** What a seal is bound to, besides the member it names. */
export interface HuntBinding {
  chainId: number
  /** the SupernodeRegistry */
  registry: Hex
}

export interface RulesetSeal {
  member: Hex
  /** nonce ‖ sealed rules key ‖ tag, 60 bytes */
  sealedKey: Hex
}

export interface SealedRuleset {
  rulesetId: Hex
  ciphertext: Hex
  ephemeralPublicKey: Hex
  /** ascending by member */
  seals: RulesetSeal[]
}

function sealInfo (b: HuntBinding, rulesetId: Hex, member: Hex): Uint8Array {
  if (!Number.isSafeInteger(b.chainId) || b.chainId < 0) throw new RangeError('chainId must be a non-negative integer')
  return concatBytes(new TextEncoder().encode(HUNT_RULES_INFO), fixedBytes(b.chainId.toString(16).padStart(64, '0'), 32, 'chainId'),
    fixedBytes(b.registry, 20, 'registry'), fixedBytes(rulesetId, 32, 'rulesetId'), fixedBytes(member, 20, 'member'))
}

/** keccak256 of the ciphertext's bytes: the ruleset's id, the subject of its hunt orders. */
export function rulesetIdOf (ciphertext: Hex): Hex {
  return `0x${bytesToHex(keccak_256(hexToBytes(strip0x(ciphertext))))}`
}

/** Encrypts `rules` and seals its key to every member (address and X25519 public key, any order). */
export function sealRuleset (rules: string, members: ReadonlyArray<{ member: Hex, x25519Key: Hex }>, binding: HuntBinding): SealedRuleset {
  const source = new TextEncoder().encode(rules)
  if (source.length === 0 || source.length > MAX_RULES_BYTES) throw new HuntError('OVERSIZE', `a ruleset is 1..${MAX_RULES_BYTES} bytes of YARA source`)
  if (members.length === 0) throw new RangeError('no member to seal the ruleset to')
  const rulesKey = randomBytes(32)
  const ephemeral = x25519.keygen()
  try {
    const nonce = randomBytes(NONCE_BYTES)
    const ciphertext = `0x${bytesToHex(nonce)}${bytesToHex(chacha20poly1305(rulesKey, nonce).encrypt(source))}` as Hex
    const rulesetId = rulesetIdOf(ciphertext)
    const seals = members.map(({ member, x25519Key }) => {
      const m = member.toLowerCase() as Hex
      return { member: m, sealedKey: sealKey(rulesKey, ephemeral.secretKey, fixedBytes(x25519Key, 32, 'x25519Key'), sealInfo(binding, rulesetId, m)) }
    }).toSorted((a, b) => a.member < b.member ? -1 : a.member > b.member ? 1 : 0)
    return { rulesetId, ciphertext, ephemeralPublicKey: `0x${bytesToHex(ephemeral.publicKey)}`, seals }
  } finally {
    rulesKey.fill(0)
    ephemeral.secretKey.fill(0)
  }
}

/**
 * A member's opening of a sealed ruleset: its seal, then the rules. Throws HuntError NOT_SEALED (no seal
 * names it), ID_MISMATCH (the ciphertext is not the ruleset's), SEAL_DOES_NOT_OPEN (a wrong or tampered
 * seal, or a key that does not decrypt the rules) or RULES_INVALID (not UTF-8).
 */
export function openRuleset (sealed: SealedRuleset, member: Hex, memberSecretKey: Uint8Array, binding: HuntBinding): string {
  const self = member.toLowerCase() as Hex
  const seal = sealed.seals.find((s) => s.member === self)
  if (seal === undefined) throw new HuntError('NOT_SEALED', 'no seal names this member')
  if (rulesetIdOf(sealed.ciphertext) !== sealed.rulesetId) throw new HuntError('ID_MISMATCH', 'the ciphertext is not the ruleset\'s')
  let rulesKey: Uint8Array
  try {
    rulesKey = openKey(seal.sealedKey, memberSecretKey, fixedBytes(sealed.ephemeralPublicKey, 32, 'ephemeralPublicKey'), () => sealInfo(binding, sealed.rulesetId, self))
  } catch (err) {
    if (err instanceof KeyUnwrapError || err instanceof RangeError) throw new HuntError('SEAL_DOES_NOT_OPEN', 'this member\'s seal does not open', { cause: err })
    throw err
  }
  let source: Uint8Array
  try {
    const bytes = hexToBytes(strip0x(sealed.ciphertext))
    source = chacha20poly1305(rulesKey, bytes.subarray(0, NONCE_BYTES)).decrypt(bytes.subarray(NONCE_BYTES))
  } catch (err) {
    throw new HuntError('SEAL_DOES_NOT_OPEN', 'the sealed key does not decrypt the rules', { cause: err })
  } finally {
    rulesKey.fill(0)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(source)
  } catch (err) {
    throw new HuntError('RULES_INVALID', 'the rules are not UTF-8', { cause: err })
  }
}
