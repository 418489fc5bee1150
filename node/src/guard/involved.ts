// The addresses a request touches, by role: the rules look each role up differently. Pure.
import type { Address } from './input.ts'
import type { DecodedRequest } from './request.ts'
import type { Simulation } from './simulator.ts'

/** A grant of spending rights, from the decoded request or from the simulation's Approval logs. */
export interface Grant {
  source: 'approve' | 'increaseAllowance' | 'permit-call' | 'setApprovalForAll' | 'permit' | 'permit2' | 'simulation'
  token: Address
  spender: Address
  /** undefined: all tokens (setApprovalForAll) */
  amount: bigint | undefined
  /** unix seconds after which the grant ends; undefined: never */
  expiresAt: bigint | undefined
  /** Permit2 batches grant many tokens in one signature */
  batch: boolean
}

export function grants (request: DecodedRequest, simulation: Simulation): Grant[] {
  const out: Grant[] = []
  for (const a of request.actions) {
    // approve(spender, 0) revokes
    if (a.kind === 'approve' && a.amount > 0n) out.push({ source: a.via, token: a.token, spender: a.spender, amount: a.amount, expiresAt: undefined, batch: false })
    else if (a.kind === 'approval-for-all' && a.approved) out.push({ source: 'setApprovalForAll', token: a.token, spender: a.operator, amount: undefined, expiresAt: undefined, batch: false })
    else if (a.kind === 'permit') out.push({ source: 'permit', token: a.token, spender: a.spender, amount: a.amount, expiresAt: a.deadline, batch: false })
    else if (a.kind === 'permit2') {
      for (const t of a.tokens) out.push({ source: 'permit2', token: t.token, spender: a.spender, amount: t.amount, expiresAt: t.expiration === 0n ? a.deadline : t.expiration, batch: a.tokens.length > 1 })
    }
  }
  if (simulation.status === 'ok') {
    for (const g of simulation.effects.approvals) {
      if (out.some(o => o.token === g.token && o.spender === g.spender)) continue
      if (g.standard === 'erc721-all' && g.approved !== true) continue
      if (g.standard === 'erc20' && g.amount === 0n) continue
      out.push({ source: 'simulation', token: g.token, spender: g.spender, amount: g.standard === 'erc20' ? g.amount : g.standard === 'erc721' ? 1n : undefined, expiresAt: g.expiresAt, batch: false })
    }
  }
  return out
}

/** Who receives the user's assets: decoded transfers and the simulation's outgoing movements. */
export function recipients (request: DecodedRequest, simulation: Simulation): Address[] {
  const out = new Set<Address>()
  for (const a of request.actions) {
    if (a.kind === 'native-transfer' || a.kind === 'transfer' || a.kind === 'transfer-from' || a.kind === 'nft-transfer') out.add(a.to)
  }
  if (simulation.status === 'ok') {
    for (const t of simulation.effects.transfers) if (t.from === request.from) out.add(t.to)
  }
  out.delete(request.from as Address)
  return [...out]
}

/** Contracts the request calls or signs for. */
export function contracts (request: DecodedRequest): Address[] {
  const out = new Set<Address>()
  if (request.tx?.to !== undefined) out.add(request.tx.to)
  for (const a of request.actions) if ((a.kind === 'typed-data') && a.verifyingContract !== undefined) out.add(a.verifyingContract)
  return [...out]
}

/** Every address the request names, for the malicious-list lookup and the chain facts. */
export function allAddresses (request: DecodedRequest, simulation: Simulation): Address[] {
  const out = new Set<Address>([...recipients(request, simulation), ...contracts(request), ...grants(request, simulation).flatMap(g => [g.spender, g.token])])
  for (const a of request.actions) {
    if (a.kind === 'seaport-order') for (const i of [...a.offer, ...a.consideration]) { out.add(i.token); if (i.recipient !== undefined) out.add(i.recipient) }
    if (a.kind === 'permit2' && a.permit2 !== undefined) out.add(a.permit2)
    if (a.kind === 'blur-order') for (const x of [a.collection, a.paymentToken, ...a.fees.map(f => f.recipient)]) out.add(x)
  }
  out.delete('0x0000000000000000000000000000000000000000')
  return [...out]
}
