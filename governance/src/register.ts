// Candidate registration, sent by the operator key itself (msg.sender becomes the operator).
import { Contract } from 'ethers'
import type { Signer } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import { registryArtifact, vmtArtifact } from './artifacts.ts'
import { GovernanceError } from './errors.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface RegisterCandidateInput {
  registry: string
  operator: Signer
  peerId: string
  /** X25519 public key, 32 bytes hex. */
  x25519Key: Hex
  metadataURI?: string
}

/** Calls SupernodeRegistry.register and returns the block it landed in. */
export async function registerCandidate (input: RegisterCandidateInput, options: AbortOptions = {}): Promise<number> {
  options.signal?.throwIfAborted()
  const registry = new Contract(input.registry, registryArtifact.abi, input.operator)
  await approveBond(registry, input.operator)
  const tx = await registry.getFunction('register')(input.peerId, input.x25519Key, input.metadataURI ?? '')
  const receipt = await tx.wait()
  if (receipt === null || receipt.status !== 1) throw new GovernanceError('TRANSACTION_FAILED', 'register failed')
  return receipt.blockNumber as number
}

/** When governance set a candidate bond, approves what register() will pull (registries without bonds answer nothing). */
async function approveBond (registry: Contract, operator: Signer): Promise<void> {
  let bond: bigint
  let token: string
  let held: bigint
  const address = await operator.getAddress()
  try {
    [bond, token, held] = await Promise.all([
      registry.getFunction('candidateBond')() as Promise<bigint>,
      registry.getFunction('bondToken')() as Promise<string>,
      registry.getFunction('bondOf')(address) as Promise<bigint>
    ])
  } catch {
    return
  }
  if (bond <= held) return
  const vmt = new Contract(token, vmtArtifact.abi, operator)
  const receipt = await (await vmt.getFunction('approve')(await registry.getAddress(), bond - held)).wait()
  if (receipt === null || receipt.status !== 1) throw new GovernanceError('TRANSACTION_FAILED', 'approving the candidate bond failed')
}
