import type { ChainFacts } from './chain-facts.ts'
import type { EthPhishingLists } from '../intel/lists/eth-phishing-lists.ts'
import type { Address } from './input.ts'
import type { DecodedRequest } from './request.ts'
import type { Simulation } from './simulator.ts'

export type FindingLevel = 'info' | 'warn' | 'block'
export type Decision = 'allow' | 'warn' | 'block' | 'unverified'

export interface Finding {
  /** stable rule id, e.g. `approval-to-eoa` */
  id: string
  level: FindingLevel
  /** one sentence for the user */
  message: string
  /** what the rule saw: addresses, amounts, list names */
  evidence: Record<string, unknown>
}

/** Subjects known bad (mirrored from the network, added locally), lowercase. */
export interface MaliciousSet {
  /** CAIP-10 `eip155:<chain>:<address>` (bad on that chain: the network's wallet subjects) or a bare address (on every chain: the user's own) */
  addresses: ReadonlySet<string>
  domains: ReadonlySet<string>
  scriptHashes: ReadonlySet<string>
}

/** What the page did, as the extension reports it; empty for the CLI. */
export interface PageContext {
  /** the requesting page's origin, e.g. https://app.example */
  origin?: string
  /** the page's URL without query or fragment, on `origin` (for a report to the network only) */
  url?: string
  /** in a frame: the origins of the frames around it, nearest first, the top page last */
  ancestors?: readonly string[]
  /** sha256 (hex) of the page's scripts */
  scriptHashes?: readonly string[]
  /** whether a user gesture (click, key) preceded this request; undefined: unknown */
  gesture?: boolean
}

/** A connect-type request seen from an origin (eth_requestAccounts, chain switches). */
export interface ConnectEvent { method: string, at: number, gesture: boolean | undefined }

export interface RuleInput {
  request: DecodedRequest
  simulation: Simulation
  /** undefined: the chain did not answer in time */
  facts: ChainFacts | undefined
  pastRecipients: ReadonlySet<Address>
  malicious: MaliciousSet
  /** eth-phishing-detect's lists, when loaded */
  phishing: EthPhishingLists | undefined
  /** spenders and contracts the user trusts (well-known routers), lowercase */
  allowlist: ReadonlySet<Address>
  page: PageContext
  /** this origin's recent connect-type requests, oldest first, including the current one if it is one */
  connects: readonly ConnectEvent[]
  /** ms since epoch of this request */
  now: number
  /** the chain the request takes effect on (rules/signing-chain.ts), which chain-specific malicious entries match; undefined: unknown or none, so any chain's entries match */
  chainId?: number
  /** the chain the RPC serves; undefined: it did not say */
  rpcChainId?: number
}

export const finding = (id: string, level: FindingLevel, message: string, evidence: Record<string, unknown>): Finding => ({ id, level, message, evidence })
