/** Why a hunt registration, notification or access header is refused (SPEC section 19). Callers branch on `code`. */
export const HUNT_ERROR_CODES = [
  /** not the message's schema (keys, types, lengths, alphabets, order) */
  'MALFORMED',
  /** larger than the message's bound, refused unread */
  'OVERSIZE',
  /** keccak256(ciphertext) is not the rulesetId */
  'ID_MISMATCH',
  /** no confirmed order with this id */
  'NO_ORDER',
  /** the order is not a hunt of this ruleset bought by this vendor */
  'WRONG_ORDER',
  /** the order's paid period is over */
  'EXPIRED',
  /** the seals name a block this member does not follow yet */
  'FUTURE_BLOCK',
  /** no seal for this member */
  'NOT_SEALED',
  /** this member's seal does not open, or opens to a key that does not decrypt the rules */
  'SEAL_DOES_NOT_OPEN',
  /** the rules are not UTF-8 YARA source that compiles */
  'RULES_INVALID',
  /** the rules did not compile within the member's bound */
  'COMPILE_TIMEOUT',
  /** this member holds its most active rulesets */
  'TOO_MANY_RULESETS',
  /** a signature that does not recover, or recovers to another address */
  'BAD_SIGNATURE',
  /** an access header that is not the vendor's for this node */
  'BAD_ACCESS',
  /** an access header signed too long ago, or in the future */
  'ACCESS_EXPIRED',
  /** a Retrohunt is already running at this member */
  'RETRO_BUSY',
  /** no active ruleset of this vendor with this id here */
  'UNKNOWN_RULESET'
] as const
export type HuntErrorCode = typeof HUNT_ERROR_CODES[number]

export class HuntError extends Error {
  override readonly name = 'HuntError'
  readonly code: HuntErrorCode
  constructor (code: HuntErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
