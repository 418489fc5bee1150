// Governance actions on the DataMarket (SPEC 18): the Timelock owns it, so a vendor is approved and a
// product priced only by a passed proposal. Each returns the Actions one proposal carries.
import { encodeBytes32String } from 'ethers'
import { GovernanceError } from './errors.ts'
import { marketInterface } from './gov.ts'
import type { Actions } from './gov.ts'

/** DataMarket's product id of a sample (its subject is the sample's sha256). */
export const SAMPLE_PRODUCT_ID = encodeBytes32String('sample')

/** Approves (or revokes) each vendor. */
export function vendorActions (market: string, vendors: readonly string[], approved: boolean): Actions {
  return {
    targets: vendors.map(() => market),
    values: vendors.map(() => 0n),
    calldatas: vendors.map((vendor) => marketInterface.encodeFunctionData('setVendor', [vendor, approved]))
  }
}

/** Prices a product in VMT wei (0 takes it off sale). */
export function priceActions (market: string, product: string, price: bigint): Actions {
  if (price < 0n || price >= 2n ** 256n) throw new GovernanceError('BAD_INPUT', 'a price must be a uint256')
  return { targets: [market], values: [0n], calldatas: [marketInterface.encodeFunctionData('setPrice', [product, price])] }
}
