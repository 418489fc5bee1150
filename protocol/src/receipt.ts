/**
 * The receiving node's receipt for a signed submission (SPEC section 17): its operator key signs the
 * EIP-712 Receipt(bytes32 sha256, address submitter, uint64 submittedAt, uint64 receivedAt, bytes32 jobId),
 * so a node that publishes the job under another wallet, or not at all, is provable from the receipt
 * and the anchored job. The node is the signer: recovering the signature names it.
 */
import type { Signer } from 'ethers'
import { eip712 } from './eip712.ts'
import type { Hex } from './messages.ts'
import { recoverMember, signTyped } from './signing.ts'

export interface Receipt {
  sha256: Hex
  submitter: Hex
  /** the time the wallet signed */
  submittedAt: number
  /** the node's clock when the upload was durable */
  receivedAt: number
  /** the job the node publishes for it (its VT analysis id) */
  jobId: Hex
}

export function receiptDigest (r: Receipt, chainId: number, registry: Hex): Hex {
  return eip712.digest('Receipt', r, chainId, registry) as Hex
}

export async function signReceipt (r: Receipt, chainId: number, registry: Hex, signer: Signer): Promise<Hex> {
  return await signTyped(signer, 'Receipt', r, chainId, registry)
}

/** The node that signed the receipt (`claimed`: the expected node, a shortcut, never trusted); throws SignatureError for any other spelling. */
export function recoverReceiptSigner (r: Receipt, signature: Hex, chainId: number, registry: Hex, claimed?: Hex): Hex {
  return recoverMember(receiptDigest(r, chainId, registry), signature, claimed)
}

/**
 * Whether a job breaks the receipt: the node that signed it published a job for the same sha256 that
 * names another submitter. `job` is a job the caller holds from the node (its origin checked).
 */
export function receiptBrokenBy (r: Receipt, node: Hex, job: { origin: Hex, sha256: Hex, submitter: Hex }): boolean {
  return job.origin.toLowerCase() === node.toLowerCase() && job.sha256.toLowerCase() === r.sha256.toLowerCase() && job.submitter.toLowerCase() !== r.submitter.toLowerCase()
}
