// The registry's loops over admitted operators (membersAt, members, admit's member count) are bounded
// by MAX_ADMITTED: this fills the registry to the bound and holds the gas notes in registry/RegistryMembership.sol
// and ISupernodeRegistry.sol to what the calls cost there.
import t from 'tap'
import { Contract, ContractFactory, getAddress, hexlify, randomBytes, toBeHex } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import { mineBlocks } from '#governance/anvil-time.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { provider } = await startTestChain(t)
const owner = await provider.getSigner(0) as JsonRpcSigner
const ownerAddress = await owner.getAddress()
const deployed = await new ContractFactory(registryArtifact.abi, registryArtifact.bytecode, owner).deploy(ownerAddress)
await deployed.waitForDeployment()
const registry = new Contract(await deployed.getAddress(), registryArtifact.abi, owner)
const call = (name: string, ...args: unknown[]): Promise<unknown> => registry.getFunction(name)(...args)
const max = Number(await call('MAX_ADMITTED'))
// any address sends unsigned: the operators are fresh random addresses
await provider.send('anvil_autoImpersonateAccount', [true])

/**
 * Sends `txs` from unlocked accounts with automine off and mines until every one is in a block (as
 * many as fit in each), far faster than a block per transaction; every one must succeed. The requests
 * go out at once (ethers batches them), one sender's with its nonces in order, and the receipts are read
 * at once when anvil's pool is empty.
 */
async function sendInBlocks (txs: Array<{ from: string, data: string, gas: number }>): Promise<void> {
  await provider.send('evm_setAutomine', [false])
  try {
    const to = await registry.getAddress()
    const senders = [...new Set(txs.map((tx) => tx.from))]
    const next = new Map(await Promise.all(senders.map(async (from) => [from, await provider.getTransactionCount(from, 'pending')] as const)))
    const hashes = await Promise.all(txs.map(async (tx) => {
      const nonce = next.get(tx.from) ?? 0
      next.set(tx.from, nonce + 1)
      return await provider.send('eth_sendTransaction', [{ from: tx.from, to, data: tx.data, gas: toBeHex(tx.gas), nonce: toBeHex(nonce) }]) as string
    }))
    // a block per transaction at worst; anything still pooled then is named below as not mined
    for (let blocks = 0; blocks < txs.length; blocks++) {
      const { pending, queued } = await provider.send('txpool_status', []) as { pending: string, queued: string }
      if (BigInt(pending) === 0n && BigInt(queued) === 0n) break
      await provider.send('evm_mine', [])
    }
    const receipts = await Promise.all(hashes.map(async (hash) => await provider.getTransactionReceipt(hash)))
    for (const [i, receipt] of receipts.entries()) if (receipt?.status !== 1) throw new Error(`transaction ${hashes[i]} ${receipt === null ? 'was not mined' : 'failed'}`)
  } finally {
    await provider.send('evm_setAutomine', [true])
  }
}

/** `count` fresh operators, funded and registered. */
async function registerFresh (count: number): Promise<string[]> {
  // an address is all an operator needs (anvil impersonates it): Wallet.createRandom derives each key from a new mnemonic (PBKDF2), most of this file's time for 513 operators
  const operators = Array.from({ length: count }, () => getAddress(hexlify(randomBytes(20))))
  await Promise.all(operators.map(async (op) => await provider.send('anvil_setBalance', [op, toBeHex(10n ** 18n)])))
  await sendInBlocks(operators.map((op) => ({ from: op, data: registry.interface.encodeFunctionData('register', [`peer-${op}`, hexlify(randomBytes(32)), '']), gas: 300_000 })))
  return operators
}

/** `count` fresh operators, registered and admitted. */
async function admitFresh (count: number): Promise<string[]> {
  const operators = await registerFresh(count)
  await sendInBlocks(operators.map((op) => ({ from: ownerAddress, data: registry.interface.encodeFunctionData('admit', [op]), gas: 6_000_000 })))
  return operators
}

t.test('MAX_ADMITTED bounds the operators ever admitted, and the walks over them stay within their gas notes', async (tt) => {
  tt.equal(max, 512, 'the bound the gas notes are written for')
  const first = await admitFresh(max - 1)
  const last = await admitFresh(1)
  const all = [...first, ...last]
  await mineBlocks(provider, 1)
  const head = await provider.getBlockNumber()
  const members = await call('membersAt', head - 1) as string[]
  tt.equal(members.length, max, 'every one admitted is a member')
  tt.same([...members], all, 'in order of first admission')

  const [extra] = await registerFresh(1)
  tt.same(await revertOf(registry.interface, registry.getFunction('admit')(extra)), { name: 'SupernodeRegistryAdmissionsExhausted', args: [BigInt(max)] }, 'a new operator past the bound')

  // one admitted before may come back: it is walked already
  const back = all[0] as string
  await (await registry.getFunction('remove')(back)).wait()
  // with a member count set, an admission walks the member set: the costliest admit
  await (await registry.getFunction('setMaxMembers')(max)).wait()
  const admitGas = await registry.getFunction('admit').estimateGas(back)
  await (await registry.getFunction('admit')(back)).wait()
  await mineBlocks(provider, 1)
  const atGas = await registry.getFunction('membersAt').estimateGas(await provider.getBlockNumber() - 1)
  const listGas = await registry.getFunction('members').estimateGas()
  tt.comment(`gas at ${max} admitted: membersAt ${atGas}, members ${listGas}, admit with maxMembers set ${admitGas}`)
  // the notes say about 4.0M for membersAt and 5.0M for members and admit: each stays well inside a 30M-gas block
  tt.ok(atGas < 4_500_000n, `membersAt at the bound: ${atGas} gas`)
  tt.ok(listGas < 5_500_000n, `members at the bound: ${listGas} gas`)
  tt.ok(admitGas < 5_500_000n, `admit at the bound: ${admitGas} gas`)
})
