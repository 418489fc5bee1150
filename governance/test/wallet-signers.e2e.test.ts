// Local-key Wallets on a provider with ethers' default request cache: back-to-back transactions
// must not reuse a nonce, and proposal state must be read fresh after mining.
import t from 'tap'
import { Contract, JsonRpcProvider, Wallet, hexlify, parseEther, randomBytes } from 'ethers'
import { startAnvil } from '../../node/src/chain/anvil.ts'
import { mineBlocks } from '../src/anvil-time.ts'
import type { Hex } from '#protocol/messages.ts'
import { registryArtifact } from '../src/artifacts.ts'
import { deployVirusMap } from '../src/deploy.ts'
import { electMembers } from '../src/elect.ts'
import { registerCandidate } from '../src/register.ts'

// anvil's default dev accounts 0..2 (public test mnemonic).
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
] as const

t.test('deploy and elect with Wallet signers', async (tt) => {
  const anvil = await startAnvil({ port: 0 })
  tt.teardown(() => anvil.stop())
  const provider = new JsonRpcProvider(anvil.rpcUrl)
  tt.teardown(() => provider.destroy())
  const [deployer, holder, operator] = KEYS.map((k) => new Wallet(k, provider)) as [Wallet, Wallet, Wallet]

  const { contracts } = await deployVirusMap({
    deployer,
    plan: {
      tokenSupply: parseEther('1000'), votingDelay: 1, votingPeriod: 5, proposalThreshold: 0n,
      quorumNumerator: 4, timelockMinDelay: 60, holders: [{ address: holder.address, amount: parseEther('500') }]
    }
  })
  await registerCandidate({ registry: contracts.registry, operator, peerId: '12D3KooWOp', x25519Key: hexlify(randomBytes(32)) as Hex })
  // The same account as proposer and twice as voter shares one nonce sequence.
  const { executionBlock } = await electMembers({
    ...contracts, provider, proposer: holder, voters: [holder, deployer], operators: [operator.address]
  })
  await mineBlocks(provider, 1)
  const registry = new Contract(contracts.registry, registryArtifact.abi, provider)
  tt.equal(await registry.getFunction('isMemberAt')(operator.address, executionBlock), true)
})
