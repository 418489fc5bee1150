/**
 * A vendor's access to its hunts at one node (SPEC section 19): the EIP-712 HuntAccess(vendor, node,
 * issuedAt) in the header `x-virusmap-hunt-auth: <issuedAt>.<signature>`. It names the serving node, so
 * that node cannot replay it elsewhere, and is honoured only near the node's clock.
 */
import type { Signer } from 'ethers'
import { eip712 } from '../eip712.ts'
import type { Hex } from '../messages.ts'
import { recoverMember, signTyped } from '../signing.ts'
import { HuntError } from './errors.ts'

export const HUNT_AUTH_HEADER = 'x-virusmap-hunt-auth'
/** how far from the node's clock an access may have been signed */
export const MAX_ACCESS_AGE_MS = 5 * 60_000

export interface HuntAccess {
  vendor: Hex
  /** the serving node's operator address */
  node: Hex
  issuedAt: number
}

const HEADER = /^(0|[1-9][0-9]{0,15})\.(0x[0-9a-f]{130})$/

export async function huntAccessHeader (vendor: Signer, node: Hex, issuedAt: number, chainId: number, registry: Hex): Promise<string> {
  const access: HuntAccess = { vendor: (await vendor.getAddress()).toLowerCase() as Hex, node: node.toLowerCase() as Hex, issuedAt }
  return `${issuedAt}.${await signTyped(vendor, 'HuntAccess', access, chainId, registry)}`
}

/** The vendor a header grants access for at `node`; HuntError BAD_ACCESS or ACCESS_EXPIRED. */
export function checkHuntAccess (header: unknown, ctx: { node: Hex, now: number, chainId: number, registry: Hex, vendor: Hex }): Hex {
  if (typeof header !== 'string') throw new HuntError('BAD_ACCESS', `no ${HUNT_AUTH_HEADER} header`)
  const parts = HEADER.exec(header)
  if (parts === null) throw new HuntError('BAD_ACCESS', `${HUNT_AUTH_HEADER} is not <issuedAt>.<signature>`)
  const issuedAt = Number(parts[1])
  if (!Number.isSafeInteger(issuedAt) || Math.abs(ctx.now - issuedAt) > MAX_ACCESS_AGE_MS) throw new HuntError('ACCESS_EXPIRED', 'the access was not signed near this node\'s clock')
  const access: HuntAccess = { vendor: ctx.vendor, node: ctx.node, issuedAt }
  let signer: Hex
  try {
    signer = recoverMember(eip712.digest('HuntAccess', access, ctx.chainId, ctx.registry) as Hex, parts[2] as Hex, ctx.vendor)
  } catch (err) {
    throw new HuntError('BAD_ACCESS', 'the access signature does not recover', { cause: err })
  }
  if (signer !== ctx.vendor) throw new HuntError('BAD_ACCESS', 'the access is not the vendor\'s for this node')
  return signer
}
