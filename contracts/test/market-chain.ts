// Shared deploy helpers of the rewards and market tests: a fresh anvil with SupernodeRegistry,
// NetworkParameters, ReportAnchors, VMT, RewardsDistributor and DataMarket owned by the first account
// (the Timelock's place), members registered and admitted, and the EIP-712 signing of both contracts'
// messages under the protocol's domain.
import { Contract, ContractFactory, JsonRpcProvider, Wallet, encodeBytes32String, hexlify, parseEther, randomBytes } from 'ethers'
import type { ContractTransactionReceipt, JsonRpcSigner } from 'ethers'
import anchorsArtifact from '../artifacts/ReportAnchors.json' with { type: 'json' }
import marketArtifact from '../artifacts/DataMarket.json' with { type: 'json' }
import parametersArtifact from '../artifacts/NetworkParameters.json' with { type: 'json' }
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import rewardsArtifact from '../artifacts/RewardsDistributor.json' with { type: 'json' }
import depositsArtifact from '../artifacts/SubmissionDeposits.json' with { type: 'json' }
import vmtArtifact from '../artifacts/VMT.json' with { type: 'json' }
import { startAnvil } from '../../node/src/chain/anvil.ts'
import type { Anvil } from '../../node/src/chain/anvil.ts'
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { signDelivered } from '#protocol/delivered.ts'
import type { Hex } from '#protocol/messages.ts'
import { signRewardsRoot } from '#protocol/rewards/root.ts'
import type { RewardsRoot } from '#protocol/rewards/root.ts'

export const key = (name: string): string => encodeBytes32String(name)
export const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex
export const lower = (a: string): Hex => a.toLowerCase() as Hex
export const ascending = (ws: readonly Wallet[]): Wallet[] => ws.toSorted((a, b) => (lower(a.address) < lower(b.address) ? -1 : 1))

export async function mined (pending: Promise<unknown>): Promise<ContractTransactionReceipt> {
  const receipt = await (await pending as { wait(): Promise<ContractTransactionReceipt | null> }).wait()
  if (receipt === null) throw new Error('no receipt')
  return receipt
}

export interface MarketChainOptions {
  /** blocks per epoch */
  epochBlocks: number
  /** rewardBudgetPerEpoch, wei */
  budget: bigint
  challengeBlocks: number
  /** members' and discoverer's shares of a price, basis points (the burn takes the rest) */
  memberBps: number
  discovererBps: number
  deliveryBlocks: number
  /** VMT the rewards pool holds */
  pool: bigint
}

export const DEFAULT_OPTIONS: MarketChainOptions = {
  epochBlocks: 8, budget: parseEther('1000'), challengeBlocks: 20, memberBps: 6000, discovererBps: 2500, deliveryBlocks: 20, pool: parseEther('1000000')
}

export interface MarketChain {
  anvil: Anvil
  provider: JsonRpcProvider
  chainId: number
  owner: JsonRpcSigner
  registry: Contract
  parameters: Contract
  anchors: Contract
  vmt: Contract
  rewards: Contract
  market: Contract
  registryAddress: Hex
  options: MarketChainOptions
  stop: () => Promise<void>
}

async function deployWith (owner: JsonRpcSigner, artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, owner).deploy(...args)
  await c.waitForDeployment()
  return new Contract(await c.getAddress(), artifact.abi as never, owner)
}

/** SubmissionDeposits (SPEC 17 rule 0) paying into the chain's RewardsDistributor, owned by the owner; not yet set on it */
export async function deploySubmissionDeposits (c: MarketChain): Promise<Contract> {
  return await deployWith(c.owner, depositsArtifact, [await c.rewards.getAddress()])
}

/** A fresh anvil with the contracts deployed; the caller stops it (`stop`). */
export async function startMarketChain (overrides: Partial<MarketChainOptions> = {}): Promise<MarketChain> {
  const options = { ...DEFAULT_OPTIONS, ...overrides }
  const anvil = await startAnvil({ port: 0 })
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
  const owner = await provider.getSigner(0)
  const deploy = async (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> => await deployWith(owner, artifact, args)
  const registry = await deploy(registryArtifact, [owner.address])
  const parameters = await deploy(parametersArtifact, [owner.address,
    [key('epochBlocks'), key('quorumFaultDivisor'), key('rewardBudgetPerEpoch')], [options.epochBlocks, 3, options.budget]])
  const anchors = await deploy(anchorsArtifact, [await registry.getAddress(), await parameters.getAddress()])
  const vmt = await deploy(vmtArtifact, [owner.address, parseEther('1000000000')])
  const rewards = await deploy(rewardsArtifact, [owner.address, await vmt.getAddress(), await anchors.getAddress(), options.challengeBlocks])
  const market = await deploy(marketArtifact, [owner.address, await rewards.getAddress(), await parameters.getAddress(),
    options.memberBps, options.discovererBps, options.deliveryBlocks])
  await mined(rewards.getFunction('setMarket')(await market.getAddress()))
  await mined(vmt.getFunction('transfer')(await rewards.getAddress(), options.pool))
  return {
    anvil,
    provider,
    chainId: anvil.chainId,
    owner,
    registry,
    parameters,
    anchors,
    vmt,
    rewards,
    market,
    registryAddress: lower(await registry.getAddress()),
    options,
    stop: async () => { provider.destroy(); await anvil.stop() }
  }
}

/** A registered operator key with gas, admitted unless `admit` is false. Call one at a time (the owner's nonces). */
export async function operator (c: MarketChain, admit = true): Promise<Wallet> {
  const w = new Wallet(hexlify(randomBytes(32)), c.provider)
  await setBalance(c.provider, w.address, parseEther('1'))
  await mined((c.registry.connect(w) as Contract).getFunction('register')('12D3KooWMarket', rand32(), ''))
  if (admit) await mined(c.registry.getFunction('admit')(w.address))
  return w
}

export const head = async (c: MarketChain): Promise<number> => await blockNumber(c.provider)

/** Mines until the head is block `n` (the next transaction lands in n + 1); nothing if already there or past. */
export async function mineTo (c: MarketChain, n: number): Promise<void> {
  const h = await head(c)
  if (n > h) await mineBlocks(c.provider, n - h)
}

/** The signatures of `ws` over a RewardsRoot, signers ascending, by the protocol's signRewardsRoot. */
export async function rewardsSignatures (c: MarketChain, r: RewardsRoot, ws: readonly Wallet[]): Promise<string[]> {
  return await Promise.all(ascending(ws).map(async (w) => await signRewardsRoot(r, c.chainId, c.registryAddress, w)))
}

/** Each member's Delivered signature (the protocol's signDelivered) over its own wrap hash, signers ascending: [wrapHashes, signatures]. */
export async function deliveries (c: MarketChain, orderId: bigint, ws: readonly Wallet[], market?: Hex): Promise<[Hex[], string[]]> {
  const at = market ?? lower(await c.market.getAddress())
  const sorted = ascending(ws)
  const hashes = sorted.map(() => rand32())
  const sigs = await Promise.all(sorted.map(async (w, i) => await signDelivered({ market: at, orderId, wrapHash: hashes[i]! }, c.chainId, c.registryAddress, w)))
  return [hashes, sigs]
}
