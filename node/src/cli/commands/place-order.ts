// Placing an order on the DataMarket (SPEC 18), what `buy` and `buy --feed` share: the product on sale at
// a price within --max-price, the buyer an approved vendor holding the price, VMT approved to the market,
// then `order`, its Ordered event read back from the receipt.
import { Contract, formatEther } from 'ethers'
import type { ContractTransactionResponse, Wallet } from 'ethers'
import { marketInterface, sendTx } from '#governance/index.ts'
import { vmtArtifact } from '#governance/artifacts.ts'
import type { Hex } from '#protocol/messages.ts'
import { CliError } from '../cli-error.ts'
import { badInput } from './gov-context.ts'
import type { MarketContext } from './market-context.ts'

/** The product's price, refused before any VMT moves when it is not on sale, above `maxPrice`, or not the vendor's to pay. */
export async function checkPurchase (m: MarketContext, wallet: Wallet, product: Hex, what: string, maxPrice: bigint | undefined): Promise<bigint> {
  const vendor = wallet.address.toLowerCase() as Hex
  const price = await m.contract.getFunction('priceOf')(product) as bigint
  if (price === 0n) throw badInput(`${what}s are not on sale on this market (governance has priced none)`)
  if (maxPrice !== undefined && price > maxPrice) throw badInput(`a ${what} costs ${formatEther(price)} VMT, above --max-price ${formatEther(maxPrice)}`)
  if (!(await m.contract.getFunction('isVendor')(vendor) as boolean)) throw badInput(`${vendor} is not an approved vendor on this market (governance approves vendors)`)
  const vmt = new Contract(m.deployment.contracts.vmt, vmtArtifact.abi, wallet)
  const balance = await vmt.getFunction('balanceOf')(vendor) as bigint
  if (balance < price) throw badInput(`${vendor} holds ${formatEther(balance)} VMT, less than the price ${formatEther(price)}`)
  return price
}

export interface Placed { orderId: bigint, block: number, deadline: number }

/** Approves the price if needed and orders; the order's id, block and deadline from its Ordered event. */
export async function placeOrder (m: MarketContext, wallet: Wallet, o: { product: Hex, subject: Hex, buyerPublicKey: Hex, price: bigint, maxPrice: bigint }): Promise<Placed> {
  const vmt = new Contract(m.deployment.contracts.vmt, vmtArtifact.abi, wallet)
  if (await vmt.getFunction('allowance')(wallet.address, m.market) as bigint < o.price) {
    await sendTx('approve', async () => await vmt.getFunction('approve')(m.market, o.price) as ContractTransactionResponse)
  }
  const placed = await sendTx('order', async () => await (m.contract.connect(wallet) as Contract).getFunction('order')(o.product, o.subject, o.buyerPublicKey, o.maxPrice) as ContractTransactionResponse)
  const ordered = (placed.logs as Array<{ topics: string[], data: string }>).map((l) => { try { return marketInterface.parseLog(l) } catch { return null } }).find((l) => l?.name === 'Ordered')
  if (ordered == null) throw new CliError('NETWORK', `the order transaction ${placed.hash} logged no Ordered event`)
  return { orderId: ordered.args.getValue('orderId') as bigint, block: placed.blockNumber, deadline: Number(ordered.args.getValue('deadline') as bigint) }
}
