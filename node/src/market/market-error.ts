/** Why a data-market step refused; tests assert on `code`. */
export type MarketErrorCode =
  /** the order's buyer key is no X25519 public key a wrap can be sealed to (a low-order point) */
  | 'BAD_BUYER_KEY'
  /** a node's answer is not a delivery (missing or malformed fields) */
  | 'BAD_DELIVERY'

export class MarketError extends Error {
  override readonly name = 'MarketError'
  readonly code: MarketErrorCode
  constructor (code: MarketErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
