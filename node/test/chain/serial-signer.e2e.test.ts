import { JsonRpcProvider, parseEther, Wallet } from 'ethers'
import tap from 'tap'
import type { TransactionResponse } from 'ethers'
import { startAnvil } from '../../src/chain/anvil.ts'
import { SerialSigner } from '../../src/chain/serial-signer.ts'

// anvil's first account
const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

const anvil = await startAnvil({ port: 0 })
tap.teardown(() => anvil.stop())
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
tap.teardown(() => provider.destroy())
const wallet = new Wallet(KEY, provider)
const pay = { to: '0x000000000000000000000000000000000000dEaD', value: parseEther('0.001') }

async function outcomes (sends: Array<Promise<TransactionResponse>>): Promise<string[]> {
  return await Promise.all(sends.map(async (s) => {
    try {
      return `mined ${(await (await s).wait())?.status}`
    } catch (err) {
      return `refused ${(err as { code?: string }).code}`
    }
  }))
}

tap.test('three services sending with one key at once: the bare key loses two, the serial signer none', async (t) => {
  const bare = await outcomes([0, 1, 2].map(async () => await wallet.sendTransaction(pay)))
  t.equal(bare.filter((o) => o === 'mined 1').length, 1, `the bare key: ${bare.join(', ')}`)

  const serial = new SerialSigner(wallet)
  const before = await provider.getTransactionCount(wallet.address, 'latest')
  t.same(await outcomes([0, 1, 2].map(async () => await serial.sendTransaction(pay))), ['mined 1', 'mined 1', 'mined 1'])
  t.equal(await provider.getTransactionCount(wallet.address, 'latest'), before + 3, 'consecutive nonces')
})

tap.test('a send the node refuses leaves no gap and does not stop the queue; connect keeps the queue', async (t) => {
  const serial = new SerialSigner(wallet)
  const other = serial.connect(provider)
  const before = await provider.getTransactionCount(wallet.address, 'latest')
  const results = await outcomes([
    serial.sendTransaction(pay),
    // signed, then refused by the node (intrinsic gas too low): its nonce is not used
    serial.sendTransaction({ ...pay, gasLimit: 1 }),
    other.sendTransaction(pay),
    // refused before it is signed (more than the account holds)
    serial.sendTransaction({ ...pay, value: parseEther('1000000000') })
  ])
  t.equal(results[0], 'mined 1')
  t.match(results[1], /^refused/)
  t.equal(results[2], 'mined 1', 'a signer from connect() waits in the same queue')
  t.match(results[3], /^refused/)
  t.same(await outcomes([serial.sendTransaction(pay)]), ['mined 1'], 'the queue goes on after refusals')
  t.equal(await provider.getTransactionCount(wallet.address, 'latest'), before + 3, 'three mined, no gap left by the refused ones')
  t.equal(await serial.getAddress(), wallet.address)
})
