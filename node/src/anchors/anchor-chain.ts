import { Contract } from 'ethers'
import { anchorsArtifact } from '#governance/artifacts.ts'
import { waitForReceipt } from '../chain/receipt-wait.ts'
import type { JsonRpcProvider, Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { AnchorChain } from './ports.ts'

export interface AnchorChainOptions {
  provider: JsonRpcProvider
  address: Hex
  /** the operator key, connected to `provider` */
  signer: Signer
}

/**
 * ReportAnchors through ethers. The node's provider caches nothing (cacheTimeout -1), so each send
 * reads the pending nonce afresh; the anchor service sends one transaction at a time, so a local
 * count is not needed and a transaction the chain refused leaves no gap behind.
 */
export function createAnchorChain (opts: AnchorChainOptions): AnchorChain {
  const { provider } = opts
  const contract = new Contract(opts.address, anchorsArtifact.abi, provider)
  const event = contract.interface.getEvent('EpochAnchored')
  if (event == null) throw new Error('ReportAnchors ABI has no EpochAnchored event')

  return {
    async epochBlocks (options = {}) {
      options.signal?.throwIfAborted()
      return Number(await contract.getFunction('epochBlocks')() as bigint)
    },
    async head (options = {}) {
      options.signal?.throwIfAborted()
      return Number(BigInt(await provider.send('eth_blockNumber', []) as string))
    },
    async blockTime (block, options = {}) {
      options.signal?.throwIfAborted()
      const header = await provider.getBlock(block)
      return header == null ? undefined : header.timestamp * 1000
    },
    async anchored (epoch, options = {}) {
      options.signal?.throwIfAborted()
      const [, leafCount] = await contract.getFunction('anchorOf')(epoch) as [string, bigint, bigint]
      return leafCount > 0n
    },
    async events (fromBlock, toBlock, options = {}) {
      options.signal?.throwIfAborted()
      if (toBlock < fromBlock) return []
      const logs = await provider.getLogs({ address: opts.address, topics: [event.topicHash], fromBlock, toBlock })
      return logs.flatMap((log) => {
        const parsed = contract.interface.parseLog(log)
        if (parsed == null) return []
        return [{
          epoch: Number(parsed.args.getValue('epoch') as bigint),
          root: (parsed.args.getValue('root') as string).toLowerCase() as Hex,
          leafCount: Number(parsed.args.getValue('leafCount') as bigint),
          submitter: (parsed.args.getValue('submitter') as string).toLowerCase() as Hex,
          block: log.blockNumber,
          tx: log.transactionHash.toLowerCase() as Hex
        }]
      })
    },
    async post (epoch, root, leafCount, signatures, options = {}) {
      options.signal?.throwIfAborted()
      const writable = contract.connect(opts.signer) as Contract
      try {
        const sent = await writable.getFunction('anchor')(epoch, root, leafCount, signatures) as { hash: string }
        const receipt = await waitForReceipt(provider, sent.hash, {}, options)
        if (receipt.status !== 1) throw new Error(`anchor transaction for epoch ${epoch} failed`)
        return { posted: true, tx: receipt.hash.toLowerCase() as Hex, block: receipt.blockNumber }
      } catch (err) {
        const name = revertName(contract, err)
        if (name === 'ReportAnchorsAlreadyAnchored') return { posted: false, reason: 'ALREADY_ANCHORED' }
        // the epoch ended more than maxJobAgeBlocks ago (SPEC 15, late anchors): no later turn can post it
        if (name === 'ReportAnchorsEpochTooOld') return { posted: false, reason: 'EPOCH_TOO_OLD' }
        throw err
      }
    }
  }
}

/**
 * The custom error a refused anchor() raised. ethers decodes revert data only for calls; a send
 * fails in the signer's gas estimate with the raw data, so it is decoded here with the ABI.
 */
export function revertName (contract: Contract, err: unknown): string | undefined {
  const { revert, data } = err as { revert?: { name?: string } | null, data?: unknown }
  if (revert?.name !== undefined) return revert.name
  if (typeof data !== 'string') return undefined
  try {
    return contract.interface.parseError(data)?.name
  } catch {
    return undefined
  }
}
