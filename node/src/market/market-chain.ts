import { Contract } from 'ethers'
import { marketArtifact } from '#governance/artifacts.ts'
import { waitForReceipt } from '../chain/receipt-wait.ts'
import type { JsonRpcProvider, Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { ORDER_STATUS } from './ports.ts'
import type { MarketChain, SettlementChain } from './ports.ts'

const lower = (v: unknown): Hex => (v as string).toLowerCase() as Hex

/** DataMarket's Ordered events through ethers. */
export function createMarketChain (opts: { provider: JsonRpcProvider, address: Hex }): MarketChain {
  const { provider } = opts
  const contract = new Contract(opts.address, marketArtifact.abi, provider)
  const event = contract.interface.getEvent('Ordered')
  if (event == null) throw new Error('DataMarket ABI has no Ordered event')
  return {
    async head (options = {}) {
      options.signal?.throwIfAborted()
      return Number(BigInt(await provider.send('eth_blockNumber', []) as string))
    },
    async ordered (fromBlock, toBlock, options = {}) {
      options.signal?.throwIfAborted()
      if (toBlock < fromBlock) return []
      const logs = await provider.getLogs({ address: opts.address, topics: [event.topicHash], fromBlock, toBlock })
      return logs.flatMap((log) => {
        const parsed = contract.interface.parseLog(log)
        if (parsed == null) return []
        const a = parsed.args
        return [{
          orderId: a.getValue('orderId') as bigint,
          buyer: lower(a.getValue('buyer')),
          product: lower(a.getValue('product')),
          subject: lower(a.getValue('subject')),
          buyerX25519Key: lower(a.getValue('buyerX25519Key')),
          price: a.getValue('price') as bigint,
          deadline: Number(a.getValue('deadline') as bigint),
          block: log.blockNumber
        }]
      })
    }
  }
}

/** The Ordered events, the order's status and fulfil, sent with `signer` (the operator key, connected to `provider`). */
export function createSettlementChain (opts: { provider: JsonRpcProvider, address: Hex, signer: Signer }): SettlementChain {
  const reader = new Contract(opts.address, marketArtifact.abi, opts.provider)
  const writer = reader.connect(opts.signer) as Contract
  return {
    ...createMarketChain(opts),
    async status (orderId, options = {}) {
      options.signal?.throwIfAborted()
      const o = await reader.getFunction('orderOf')(orderId) as unknown[]
      return ORDER_STATUS[Number(o[3] as bigint)] ?? 'none'
    },
    async deliveryBlocks (options = {}) {
      options.signal?.throwIfAborted()
      return Number((await reader.getFunction('terms')() as unknown[])[2] as bigint)
    },
    async fulfil (orderId, wrapHashes, signatures, options = {}) {
      options.signal?.throwIfAborted()
      const sent = await writer.getFunction('fulfil')(orderId, wrapHashes, signatures) as { hash: string }
      const receipt = await waitForReceipt(opts.provider, sent.hash, {}, options)
      if (receipt.status !== 1) throw new Error(`fulfil transaction ${sent.hash} failed`)
      return { tx: sent.hash.toLowerCase() as Hex, block: receipt.blockNumber }
    }
  }
}
