// Deploys the VirusMap governance stack: VMT -> TimelockController -> Governor -> SupernodeRegistry
// (+ EquivocationEvidence, named as its evidence verifier before the timelock takes the registry)
// -> NetworkParameters -> ReportAnchors (epochs of the parameters' epochBlocks, SPEC section 15)
// -> RewardsDistributor (funded with the plan's rewards pool) -> DataMarket (crediting fees to it),
// wires the timelock to the governor and gives up the deployer's admin power.
import { ContractFactory, ZeroAddress, encodeBytes32String } from 'ethers'
import type { BaseContract, ContractTransactionResponse, Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { rewardNetworkParameters } from '#protocol/rewards/governed.ts'
import { anchorsArtifact, depositsArtifact, evidenceArtifact, governorArtifact, marketArtifact, parametersArtifact, registryArtifact, rewardsArtifact, timelockArtifact, vestingArtifact, vmtArtifact } from './artifacts.ts'
import { nonceManaged } from './nonces.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface DeployPlan {
  /** Total VMT supply in wei units (18 decimals), minted to the deployer. */
  tokenSupply: bigint
  /** Blocks between proposal and vote start. */
  votingDelay: number
  /** Blocks a vote stays open. */
  votingPeriod: number
  /** Votes needed to propose (wei units). */
  proposalThreshold: bigint
  /** Quorum, percent of the past total supply. */
  quorumNumerator: number
  /** Seconds between queue and execute. */
  timelockMinDelay: number
  /** Transferred from the deployer after deployment. */
  holders?: Array<{ address: string, amount: bigint }>
  /** Sent to the TimelockController (spendable only by passed proposals). */
  treasury?: bigint
  /** Initial network parameters (name -> value); DEFAULT_NETWORK_PARAMETERS fill the rest. */
  parameters?: Record<string, bigint>
  /** Each gets an OpenZeppelin VestingWallet holding `amount`, released linearly from `start` over `durationSeconds`. */
  vesting?: VestingGrant[]
  /** Share of a bond slashed by evidence paid to whoever submitted it, in basis points (default DEFAULT_REPORTER_SHARE_BPS). */
  reporterShareBps?: number
  /** Sent to the RewardsDistributor: the miners' share of the supply, paid out by posted rewards roots. */
  rewardsPool?: bigint
  /** Blocks a rewards root waits, freezable by a member, before it pays (default DEFAULT_MARKET_TERMS.challengeBlocks). */
  rewardsChallengeBlocks?: number
  /** The data market's split and delivery window (default DEFAULT_MARKET_TERMS). */
  market?: Partial<MarketTerms>
}

export interface MarketTerms {
  /** the delivering members' share of a price, basis points */
  memberBps: number
  /** the discoverer's share, credited to the rewards pool, basis points; the burn takes the rest */
  discovererBps: number
  /** blocks an order may be fulfilled in before it can be refunded */
  deliveryBlocks: number
}

/** Half to the members who deliver, a quarter to the discoverer through the pool, a quarter burned; a day of 12 s blocks to deliver. */
export const DEFAULT_MARKET_TERMS: Readonly<MarketTerms> = { memberBps: 5000, discovererBps: 2500, deliveryBlocks: 7200 }
/** A day of 12 s blocks for a member to freeze a wrong rewards root. */
export const DEFAULT_REWARDS_CHALLENGE_BLOCKS = 7200

/** A tenth of a slashed bond to the node that proved the equivocation, the rest to the treasury. */
export const DEFAULT_REPORTER_SHARE_BPS = 1000

export interface VestingGrant {
  beneficiary: string
  amount: bigint
  /** Unix seconds. */
  start: number
  durationSeconds: number
}

/** A deployed vesting wallet (the plan's grant plus the wallet's address). */
export interface VestingWalletInfo {
  beneficiary: Hex
  wallet: Hex
  amount: string
  start: number
  durationSeconds: number
}

