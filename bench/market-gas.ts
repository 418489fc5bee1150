// Gas of the rewards pool (RewardsDistributor, SPEC section 17) and the data market (DataMarket, issue 17)
// on a fresh anvil with the deployment virusmap deploy makes (solc optimizer 200 runs, evmVersion cancun),
// epochBlocks 20 and a one-block challenge period so epochs pass quickly (neither changes any cost):
// - postRoot(epoch, root, total, signatures) with the RewardsRoot signatures of a quorum of 4, 16 and 64
//   members (3, 11, 43 signers) over a 10,000-leaf StandardMerkleTree ['address','uint256'];
// - claim(account, cumulative, proof) against that root (a proof of 13-14 words): a first claim (the
//   account's claimed slot and balance go from zero) and a second one after a larger cumulative amount;
// - order(product, subject, buyerKey, maxPrice) (escrow, a cold order slot), fulfil(orderId, wrapHashes,
//   signatures) with the Delivered signatures of f+1 of 4, 16 and 64 members (2, 6, 22), each paid its
//   share, the discoverer's share credited to the pool and the rest sent to the burn address, and refund.
// Run: npx node bench/market-gas.ts [--json]
import { printGasRows } from './gas-rows.ts'
import { randomBytes } from 'node:crypto'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { Contract, JsonRpcProvider, MaxUint256, Wallet, encodeBytes32String, parseEther } from 'ethers'
import type { ContractTransactionResponse, JsonRpcSigner } from 'ethers'
import { startAnvil } from '../node/src/chain/anvil.ts'
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { marketArtifact, registryArtifact, rewardsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { deployVirusMap } from '#governance/deploy.ts'
import { signDelivered } from '#protocol/delivered.ts'
import type { Hex } from '#protocol/messages.ts'
import { quorumThreshold } from '#protocol/quorum.ts'
import { REWARDS_LEAF_TYPES, signRewardsRoot } from '#protocol/rewards/root.ts'
import type { RewardsLeaf } from '#protocol/rewards/root.ts'

const anvil = await startAnvil({ port: 0 })
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
const rows: Array<{ operation: string, gas: bigint, note: string }> = []
const hex = (bytes: number): Hex => `0x${randomBytes(bytes).toString('hex')}`
async function gasOf (pending: Promise<ContractTransactionResponse>, operation: string, note: string): Promise<void> {
  const receipt = await (await pending).wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`${operation} failed`)
  rows.push({ operation, gas: receipt.gasUsed, note })
}
const sent = async (pending: Promise<ContractTransactionResponse>): Promise<void> => { await (await pending).wait() }
const ascending = (ws: Wallet[]): Wallet[] => ws.toSorted((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1))
/** f + 1 with the deployment's divisor 3. */
const oneHonest = (n: number): number => Math.floor((n - 1) / 3) + 1
const SAMPLE = encodeBytes32String('sample')
const LEAVES = 10_000

