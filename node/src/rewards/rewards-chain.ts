import { Contract } from 'ethers'
import { rewardsArtifact } from '#governance/artifacts.ts'
import { revertName } from '../anchors/anchor-chain.ts'
import { ReceiptTimeoutError, waitForReceipt } from '../chain/receipt-wait.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { JsonRpcProvider, Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { RewardsChain } from './ports.ts'

export interface RewardsChainOptions {
  provider: JsonRpcProvider
  address: Hex
  /** the key that posts roots (a member's operator key) or sends claims, connected to `provider`; reads need none */
  signer?: Signer
  /** how long a sent transaction may wait for its block (receipt-wait.ts); DEFAULT_RECEIPT_TIMEOUT_MS when absent */
  receiptTimeoutMs?: number
}

const ZERO_ROOT = `0x${'00'.repeat(32)}`

/**
 * RewardsDistributor through ethers (SPEC 17). Like the anchor chain, one transaction at a time from
 * a provider that caches nothing; the reverts that mean "another member posted" or "wait for the open
 * root" are answers, any other is an error.
 */
export function createRewardsChain (opts: RewardsChainOptions): RewardsChain {
  const { provider } = opts
  const contract = new Contract(opts.address, rewardsArtifact.abi, provider)
  const call = async <T>(name: string, ...args: unknown[]): Promise<T> => await contract.getFunction(name)(...args) as T
  const writable = (): Contract => {
    if (opts.signer === undefined) throw new Error('the rewards chain was built without a signer')
    return contract.connect(opts.signer) as Contract
  }
  async function send (name: string, args: unknown[], options: AbortOptions): Promise<{ tx: Hex, block: number, logs: ReadonlyArray<{ topics: readonly string[], data: string }> }> {
    const sent = await writable().getFunction(name)(...args) as { hash: string }
    const receipt = await waitForReceipt(provider, sent.hash, { timeoutMs: opts.receiptTimeoutMs }, options)
    if (receipt.status !== 1) throw new Error(`${name} transaction failed`)
    return { tx: receipt.hash.toLowerCase() as Hex, block: receipt.blockNumber, logs: receipt.logs }
  }

  return {
    async epochBlocks (options = {}) {
      options.signal?.throwIfAborted()
      return Number(await call<bigint>('epochBlocks'))
    },
    async firstEpoch (options = {}) {
      options.signal?.throwIfAborted()
      const [, , , firstEpoch] = await call<[bigint, bigint, string, bigint]>('settings')
      return Number(firstEpoch)
    },
    async head (options = {}) {
      options.signal?.throwIfAborted()
      return Number(BigInt(await provider.send('eth_blockNumber', []) as string))
    },
    async roots (options = {}) {
      options.signal?.throwIfAborted()
      const [settledEpoch, settledRoot, settledTotal] = await call<[bigint, string, bigint]>('settledRoot')
      const [openEpoch, openRoot, openTotal, frozen, claimableFrom] = await call<[bigint, string, bigint, boolean, bigint]>('openRoot')
      return {
        ...(settledRoot === ZERO_ROOT ? {} : { settled: { epoch: Number(settledEpoch), root: settledRoot.toLowerCase() as Hex, total: settledTotal } }),
        // settledRoot() already answers an open root whose challenge is over: it is not open any more
        ...(openRoot === ZERO_ROOT || (openRoot === settledRoot && openEpoch === settledEpoch)
          ? {}
          : { open: { epoch: Number(openEpoch), root: openRoot.toLowerCase() as Hex, total: openTotal, frozen, claimableFrom: Number(claimableFrom) } })
      }
    },
    async post (epoch, root, total, signatures, options = {}) {
      options.signal?.throwIfAborted()
      try {
        const { tx, block } = await send('postRoot', [epoch, root, total, signatures], options)
        return { posted: true, tx, block }
      } catch (err) {
        if (err instanceof ReceiptTimeoutError) return { posted: false, reason: 'NOT_MINED' }
        const name = revertName(contract, err)
        if (name === 'RewardsDistributorEpochOutOfOrder') return { posted: false, reason: 'ALREADY_POSTED' }
        if (name === 'RewardsDistributorRootOpen') return { posted: false, reason: 'ROOT_OPEN' }
        throw err
      }
    },
    async claimed (account, options = {}) {
      options.signal?.throwIfAborted()
      return await call<bigint>('claimed', account)
    },
    async claim (account, cumulative, proof, options = {}) {
      options.signal?.throwIfAborted()
      const { tx, block, logs } = await send('claim', [account, cumulative, proof], options)
      let amount = 0n
      for (const log of logs) {
        const parsed = contract.interface.parseLog(log)
        if (parsed?.name === 'Claimed') amount += parsed.args.getValue('amount') as bigint
      }
      return { tx, block, amount }
    }
  }
}