export interface VirusMapContracts {
  vmt: Hex
  timelock: Hex
  governor: Hex
  registry: Hex
  /** NetworkParameters (deployments made before it existed lack it). */
  parameters?: Hex
  /** EquivocationEvidence, the registry's evidence verifier (deployments made before it existed lack it). */
  evidence?: Hex
  /** ReportAnchors, where epochs' report roots are anchored (deployments made before it existed lack it). */
  anchors?: Hex
  /** RewardsDistributor, the rewards pool (deployments made before it existed lack it). */
  rewards?: Hex
  /** DataMarket, where vendors buy (deployments made before it existed lack it). */
  market?: Hex
  /** SubmissionDeposits, submitters' deposits (SPEC 17 rule 0; deployments made before it existed lack it). */
  deposits?: Hex
}

/** The parameters every deployment starts with, unless its plan says otherwise. */
export const DEFAULT_NETWORK_PARAMETERS: Readonly<Record<string, bigint>> = {
  commitWindowMs: 5000n,
  revealWindowMs: 10_000n,
  maxSampleBytes: 650n * 1024n * 1024n,
  /** quorum = n - floor((n - 1) / quorumFaultDivisor): 3 tolerates f faulty of n >= 3f + 1 */
  quorumFaultDivisor: 3n,
  epochBlocks: 7200n,
  rewardBudgetPerEpoch: 0n,
  // the reward function's governed parameters (SPEC 17), starting at the protocol's defaults
  ...rewardNetworkParameters()
}

/** The deployment file of INTERFACES.md without rpcUrl, which only the caller knows. */
export interface VirusMapDeployment {
  chainId: number
  /** Block of the first deployment transaction: followers scan events from here. */
  deployBlock: number
  contracts: VirusMapContracts
  /** Contributor vesting wallets, when the plan has any. */
  vesting?: VestingWalletInfo[]
}

export interface DeployInput { deployer: Signer, plan: DeployPlan }

