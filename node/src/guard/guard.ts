// The wallet guard: decode a wallet request, pre-execute it on current chain state, run the
// rules, decide. Everything stays on this machine: the only remote party is the user's own RPC.
import type { AbortOptions } from '@libp2p/interface'
import type { EthPhishingLists } from '../intel/lists/eth-phishing-lists.ts'
import { createChainFactsReader, type ChainFacts } from './chain-facts.ts'
import { createConnectLog } from './connect-log.ts'
import type { Decision, Finding, MaliciousSet, PageContext } from './finding.ts'
import type { Address } from './input.ts'
import { allAddresses, grants, recipients } from './involved.ts'
import { CONNECT_METHODS, decodeRequest, type DecodedRequest } from './request.ts'
import { createJsonRpc, type JsonRpc } from './rpc.ts'
import { decide, runRules } from './rules/run-rules.ts'
import { maliciousRule } from './rules/malicious.ts'
import { behaviourRule } from './rules/behaviour.ts'
import { judgedChain, rpcStateApplies } from './rules/signing-chain.ts'
import { createSimulator, type Simulation } from './simulator.ts'
import { createPriceReader, type PricedAsset } from './prices.ts'
import type { PriceSources } from './price-sources.ts'
import type { ForkSidecar } from './fork-sidecar.ts'
import { WELL_KNOWN_SPENDERS } from './well-known.ts'

export const SOFT_LIMIT_MS = 1500
export const HARD_LIMIT_MS = 3000

export interface GuardResult {
  decision: Decision
  findings: Finding[]
  simulation: Simulation
  request: Pick<DecodedRequest, 'method' | 'from' | 'actions'>
  /** the chain the request takes effect on (the RPC's, or a signature's domain.chainId), when known */
  chainId?: number
}

export interface GuardOptions {
  rpc: string | JsonRpc
  pastRecipients?: ReadonlySet<Address>
  malicious?: MaliciousSet
  /** added to WELL_KNOWN_SPENDERS */
  allowlist?: Iterable<Address>
  phishing?: EthPhishingLists
  /** past it, contract ages are left unknown */
  softLimitMs?: number
  /** past it, the decision is unverified */
  hardLimitMs?: number
  /** default: an anvil fork of `rpc`, started only if the RPC lacks eth_simulateV1 */
  sidecar?: ForkSidecar
  /** where prices are read on each chain; default PRICE_SOURCES */
  priceSources?: ReadonlyMap<number, PriceSources>
  now?: () => number
}

export interface Guard {
  check(request: unknown, page?: PageContext, options?: AbortOptions): Promise<GuardResult>
  /** find out the RPC's simulation path, and start the fork sidecar if it needs one */
  warm(options?: AbortOptions): Promise<void>
  /** a page visit alone (the patent's page scene): its domain and script hashes against the lists, and its prompt count; pure and local */
  checkPage(page: PageContext): Pick<GuardResult, 'decision' | 'findings'>
  stop(): Promise<void>
}

/** what a page visit is judged as: a request that names nothing */
const PAGE_VISIT: DecodedRequest = { method: 'page', from: undefined, actions: [], tx: undefined }

const NO_MALICIOUS: MaliciousSet = { addresses: new Set(), domains: new Set(), scriptHashes: new Set() }

