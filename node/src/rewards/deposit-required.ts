// What a signed report needs locked in SubmissionDeposits now (SPEC 17 rule 0): NetworkParameters'
// rewardSubmissionDeposit, or, where the key was never set (its `get` reverts), the protocol's default, as
// the members' rewardParamsFrom reads an unset key. For the CLI and the devnet, which read the latest block.
import { Contract, encodeBytes32String } from 'ethers'
import type { Provider } from 'ethers'
import { parametersArtifact } from '#governance/artifacts.ts'
import { DEFAULT_REWARD_PARAMS, REWARD_PARAMETER_KEYS } from '#protocol/rewards/index.ts'

export async function depositRequired (parameters: string | undefined, provider: Provider): Promise<bigint> {
  const fallback = DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n
  if (parameters === undefined) return fallback
  const contract = new Contract(parameters, parametersArtifact.abi, provider)
  const known = (await contract.getFunction('keys')() as string[]).includes(encodeBytes32String(REWARD_PARAMETER_KEYS.submissionDeposit))
  return known ? await contract.getFunction('get')(encodeBytes32String(REWARD_PARAMETER_KEYS.submissionDeposit)) as bigint : fallback
}
