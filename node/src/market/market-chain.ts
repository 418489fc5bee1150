import { Contract } from 'ethers'
import { marketArtifact } from '../../../governance/src/artifacts.ts'
import type { JsonRpcProvider } from 'ethers'
import type { Hex } from '../../../protocol/src/messages.ts'
import type { MarketChain } from './ports.ts'

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
