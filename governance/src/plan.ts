// PLAN.json for `virusmap deploy`: how the fixed VMT supply is distributed and the governance
// settings. Amounts are whole-or-decimal VMT as strings ("1000000", "0.5"); every token of the
// supply must be allocated, so the deployer key keeps nothing by accident.
import { formatEther, getAddress, isAddress, parseEther } from 'ethers'
import type { DeployPlan, VestingGrant } from './deploy.ts'
import { GovernanceError } from './errors.ts'

// Most of the supply goes to miners (white paper): the rewards pool, the deployed RewardsDistributor, holds
// 60%, taken from what was the treasury's share; governance sets the per-epoch budget it pays out.
export const EXAMPLE_PLAN = {
  supply: '1000000000',
  governance: {
    votingDelayBlocks: 7200,
    votingPeriodBlocks: 50400,
    proposalThreshold: '100000',
    quorumPercent: 4,
    timelockDelaySeconds: 172800
  },
  treasury: '250000000',
  rewardsPool: { amount: '600000000' },
  holders: [],
  contributors: [
    { beneficiary: '0x000000000000000000000000000000000000bEEF', amount: '150000000', start: '2027-01-01T00:00:00Z', durationDays: 1460 }
  ]
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bad (why: string): GovernanceError { return new GovernanceError('BAD_PLAN', `bad plan: ${why}`) }
const vmt = (value: unknown, field: string): bigint => {
  if (typeof value !== 'string' || !/^\d+(\.\d{1,18})?$/.test(value)) throw bad(`${field} must be a VMT amount as a decimal string, e.g. "1000"`)
  return parseEther(value)
}
const int = (value: unknown, field: string, min: number, max: number): number => {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) throw bad(`${field} must be an integer from ${min} to ${max}`)
  return value as number
}
const address = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || !isAddress(value)) throw bad(`${field} must be an address`)
  return getAddress(value)
}

/** Parses and checks a plan; every problem is a GovernanceError('BAD_PLAN') naming the field. */
export function parsePlan (json: unknown): DeployPlan {
  if (!isObject(json)) throw bad('not a JSON object')
  const g = json.governance
  if (!isObject(g)) throw bad('governance must be an object')
  const supply = vmt(json.supply, 'supply')
  if (supply === 0n) throw bad('supply must be positive')
  const holders: Array<{ address: string, amount: bigint }> = []
  let rewardsPool = 0n
  if (json.rewardsPool !== undefined) {
    if (!isObject(json.rewardsPool)) throw bad('rewardsPool must be {amount} or {address, amount}')
    const amount = vmt(json.rewardsPool.amount, 'rewardsPool.amount')
    // Without an address the pool is the deployed RewardsDistributor; an address keeps an outside pool.
    if (json.rewardsPool.address === undefined) rewardsPool = amount
    else holders.push({ address: address(json.rewardsPool.address, 'rewardsPool.address'), amount })
  }
  if (json.holders !== undefined && !Array.isArray(json.holders)) throw bad('holders must be an array')
  for (const [i, h] of ((json.holders ?? []) as unknown[]).entries()) {
    if (!isObject(h)) throw bad(`holders[${i}] must be {address, amount}`)
    holders.push({ address: address(h.address, `holders[${i}].address`), amount: vmt(h.amount, `holders[${i}].amount`) })
  }
  const vesting: VestingGrant[] = []
  if (json.contributors !== undefined && !Array.isArray(json.contributors)) throw bad('contributors must be an array')
  for (const [i, c] of ((json.contributors ?? []) as unknown[]).entries()) {
    const f = `contributors[${i}]`
    if (!isObject(c)) throw bad(`${f} must be {beneficiary, amount, start, durationDays}`)
    const start = typeof c.start === 'string' ? Date.parse(c.start) / 1000 : c.start
    vesting.push({
      beneficiary: address(c.beneficiary, `${f}.beneficiary`),
      amount: vmt(c.amount, `${f}.amount`),
      start: int(start, `${f}.start (unix seconds or an ISO date)`, 0, 2 ** 40),
      durationSeconds: int(c.durationDays, `${f}.durationDays`, 0, 100 * 365) * 86_400
    })
  }
  const treasury = json.treasury === undefined ? 0n : vmt(json.treasury, 'treasury')
  const allocated = treasury + rewardsPool + [...holders, ...vesting].reduce((sum, a) => sum + a.amount, 0n)
  if (allocated !== supply) {
    throw bad(`treasury + rewardsPool + holders + contributors = ${formatEther(allocated)} VMT, but supply is ${formatEther(supply)} VMT`)
  }
  const quorum = int(g.quorumPercent, 'governance.quorumPercent', 1, 100)
  return {
    tokenSupply: supply,
    votingDelay: int(g.votingDelayBlocks, 'governance.votingDelayBlocks', 0, 2 ** 47),
    votingPeriod: int(g.votingPeriodBlocks, 'governance.votingPeriodBlocks', 1, 2 ** 31),
    proposalThreshold: g.proposalThreshold === undefined ? 0n : vmt(g.proposalThreshold, 'governance.proposalThreshold'),
    quorumNumerator: quorum,
    timelockMinDelay: int(g.timelockDelaySeconds, 'governance.timelockDelaySeconds', 0, 2 ** 40),
    holders,
    treasury,
    rewardsPool,
    vesting
  }
}
