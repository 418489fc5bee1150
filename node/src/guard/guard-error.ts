/** Why the guard refused a request or could not read its own inputs; tests assert on `code`. */
export type GuardErrorCode =
  /** not an object / not a string / a field of the wrong type */
  | 'BAD_TYPE'
  /** not even-length 0x-prefixed hex, or not the expected byte length */
  | 'BAD_HEX'
  /** not a 20-byte address */
  | 'BAD_ADDRESS'
  /** a quantity that is not a uint256 */
  | 'BAD_NUMBER'
  /** larger than the guard reads (bytes, characters or nesting) */
  | 'OVERSIZE'
  /** an array longer than the guard reads */
  | 'TOO_MANY_ITEMS'
  /** calldata whose selector the guard knows but whose arguments do not decode */
  | 'BAD_CALLDATA'
  /** a JSON text that does not parse */
  | 'BAD_JSON'
  /** EIP-712 typed data that is not well formed */
  | 'BAD_TYPED_DATA'
  /** a method the guard does not judge */
  | 'UNSUPPORTED_METHOD'
  /** the local store file is unreadable or malformed */
  | 'BAD_STORE'
  /** the chain or the store belongs to another deployment (chain id and registry) than the one trusted */
  | 'WRONG_DEPLOYMENT'
  /** the RPC failed, answered an error or something that is not JSON-RPC */
  | 'RPC_FAILED'
  /** the RPC does not offer the method (eth_simulateV1, debug_traceCall) */
  | 'RPC_UNSUPPORTED'

export class GuardError extends Error {
  override readonly name = 'GuardError'
  readonly code: GuardErrorCode
  constructor (code: GuardErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