try {
  const deployer = await provider.getSigner(0) as JsonRpcSigner
  const vendor = await provider.getSigner(2) as JsonRpcSigner
  const { contracts: c } = await deployVirusMap({
    deployer,
    plan: {
      tokenSupply: parseEther('1000000000'), votingDelay: 1, votingPeriod: 10, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 3600,
      parameters: { epochBlocks: 20n, rewardBudgetPerEpoch: parseEther('1000000') },
      rewardsPool: parseEther('600000000'), rewardsChallengeBlocks: 1, market: { deliveryBlocks: 10 }
    }
  })
  const chainId = anvil.chainId
  const registryAddress = c.registry
  // Governance acts as the timelock sends it (impersonated), without the governor around it.
  await provider.send('anvil_impersonateAccount', [c.timelock])
  await setBalance(provider, c.timelock, parseEther('1'))
  const asTimelock = await provider.getSigner(c.timelock)
  const registry = new Contract(c.registry, registryArtifact.abi, asTimelock)
  const rewards = new Contract(c.rewards!, rewardsArtifact.abi, deployer)
  const marketAdmin = new Contract(c.market!, marketArtifact.abi, asTimelock)
  const market = new Contract(c.market!, marketArtifact.abi, vendor)
  const vmt = new Contract(c.vmt, vmtArtifact.abi, deployer)
  const price = parseEther('100')
  await sent(marketAdmin.getFunction('setVendor')(await vendor.getAddress(), true))
  await sent(marketAdmin.getFunction('setPrice')(SAMPLE, price))
  await sent(vmt.getFunction('transfer')(await vendor.getAddress(), parseEther('100000')))
  await sent((vmt.connect(vendor) as Contract).getFunction('approve')(c.market!, MaxUint256))
  const E = Number(await rewards.getFunction('epochBlocks')())

  const leaves: RewardsLeaf[] = Array.from({ length: LEAVES }, (_, i) => [hex(20), parseEther(String(1 + (i % 7))).toString()])
  const tree = StandardMerkleTree.of(leaves, [...REWARDS_LEAF_TYPES])
  const total = leaves.reduce((s, [, v]) => s + BigInt(v), 0n)

  const members: Wallet[] = []
  async function grow (to: number): Promise<void> {
    while (members.length < to) {
      const w = new Wallet(hex(32), provider)
      await setBalance(provider, w.address, parseEther('1'))
      await sent((registry.connect(w) as Contract).getFunction('register')('12D3KooWMarketGas', hex(32), ''))
      await sent(registry.getFunction('admit')(w.address))
      members.push(w)
    }
  }
  /** Posts the 10k-leaf root for the next epoch with a quorum of the members, and lets it settle. */
  async function postOnce (root: string, cumulative: bigint): Promise<void> {
    const epoch = Math.floor(await blockNumber(provider) / E) + 1
    await mineBlocks(provider, (epoch + 1) * E - await blockNumber(provider))
    const r = { epoch, root: root as Hex, total: cumulative }
    const q = quorumThreshold(members.length, 3)
    const sigs = await Promise.all(ascending(members).slice(0, q).map(async (w) => await signRewardsRoot(r, chainId, registryAddress, w)))
    await gasOf(rewards.getFunction('postRoot')(epoch, root, cumulative, sigs), `postRoot: ${members.length} members, quorum ${q}`, `${LEAVES.toLocaleString('en')}-leaf root; budget summed over the epochs since the last root`)
    await mineBlocks(provider, 2)
  }
  async function orderOnce (): Promise<bigint> {
    const id = (await market.getFunction('terms')())[3] as bigint
    await gasOf(market.getFunction('order')(SAMPLE, hex(32), hex(32), price), 'order', 'escrow of the price (transferFrom), one order slot')
    await mineBlocks(provider, 1)
    return id
  }
  async function fulfilOnce (): Promise<void> {
    const id = await orderOnce()
    const k = oneHonest(members.length)
    const signers = ascending(members).slice(0, k)
    const hashes = signers.map(() => hex(32))
    const sigs = await Promise.all(signers.map(async (w, i) => await signDelivered({ market: c.market!, orderId: id, wrapHash: hashes[i]! }, chainId, registryAddress, w)))
    await gasOf(market.getFunction('fulfil')(id, hashes, sigs), `fulfil: ${members.length} members, f+1 = ${k}`, `${k} member transfers, pool credit, burn`)
  }

  for (const n of [4, 16, 64]) {
    await grow(n)
    await postOnce(tree.root, total)
    await fulfilOnce()
  }
  const refundId = await orderOnce()
  await mineBlocks(provider, 11)
  await gasOf(market.getFunction('refund')(refundId), 'refund', 'after the deadline, escrow back to the buyer')

  const [account, amount] = leaves[0]!
  const proof = tree.getProof(0)
  await gasOf(rewards.getFunction('claim')(account, amount, proof), `claim: ${LEAVES.toLocaleString('en')} leaves, first claim`, `proof of ${proof.length} words; claimed slot and balance from zero`)
  // the next epoch pays every account one more wei: a second claim writes non-zero slots
  const more: RewardsLeaf[] = leaves.map(([a, v]) => [a, (BigInt(v) + 1n).toString()])
  const next = StandardMerkleTree.of(more, [...REWARDS_LEAF_TYPES])
  await postOnce(next.root, total + BigInt(LEAVES))
  await gasOf(rewards.getFunction('claim')(more[0]![0], more[0]![1], next.getProof(0)), `claim: ${LEAVES.toLocaleString('en')} leaves, later claim`, 'pays cumulative minus claimed (1 wei)')
  await provider.send('anvil_stopImpersonatingAccount', [c.timelock])

  printGasRows(rows)
} finally {
  provider.destroy()
  await anvil.stop()
}
