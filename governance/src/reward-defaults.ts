// The proposal that brings governed reward parameters (SPEC 17) of an existing deployment to the protocol's
// defaults: a deployment starts with DEFAULT_REWARD_PARAMS, but one deployed before a release changed them
// keeps its own values until governance sets them (e.g. issue 16's submission deposit and fee).
import { rewardNetworkParameters } from '#protocol/rewards/governed.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/params.ts'
import type { RewardParams } from '#protocol/rewards/params.ts'
import { GovernanceError } from './errors.ts'
import { joinActions, setParamActions } from './gov.ts'
import type { Actions } from './gov.ts'
import type { VirusMapContracts } from './deploy.ts'

/** `keys` (NetworkParameters names such as rewardSubmissionDeposit) set to their values in `params`, one proposal. */
export function rewardDefaultsActions (contracts: VirusMapContracts, keys: readonly string[], params: RewardParams = DEFAULT_REWARD_PARAMS): { actions: Actions, values: Record<string, bigint> } {
  const defaults = rewardNetworkParameters(params)
  if (keys.length === 0) throw new GovernanceError('BAD_INPUT', `name at least one governed reward parameter: ${Object.keys(defaults).join(', ')}`)
  const values: Record<string, bigint> = {}
  for (const key of keys) {
    const value = Object.hasOwn(defaults, key) ? defaults[key] : undefined
    if (value === undefined) throw new GovernanceError('BAD_INPUT', `"${key.slice(0, 40)}" is not a governed reward parameter with a default (${Object.keys(defaults).join(', ')})`)
    if (Object.hasOwn(values, key)) throw new GovernanceError('BAD_INPUT', `${key} is named twice`)
    values[key] = value
  }
  return { actions: joinActions(...Object.entries(values).map(([key, value]) => setParamActions(contracts, key, value))), values }
}
