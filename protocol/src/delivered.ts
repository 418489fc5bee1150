/**
 * A member's signed delivery of an order (SPEC section 18): the EIP-712
 * Delivered(address market, uint256 orderId, bytes32 wrapHash) under the protocol's domain, which
 * DataMarket.fulfil verifies for f+1 members. wrapHash is orderWrapHash of the member's own wrap, so a
 * bad wrap is the signer's, provable with this signature. The market in the message keeps a signature
 * from paying out another market's order.
 */
import type { Signer } from 'ethers'
import { eip712 } from './eip712.ts'
import type { Hex } from './messages.ts'
import { recoverMember, signTyped } from './signing.ts'

/** DataMarket's Ordered event as members, buyers and the CLI read it (SPEC 18). */
export interface OrderedEvent {
  orderId: bigint
  buyer: Hex
  product: Hex
  /** for a sample: its sha256 */
  subject: Hex
  buyerX25519Key: Hex
  price: bigint
  deadline: number
  block: number
}

export interface Delivered {
  /** the DataMarket contract */
  market: Hex
  orderId: bigint
  /** orderWrapHash of the member's wrap */
  wrapHash: Hex
}

export function deliveredDigest (d: Delivered, chainId: number, registry: Hex): Hex {
  return eip712.digest('Delivered', d, chainId, registry) as Hex
}

export async function signDelivered (d: Delivered, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'Delivered', d, chainId, registry)
}

/** The member that signed the delivery (`claimed`: the expected member, a shortcut, never trusted); throws SignatureError for any other spelling. */
export function recoverDeliveredSigner (d: Delivered, signature: Hex, chainId: number, registry: Hex, claimed?: Hex): Hex {
  return recoverMember(deliveredDigest(d, chainId, registry), signature, claimed)
}
