// The user's past recipients grow only from sends the user confirmed: the address-poisoning rule
// compares a new recipient with these alone (never with every address seen on a page).
import type { Address } from '../input.ts'
import { recipients } from '../involved.ts'
import { decodeRequest, transactionRequest } from '../request.ts'

/** the recipients of a confirmed eth_sendTransaction (native, ERC-20, NFT transfers); throws GuardError on hostile input */
export function recipientsOfSent (tx: unknown): Address[] {
  return recipients(decodeRequest(transactionRequest(tx)), { status: 'not-applicable' })
}
