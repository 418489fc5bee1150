import { listMembers, listProposals, openGov, proposalStatus } from '#governance/index.ts'
import type { Proposal, VirusMapContracts } from '#governance/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Provider } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'

/** Governor proposal states, as OpenZeppelin's IGovernor.ProposalState names them. */
export type ProposalState = 'Pending' | 'Active' | 'Canceled' | 'Defeated' | 'Succeeded' | 'Queued' | 'Expired' | 'Executed'

export interface ProposalView {
  /** uint256 in decimal */
  id: string
  state: ProposalState
  proposer: Hex
  description: string
  /** block the proposal was created in */
  createdBlock: number
  /** votes are counted at snapshot; voting ends at deadline (blocks) */
  snapshot: number
  deadline: number
  /** token amounts in wei, decimal */
  votes: { for: string, against: string, abstain: string }
  /** votes needed (for + abstain), decimal wei; null before the snapshot block has passed */
  quorum: string | null
  /** unix seconds from which a queued proposal may execute; null unless queued */
  eta: number | null
  /** each call; `call` is the decoded form when the target is one of ours */
  actions: Array<{ target: Hex, value: string, calldata: Hex, call?: string }>
}

export interface GovernanceMember {
  operator: Hex
  peerId: string
  metadataURI: string
  /** block the candidate registered at */
  registeredAt: number
  /** block its term ends at; null: no term limit */
  termEnd: number | null
}

/** VirusMap extension: the Governor's proposals and the registry's members, read from the chain. */
export interface GovernanceReader {
  /**
   * Newest first, at most `limit`, starting after the proposal `after` (a cursor from a previous
   * page). Undefined when `after` names no proposal.
   */
  proposals(page: { limit: number, after?: string }, options?: AbortOptions): Promise<{ proposals: ProposalView[], next?: string } | undefined>
  members(options?: AbortOptions): Promise<GovernanceMember[]>
}

export interface GovernanceReaderOptions {
  provider: Provider
  contracts: VirusMapContracts
  /** the deployment's block: no proposal is older */
  deployBlock: number
  /** how long a read is reused; default 5 s (a block or two) */
  ttlMs?: number
  now?: () => number
}

/** A chain read that failed; the API answers 503 TransientError (port code UNAVAILABLE). */
export class GovernanceUnavailableError extends Error {
  override readonly name = 'GovernanceUnavailableError'
  readonly code = 'UNAVAILABLE'
}

/** Proposals created this close to the head are read again, so a reorg there is not missed. */
const RESCAN_BLOCKS = 64
/** States a proposal never leaves: their reads are kept for good. */
const FINAL_STATES: ReadonlySet<ProposalState> = new Set(['Executed', 'Defeated', 'Canceled', 'Expired'])

interface Cached<T> { at: number, value: Promise<T> }

function unavailable (err: unknown): GovernanceUnavailableError {
  return new GovernanceUnavailableError(`the chain did not answer: ${(err as { shortMessage?: string, message?: string }).shortMessage ?? (err as Error).message}`, { cause: err })
}

/**
 * The Governor's proposals and the registry's members, as `virusmap gov proposals|members` reads
 * them (governance/src), for the web page. ProposalCreated logs are read incrementally from the
 * last head (less a margin); one listing and one read of each proposal's state are shared by
 * everyone asking within the TTL, so page views cost the chain nothing extra.
 */
export function createGovernanceReader (options: GovernanceReaderOptions): GovernanceReader {
  const ttl = options.ttlMs ?? 5000
  const now = options.now ?? Date.now
  const gov = openGov(options.contracts, options.provider, options.deployBlock)
  /** oldest first, as created on chain */
  const known: Proposal[] = []
  const knownIds = new Set<bigint>()
  let scanFrom = options.deployBlock
  let listing: Cached<Proposal[]> | undefined
  const statuses = new Map<bigint, Cached<ProposalView | undefined>>()
  let members: Cached<GovernanceMember[]> | undefined

  /** a shared read: reused within the TTL, forgotten at once if it failed */
  function shared<T> (current: Cached<T> | undefined, read: () => Promise<T>, keep: (c: Cached<T> | undefined) => void, forever = false): Promise<T> {
    const at = now()
    if (current !== undefined && (forever || at - current.at < ttl)) return current.value
    const value = read()
    const entry = { at, value }
    keep(entry)
    value.catch(() => { keep(undefined) })
    return value
  }

  const proposals = (): Promise<Proposal[]> => shared(listing, async () => {
    try {
      const head = await options.provider.getBlockNumber()
      for (const p of await listProposals(openGov(options.contracts, options.provider, scanFrom))) {
        if (knownIds.has(p.id)) continue
        knownIds.add(p.id)
        known.push(p)
      }
      scanFrom = Math.max(scanFrom, head - RESCAN_BLOCKS)
      return known
    } catch (err) {
      throw unavailable(err)
    }
  }, (c) => { listing = c })

  const status = async (p: Proposal): Promise<ProposalView | undefined> => {
    const cached = statuses.get(p.id)
    const forever = cached !== undefined && await cached.value.then((v) => v !== undefined && FINAL_STATES.has(v.state), () => false)
    return await shared(cached, async () => {
      let s
      try {
        s = await proposalStatus(gov, p)
      } catch (err) {
        // a proposal a reorg took away no longer exists on the Governor: leave it out
        if ((err as { code?: string }).code === 'CALL_EXCEPTION') return undefined
        throw unavailable(err)
      }
      return {
        id: s.id,
        state: s.state,
        proposer: s.proposer.toLowerCase() as Hex,
        description: s.description,
        createdBlock: p.createdBlock,
        snapshot: s.snapshot,
        deadline: s.deadline,
        votes: s.votes,
        quorum: s.quorum,
        eta: s.eta,
        actions: s.actions.map((a) => ({ target: a.target.toLowerCase() as Hex, value: a.value, calldata: a.calldata as Hex, ...(a.call === undefined ? {} : { call: a.call }) }))
      }
    }, (c) => { if (c === undefined) statuses.delete(p.id); else statuses.set(p.id, c) }, forever)
  }

  return {
    async proposals (page, opts = {}) {
      opts.signal?.throwIfAborted()
      const newestFirst = (await proposals()).toReversed()
      let start = 0
      if (page.after !== undefined) {
        const i = newestFirst.findIndex((p) => p.id.toString() === page.after)
        if (i < 0) return undefined
        start = i + 1
      }
      const slice = newestFirst.slice(start, start + page.limit)
      const views = (await Promise.all(slice.map(status))).filter((v): v is ProposalView => v !== undefined)
      const last = slice.at(-1)
      return { proposals: views, ...(start + page.limit < newestFirst.length && last !== undefined ? { next: last.id.toString() } : {}) }
    },
    async members (opts = {}) {
      opts.signal?.throwIfAborted()
      return await shared(members, async () => {
        try {
          return (await listMembers(gov)).map((m) => ({
            operator: m.operator.toLowerCase() as Hex,
            peerId: m.peerId,
            metadataURI: m.metadataURI,
            registeredAt: m.registeredAt,
            termEnd: m.termEnd
          }))
        } catch (err) {
          throw unavailable(err)
        }
      }, (c) => { members = c })
    }
  }
}