export function createGuard (options: GuardOptions): Guard {
  const rpc = typeof options.rpc === 'string' ? createJsonRpc(options.rpc) : options.rpc
  const simulator = createSimulator({ rpc, ...options.sidecar !== undefined ? { sidecar: options.sidecar } : {} })
  const facts = createChainFactsReader(rpc)
  const prices = createPriceReader(rpc, options.priceSources)
  const connects = createConnectLog()
  const allowlist = new Set<Address>([...WELL_KNOWN_SPENDERS, ...options.allowlist ?? []])
  const now = options.now ?? Date.now
  const softMs = options.softLimitMs ?? SOFT_LIMIT_MS
  const hardMs = options.hardLimitMs ?? HARD_LIMIT_MS
  // an RPC URL serves one chain: asked once, kept; unknown while it does not answer
  let chainId: number | undefined
  const readChainId = async (callOptions: AbortOptions): Promise<number | undefined> => {
    if (chainId !== undefined) return chainId
    try {
      const hex = await rpc.call<unknown>('eth_chainId', [], callOptions)
      const id = typeof hex === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(hex) ? Number(hex) : 0
      if (Number.isSafeInteger(id) && id > 0) chainId = id
    } catch {
      // chain-specific malicious entries then match on any chain (listedOn)
    }
    return chainId
  }

  return {
    async check (request, page = {}, callOptions) {
      // decoding is pure and throws GuardError on hostile input before anything is asked of the chain
      const decoded = decodeRequest(request)
      const at = now()
      const origin = page.origin ?? ''
      if (CONNECT_METHODS.has(decoded.method)) connects.record(origin, { method: decoded.method, at, gesture: page.gesture })
      // both limits count from the request, not from the step that uses them
      const signal = AbortSignal.any([AbortSignal.timeout(hardMs), ...callOptions?.signal !== undefined ? [callOptions.signal] : []])
      const soft = AbortSignal.timeout(softMs)

      const onChain = readChainId({ signal })
      let simulation: Simulation = { status: 'not-applicable' }
      if (decoded.tx !== undefined) {
        try {
          simulation = await simulator.simulate(decoded.tx, { signal })
        } catch (err) {
          callOptions?.signal?.throwIfAborted()
          simulation = { status: 'unavailable', reason: signal.aborted ? `no answer within ${hardMs} ms` : (err as Error).message.slice(0, 200) }
        }
      }
      let chain: ChainFacts | undefined
      const needsChain = decoded.tx !== undefined || grants(decoded, simulation).length > 0 || recipients(decoded, simulation).length > 0
      // a signature for another chain: the RPC's code, ages and balances describe the wrong chain, so none are read
      const rpcChainId = await onChain
      const judgedOn = judgedChain(decoded, rpcChainId)
      if (needsChain && simulation.status !== 'unavailable' && rpcStateApplies(decoded, rpcChainId)) {
        try {
          chain = await facts.read({
            user: decoded.from,
            addresses: allAddresses(decoded, simulation),
            tokens: simulation.status === 'ok' ? simulation.effects.erc20.filter(t => t.delta < 0n).map(t => t.token) : []
          }, { signal, soft })
        } catch {
          callOptions?.signal?.throwIfAborted()
          chain = undefined
        }
      }
      // the balance the simulation started from, where the path says it, is the one its losses are a share of
      if (chain !== undefined && simulation.status === 'ok' && simulation.startBalance !== undefined) chain.nativeBalance = simulation.startBalance
      // a loss is valued on chain for the balance-drop rule; past the soft limit it stays unpriced
      if (chain !== undefined && simulation.status === 'ok') {
        const moved = new Map<PricedAsset, bigint>(simulation.effects.erc20.map(t => [t.token, t.delta]))
        if (simulation.effects.native !== 0n) moved.set('native', simulation.effects.native)
        if ([...moved.values()].some(d => d < 0n)) chain.usd = await prices.value(rpcChainId, moved, chain.now, { signal: AbortSignal.any([signal, soft]) })
      }
      const findings = runRules({
        request: decoded,
        simulation,
        facts: chain,
        pastRecipients: options.pastRecipients ?? new Set(),
        malicious: options.malicious ?? NO_MALICIOUS,
        phishing: options.phishing,
        allowlist,
        page,
        connects: connects.recent(origin, at),
        now: at,
        ...judgedOn !== undefined ? { chainId: judgedOn } : {},
        ...rpcChainId !== undefined ? { rpcChainId } : {}
      })
      const verified = !needsChain || (chain !== undefined && simulation.status !== 'unavailable')
      return { decision: decide(findings, verified), findings, simulation, request: { method: decoded.method, from: decoded.from, actions: decoded.actions }, ...judgedOn !== undefined ? { chainId: judgedOn } : {} }
    },
    checkPage (page) {
      const at = now()
      const input = {
        request: PAGE_VISIT,
        simulation: { status: 'not-applicable' } as const,
        facts: undefined,
        pastRecipients: options.pastRecipients ?? new Set<Address>(),
        malicious: options.malicious ?? NO_MALICIOUS,
        phishing: options.phishing,
        allowlist,
        page,
        connects: connects.recent(page.origin ?? '', at),
        now: at
      }
      const listed = maliciousRule(input)
      const findings = [...listed, ...behaviourRule(input, listed)]
      return { decision: decide(findings, true), findings }
    },
    warm: async (callOptions) => { await simulator.warm(callOptions) },
    stop: async () => { await simulator.stop() }
  }
}
