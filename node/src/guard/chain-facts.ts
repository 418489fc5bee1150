// What the rules need to know about the chain besides the simulation: whether an address has
// code, how old a contract is, and the user's balances before the call.
import type { AbortOptions } from '@libp2p/interface'
import { GuardError } from './guard-error.ts'
import type { Address } from './input.ts'
import type { PricedAsset, UsdValue } from './prices.ts'
import type { JsonRpc } from './rpc.ts'

export interface ChainFacts {
  /** latest block timestamp, seconds */
  now: number
  /** address -> has code; absent when unknown */
  hasCode: Map<Address, boolean>
  /** contract -> seconds since its creation block; absent when unknown (pruned node, over the soft limit) */
  ageSeconds: Map<Address, number>
  nativeBalance: bigint | undefined
  tokenBalances: Map<Address, bigint>
  /** the USD value of each amount the simulation moves (prices.ts), for the balance-drop rule; absent: not read or no price */
  usd?: ReadonlyMap<PricedAsset, UsdValue>
}

export interface FactsQuery {
  user: Address | undefined
  addresses: Iterable<Address>
  /** tokens whose balance the user had before (for the balance-drop rule) */
  tokens: Iterable<Address>
}

/** getCode probes per creation-block search: log2 of a mainnet height is 25 */
const MAX_SEARCH_STEPS = 40
const BALANCE_OF = '0x70a08231'

export interface ChainFactsReader {
  /** `soft`: past it, contract ages are left unknown rather than awaited */
  read(query: FactsQuery, options?: AbortOptions & { soft?: AbortSignal }): Promise<ChainFacts>
}

export function createChainFactsReader (rpc: JsonRpc): ChainFactsReader {
  // a contract's creation block never changes: search once per address
  const created = new Map<Address, number>()
  const blockTime = new Map<number, number>()

  const timestamp = async (block: number, options?: AbortOptions): Promise<number> => {
    const known = blockTime.get(block)
    if (known !== undefined) return known
    const b = await rpc.call<{ timestamp?: string } | null>('eth_getBlockByNumber', [`0x${block.toString(16)}`, false], options)
    if (b?.timestamp === undefined) throw new GuardError('RPC_FAILED', `no block ${block}`)
    const t = Number(BigInt(b.timestamp))
    blockTime.set(block, t)
    return t
  }

  const creationBlock = async (address: Address, head: number, options?: AbortOptions): Promise<number> => {
    const known = created.get(address)
    if (known !== undefined) return known
    let lo = 0
    let hi = head
    for (let step = 0; lo < hi && step < MAX_SEARCH_STEPS; step++) {
      const mid = Math.floor((lo + hi) / 2)
      const code = await rpc.call<string>('eth_getCode', [address, `0x${mid.toString(16)}`], options)
      if (code !== '0x') hi = mid
      else lo = mid + 1
    }
    created.set(address, lo)
    return lo
  }

  return {
    async read (query, options) {
      const addresses = [...new Set(query.addresses)]
      const latest = await rpc.call<{ number: string, timestamp: string }>('eth_getBlockByNumber', ['latest', false], options)
      const head = Number(BigInt(latest.number))
      const now = Number(BigInt(latest.timestamp))
      blockTime.set(head, now)
      const facts: ChainFacts = { now, hasCode: new Map(), ageSeconds: new Map(), nativeBalance: undefined, tokenBalances: new Map() }
      const user = query.user
      await Promise.all([
        ...addresses.map(async a => {
          facts.hasCode.set(a, (await rpc.call<string>('eth_getCode', [a, 'latest'], options)) !== '0x')
        }),
        user === undefined ? undefined : rpc.call<string>('eth_getBalance', [user, 'latest'], options).then(b => { facts.nativeBalance = BigInt(b) }),
        ...user === undefined ? [] : [...new Set(query.tokens)].map(async token => {
          try {
            const out = await rpc.call<string>('eth_call', [{ to: token, data: `${BALANCE_OF}${user.slice(2).padStart(64, '0')}` }, 'latest'], options)
            if (/^0x[0-9a-fA-F]{64}$/.test(out)) facts.tokenBalances.set(token, BigInt(out))
          } catch (err) {
            if (options?.signal?.aborted === true) throw err
            // not an ERC-20 balanceOf: the balance-drop rule skips this token
          }
        })
      ])
      const ageOptions = { signal: anySignal(options?.signal, options?.soft) }
      await Promise.all([...facts.hasCode].filter(([, code]) => code).map(async ([a]) => {
        try {
          const block = await creationBlock(a, head, ageOptions)
          facts.ageSeconds.set(a, now - await timestamp(block, ageOptions))
        } catch (err) {
          if (options?.signal?.aborted === true) throw err
          // soft limit or a pruned node: the age stays unknown
        }
      }))
      return facts
    }
  }
}

function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter(s => s !== undefined)
  return present.length === 0 ? undefined : AbortSignal.any(present)
}
