import { Contract } from 'ethers'
import { evidenceArtifact } from '#governance/artifacts.ts'
import { waitForReceipt } from '../chain/receipt-wait.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { ContractTransactionResponse, JsonRpcProvider, Signer } from 'ethers'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { Hex } from '#protocol/messages.ts'

/** EquivocationEvidence as the prover uses it: is a (member, job) proven, and prove it. */
export interface EvidenceChain {
  proven(member: Hex, jobId: Hex, options?: AbortOptions): Promise<boolean>
  /** sends the pair and waits for its receipt; throws on a revert */
  prove(evidence: CheckedEvidence, options?: AbortOptions): Promise<{ tx: Hex, block: number }>
}

export interface EvidenceChainOptions {
  provider: JsonRpcProvider
  address: Hex
  /** the operator key, connected to `provider` */
  signer: Signer
}

/** The contract call for a pair of each kind: one piece for the CLI and the node's prover. */
export async function proveEquivocation (contract: Contract, e: CheckedEvidence): Promise<ContractTransactionResponse> {
  switch (e.kind) {
    case 'commitment': return await contract.getFunction('submitCommitments')(e.first.commitment, e.first.signature, e.second.commitment, e.second.signature) as ContractTransactionResponse
    case 'verdict': return await contract.getFunction('submitVerdicts')(e.first.verdict, e.first.signature, e.second.verdict, e.second.signature) as ContractTransactionResponse
    case 'attestation': return await contract.getFunction('submitAttestations')(e.first.attestation, e.first.signature, e.second.attestation, e.second.signature) as ContractTransactionResponse
  }
}

export function createEvidenceChain (opts: EvidenceChainOptions): EvidenceChain {
  const reader = new Contract(opts.address, evidenceArtifact.abi, opts.provider)
  const writer = reader.connect(opts.signer) as Contract
  return {
    async proven (member, jobId, options = {}) {
      options.signal?.throwIfAborted()
      return await reader.getFunction('proven')(member, jobId) as boolean
    },
    async prove (evidence, options = {}) {
      options.signal?.throwIfAborted()
      const sent = await proveEquivocation(writer, evidence)
      const receipt = await waitForReceipt(opts.provider, sent.hash, {}, options)
      if (receipt.status !== 1) throw new Error(`evidence transaction ${sent.hash} failed`)
      return { tx: sent.hash.toLowerCase() as Hex, block: receipt.blockNumber }
    }
  }
}
