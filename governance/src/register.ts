// Candidate registration, sent by the operator key itself (msg.sender becomes the operator).
import { Contract } from 'ethers'
import type { Signer } from 'ethers'
import type { Hex } from '../../protocol/src/messages.ts'
import { registryArtifact } from './artifacts.ts'
import { GovernanceError } from './errors.ts'

export interface RegisterCandidateInput {
  registry: string
  operator: Signer
  peerId: string
  /** X25519 public key, 32 bytes hex. */
  x25519Key: Hex
  metadataURI?: string
}

/** Calls SupernodeRegistry.register and returns the block it landed in. */
export async function registerCandidate (input: RegisterCandidateInput, options: { signal?: AbortSignal } = {}): Promise<number> {
  options.signal?.throwIfAborted()
  const registry = new Contract(input.registry, registryArtifact.abi, input.operator)
  const tx = await registry.getFunction('register')(input.peerId, input.x25519Key, input.metadataURI ?? '')
  const receipt = await tx.wait()
  if (receipt === null || receipt.status !== 1) throw new GovernanceError('TRANSACTION_FAILED', 'register failed')
  return receipt.blockNumber as number
}