export async function deployVirusMap (input: DeployInput, options: AbortOptions = {}): Promise<VirusMapDeployment> {
  const { plan } = input
  const { signal } = options
  const deployer = await nonceManaged()(input.deployer)
  const provider = deployer.provider
  if (provider === null) throw new Error('deployer signer has no provider')
  const deployerAddress = await deployer.getAddress()
  const chainId = Number((await provider.getNetwork()).chainId)

  signal?.throwIfAborted()
  const vmt = await deploy(vmtArtifact, deployer, [deployerAddress, plan.tokenSupply])
  const vmtReceipt = await vmt.deploymentTransaction()?.wait()
  if (vmtReceipt === undefined || vmtReceipt === null) throw new Error('VMT deployment has no receipt')

  signal?.throwIfAborted()
  // Executor role open to anyone (address(0)): a passed, delayed proposal can be run by any account.
  // The deployer is admin only until the governor holds the proposer and canceller roles.
  const timelock = await deploy(timelockArtifact, deployer, [plan.timelockMinDelay, [], [ZeroAddress], deployerAddress])
  signal?.throwIfAborted()
  const governor = await deploy(governorArtifact, deployer, [
    await vmt.getAddress(), await timelock.getAddress(), plan.votingDelay, plan.votingPeriod,
    plan.proposalThreshold, plan.quorumNumerator
  ])
  signal?.throwIfAborted()
  // The deployer owns the registry only until it has named its evidence verifier.
  const registry = await deploy(registryArtifact, deployer, [deployerAddress])
  signal?.throwIfAborted()
  const evidence = await deploy(evidenceArtifact, deployer, [
    await timelock.getAddress(), await registry.getAddress(), plan.reporterShareBps ?? DEFAULT_REPORTER_SHARE_BPS
  ])
  await send(registry.getFunction('setEvidenceVerifier')(await evidence.getAddress()))
  await send(registry.getFunction('transferOwnership')(await timelock.getAddress()))
  signal?.throwIfAborted()
  const initial = Object.entries({ ...DEFAULT_NETWORK_PARAMETERS, ...plan.parameters })
  const parameters = await deploy(parametersArtifact, deployer, [
    await timelock.getAddress(), initial.map(([name]) => encodeBytes32String(name)), initial.map(([, value]) => value)
  ])
  signal?.throwIfAborted()
  // Reads epochBlocks once and keeps it: epoch numbers never move (a new E needs a new anchors contract).
  const anchors = await deploy(anchorsArtifact, deployer, [await registry.getAddress(), await parameters.getAddress()])
  signal?.throwIfAborted()
  // The deployer owns the distributor until it names the market, then hands it to the timelock.
  const rewards = await deploy(rewardsArtifact, deployer, [
    deployerAddress, await vmt.getAddress(), await anchors.getAddress(), plan.rewardsChallengeBlocks ?? DEFAULT_REWARDS_CHALLENGE_BLOCKS
  ])
  const terms = { ...DEFAULT_MARKET_TERMS, ...plan.market }
  const market = await deploy(marketArtifact, deployer, [
    await timelock.getAddress(), await rewards.getAddress(), await parameters.getAddress(), terms.memberBps, terms.discovererBps, terms.deliveryBlocks
  ])
  await send(rewards.getFunction('setMarket')(await market.getAddress()))
  const deposits = await deploy(depositsArtifact, deployer, [await rewards.getAddress()])
  await send(rewards.getFunction('setDeposits')(await deposits.getAddress()))
  await send(rewards.getFunction('transferOwnership')(await timelock.getAddress()))

  const governorAddress = await governor.getAddress()
  const role = async (name: string): Promise<string> => await timelock.getFunction(name).staticCall() as string
  signal?.throwIfAborted()
  await send(timelock.getFunction('grantRole')(await role('PROPOSER_ROLE'), governorAddress))
  await send(timelock.getFunction('grantRole')(await role('CANCELLER_ROLE'), governorAddress))
  await send(timelock.getFunction('renounceRole')(await role('DEFAULT_ADMIN_ROLE'), deployerAddress))

  for (const holder of plan.holders ?? []) {
    signal?.throwIfAborted()
    await send(vmt.getFunction('transfer')(holder.address, holder.amount))
  }
  if (plan.rewardsPool !== undefined && plan.rewardsPool > 0n) {
    signal?.throwIfAborted()
    await send(vmt.getFunction('transfer')(await rewards.getAddress(), plan.rewardsPool))
  }
  if (plan.treasury !== undefined && plan.treasury > 0n) {
    signal?.throwIfAborted()
    await send(vmt.getFunction('transfer')(await timelock.getAddress(), plan.treasury))
  }
  const vesting: VestingWalletInfo[] = []
  for (const grant of plan.vesting ?? []) {
    signal?.throwIfAborted()
    const wallet = await deploy(vestingArtifact, deployer, [grant.beneficiary, grant.start, grant.durationSeconds])
    await send(vmt.getFunction('transfer')(await wallet.getAddress(), grant.amount))
    vesting.push({
      beneficiary: grant.beneficiary.toLowerCase() as Hex,
      wallet: await lower(wallet),
      amount: grant.amount.toString(),
      start: grant.start,
      durationSeconds: grant.durationSeconds
    })
  }

  return {
    chainId,
    deployBlock: vmtReceipt.blockNumber,
    contracts: {
      vmt: await lower(vmt),
      timelock: await lower(timelock),
      governor: await lower(governor),
      registry: await lower(registry),
      parameters: await lower(parameters),
      evidence: await lower(evidence),
      anchors: await lower(anchors),
      rewards: await lower(rewards),
      market: await lower(market),
      deposits: await lower(deposits)
    },
    ...(vesting.length > 0 ? { vesting } : {})
  }
}

interface Artifact { abi: unknown[], bytecode: string }

async function deploy (artifact: Artifact, deployer: Signer, args: unknown[]): Promise<BaseContract> {
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, deployer)
  const contract = await factory.deploy(...args)
  await contract.waitForDeployment()
  return contract
}

async function send (pending: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await pending).wait()
  if (receipt?.status !== 1) throw new Error('transaction failed')
}

async function lower (contract: BaseContract): Promise<Hex> {
  return (await contract.getAddress()).toLowerCase() as Hex
}
