// Votes by signature: a holder signs an EIP-712 Ballot offline (no RPC needed with a known
// nonce) and anyone submits it, paying the gas (OpenZeppelin's castVoteBySig).
import { getAddress, isAddress, isHexString, verifyTypedData } from 'ethers'
import type { Contract, ContractTransactionResponse, Signer, TypedDataDomain } from 'ethers'
import { GovernanceError } from './errors.ts'
import { expectVotingPower, findProposal, sendTx } from './gov.ts'
import type { Gov } from './gov.ts'

/** A vote signed offline (EIP-712 Ballot, or ExtendedBallot when it carries a reason) that anyone may submit. */
export interface SignedBallot {
  chainId: number
  governor: string
  proposalId: string
  support: number
  voter: string
  nonce: string
  reason: string
  signature: string
}

const BALLOT_TYPES = { Ballot: [{ name: 'proposalId', type: 'uint256' }, { name: 'support', type: 'uint8' }, { name: 'voter', type: 'address' }, { name: 'nonce', type: 'uint256' }] }
const EXTENDED_BALLOT_TYPES = {
  ExtendedBallot: [...BALLOT_TYPES.Ballot, { name: 'reason', type: 'string' }, { name: 'params', type: 'bytes' }]
}

/** The Governor's EIP-712 domain: name "VirusMapGovernor", version "1" (OpenZeppelin's). */
export function governorDomain (chainId: number, governor: string): TypedDataDomain {
  return { name: 'VirusMapGovernor', version: '1', chainId, verifyingContract: getAddress(governor) }
}

export async function signBallot (signer: Signer, input: { chainId: number, governor: string, proposalId: bigint, support: number, nonce: bigint, reason: string }): Promise<SignedBallot> {
  const voter = await signer.getAddress()
  const message = { proposalId: input.proposalId, support: input.support, voter, nonce: input.nonce, reason: input.reason, params: '0x' }
  const signature = input.reason === ''
    ? await signer.signTypedData(governorDomain(input.chainId, input.governor), BALLOT_TYPES, message)
    : await signer.signTypedData(governorDomain(input.chainId, input.governor), EXTENDED_BALLOT_TYPES, message)
  return {
    chainId: input.chainId,
    governor: input.governor.toLowerCase(),
    proposalId: input.proposalId.toString(),
    support: input.support,
    voter,
    nonce: input.nonce.toString(),
    reason: input.reason,
    signature
  }
}

export function parseBallot (json: unknown): SignedBallot {
  const b = json as Record<string, unknown>
  const ok = typeof b === 'object' && b !== null && Number.isSafeInteger(b.chainId) && typeof b.governor === 'string' && isAddress(b.governor) &&
    typeof b.proposalId === 'string' && /^\d{1,78}$/.test(b.proposalId) && (b.support === 0 || b.support === 1 || b.support === 2) &&
    typeof b.voter === 'string' && isAddress(b.voter) && typeof b.nonce === 'string' && /^\d{1,78}$/.test(b.nonce) &&
    typeof b.reason === 'string' && typeof b.signature === 'string' && isHexString(b.signature, 65)
  if (!ok) throw new GovernanceError('BAD_BALLOT', 'not a signed ballot (expected the JSON written by `virusmap gov vote --sign-only`)')
  return b as unknown as SignedBallot
}

/** Submits a signed ballot (castVoteBySig / castVoteWithReasonAndParamsBySig); any account pays the gas. */
export async function submitBallot (gov: Gov, submitter: Signer, ballot: SignedBallot, chainId: number): Promise<{ hash: string, weight: bigint }> {
  if (ballot.chainId !== chainId || ballot.governor.toLowerCase() !== gov.contracts.governor) {
    throw new GovernanceError('BAD_BALLOT', `the ballot was signed for governor ${ballot.governor} on chain ${ballot.chainId}, not ${gov.contracts.governor} on chain ${chainId}`)
  }
  const p = await findProposal(gov, BigInt(ballot.proposalId))
  const weight = await expectVotingPower(gov, ballot.voter, p)
  const nonce = await gov.governor.getFunction('nonces')(ballot.voter) as bigint
  if (nonce.toString() !== ballot.nonce) {
    throw new GovernanceError('BAD_BALLOT', `the ballot's nonce ${ballot.nonce} is stale: the voter's nonce is now ${nonce} (sign again)`)
  }
  const types = ballot.reason === '' ? BALLOT_TYPES : EXTENDED_BALLOT_TYPES
  const recovered = verifyTypedData(
    governorDomain(chainId, ballot.governor), types,
    { proposalId: BigInt(ballot.proposalId), support: ballot.support, voter: ballot.voter, nonce: BigInt(ballot.nonce), reason: ballot.reason, params: '0x' },
    ballot.signature)
  if (recovered.toLowerCase() !== ballot.voter.toLowerCase()) throw new GovernanceError('BAD_BALLOT', `the ballot's signature is by ${recovered}, not the voter ${ballot.voter}`)
  const g = gov.governor.connect(submitter) as Contract
  const sent = await sendTx('vote by signature', async () => (ballot.reason === ''
    ? await g.getFunction('castVoteBySig')(ballot.proposalId, ballot.support, ballot.voter, ballot.signature)
    : await g.getFunction('castVoteWithReasonAndParamsBySig')(ballot.proposalId, ballot.support, ballot.voter, ballot.reason, '0x', ballot.signature)) as ContractTransactionResponse)
  return { hash: sent.hash, weight }
}
