// Which chain a request is judged on. A transaction runs on the chain the wallet's RPC serves; an
// EIP-712 signature takes effect on the chain its domain names (domain.chainId), whatever chain the
// RPC serves, so a listed wallet is matched on that chain and the RPC's chain state (code, age,
// balances) says nothing about it. A domain with no chain id binds the signature to no chain: a
// listed wallet is matched on every chain (failing safe), and the RPC's chain is one it may act on. Pure.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import type { DecodedRequest } from '../request.ts'

/** a real EVM chain id, as the store keeps them (CAIP-2 eip155 references up to 16 digits) */
export const isChainId = (id: bigint | number): boolean => {
  const n = Number(id)
  return Number.isSafeInteger(n) && n > 0 && BigInt(n) === BigInt(id)
}

/** the chain `request` takes effect on; undefined: unknown or none (chain-specific entries then match on any chain) */
export function judgedChain (request: Pick<DecodedRequest, 'domainChainId'>, rpcChainId: number | undefined): number | undefined {
  if (request.domainChainId === undefined) return rpcChainId
  if (request.domainChainId === null) return undefined
  return isChainId(request.domainChainId) ? Number(request.domainChainId) : undefined
}

/** whether the RPC's chain state describes where the request takes effect (unknown counts as yes, as before the domain was read) */
export function rpcStateApplies (request: Pick<DecodedRequest, 'domainChainId'>, rpcChainId: number | undefined): boolean {
  const domain = request.domainChainId
  if (domain === undefined || domain === null) return true
  if (!isChainId(domain)) return false
  return rpcChainId === undefined || BigInt(rpcChainId) === domain
}

/**
 * A signature for another chain than the RPC's, or for no real chain, warns: a wallet on one chain
 * signing for another is how a drainer moves a Permit past checks made on the wallet's chain.
 */
export function signingChainRule (input: RuleInput): Finding[] {
  const domain = input.request.domainChainId
  if (domain === undefined || domain === null) return []
  const evidence = { domainChainId: domain.toString().slice(0, 80), ...input.rpcChainId !== undefined ? { rpcChainId: input.rpcChainId } : {} }
  if (!isChainId(domain)) return [finding('other-chain-signature', 'warn', `the signature names chain ${evidence.domainChainId}, which no network uses`, evidence)]
  if (input.rpcChainId !== undefined && BigInt(input.rpcChainId) !== domain) {
    return [finding('other-chain-signature', 'warn', `the signature is for chain ${domain}, but your wallet is on chain ${input.rpcChainId}`, evidence)]
  }
  return []
}
