/** Typed errors of the reward computation (SPEC section 17); callers branch on `code`. */
export const REWARDS_CODES = ['BAD_PARAMS', 'BAD_FACTS', 'BAD_STATE', 'BAD_EPOCH', 'BAD_DEPOSITS'] as const
export type RewardsCode = typeof REWARDS_CODES[number]

export class RewardsError extends Error {
  override name = 'RewardsError'
  code: RewardsCode
  constructor (code: RewardsCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
