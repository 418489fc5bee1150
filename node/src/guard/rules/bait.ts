// Bait: what a drainer sends back so the wallet shows a gain. Without a price feed the guard
// cannot value an unknown token, but it can see, within the one call, whether anybody paid for
// it. Each unvalued gain is followed back along its own transfers to where it entered the call: a
// mint (from the zero address) enters at the token contract, anything else at the first holder
// that sent it without receiving it in the call (a pool, a seller, a drainer's pre-minted stock).
// The gain is bait when every such origin is unpaid: nothing the user gives reaches it, directly
// or through any chain of transfers in the call (a router, a wrap, another pool). A swap's pool,
// a seller, a paid mint's collection and a liquidity pair are all reached by what the user pays;
// a stock of pre-minted bait handed out by a drainer, or bait minted by a contract nobody pays, is
// not. Pure.
//
// What still passes as a warning here: bait held by the very contract the user pays (it forwards
// the proceeds or not), which is how a shop contract selling pre-minted items looks too; and a
// drainer routing a wei of the user's value to its stock. A price tells those apart where one
// exists (prices.ts): the balance-drop rule then asks bait.ts only about gains it cannot price.
import { ZeroAddress } from 'ethers'
import type { AssetTransfer, Effects } from '../effects.ts'
import type { Address } from '../input.ts'

/** how far back a gain is followed through holders that passed it on */
const MAX_HOPS = 16

export interface Bait {
  /** the unvalued tokens that are bait */
  tokens: Address[]
  /** where they entered the call: the unpaid stock or minter */
  origins: Address[]
}

/** every asset movement of the call: those touching the user and the others */
const movements = (effects: Effects): readonly AssetTransfer[] => [...effects.transfers, ...effects.others ?? []]

/** The addresses `user`'s assets reach in the call, following every movement of any asset but `except`. */
function reached (moves: readonly AssetTransfer[], user: Address, except: Address): Set<Address> {
  const seen = new Set<Address>([user])
  const queue: Address[] = [user]
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const m of moves) {
      if (m.from !== at || m.token === except || m.amount === 0n || seen.has(m.to)) continue
      seen.add(m.to)
      queue.push(m.to)
    }
  }
  return seen
}

/** Where `token`'s movements to `user` entered the call (the token contract for a mint). */
export function origins (moves: readonly AssetTransfer[], user: Address, token: Address): Set<Address> {
  const out = new Set<Address>()
  const visited = new Set<Address>()
  let holders = new Set<Address>([user])
  for (let hop = 0; hop < MAX_HOPS && holders.size > 0; hop++) {
    const next = new Set<Address>()
    for (const holder of holders) {
      visited.add(holder)
      for (const m of moves) {
        if (m.token !== token || m.to !== holder || m.from === holder || m.amount === 0n) continue
        if (m.from === ZeroAddress) out.add(token)
        else if (visited.has(m.from)) continue
        else if (moves.some(r => r.token === token && r.to === m.from && r.from !== m.from && r.amount > 0n)) next.add(m.from)
        else out.add(m.from)
      }
    }
    holders = next
  }
  // a chain longer than MAX_HOPS ends where the search stopped: those holders count as origins
  for (const h of holders) out.add(h)
  return out
}

/** The unvalued gains whose every origin is unpaid, and those origins. */
export function findBait (effects: Effects, user: Address, unvalued: readonly Address[]): Bait {
  const moves = movements(effects)
  const tokens: Address[] = []
  const unpaid = new Set<Address>()
  for (const token of unvalued) {
    const from = origins(moves, user, token)
    if (from.size === 0) continue
    const paid = reached(moves, user, token)
    if ([...from].every(o => !paid.has(o))) {
      tokens.push(token)
      for (const o of from) unpaid.add(o)
    }
  }
  return { tokens, origins: [...unpaid] }
}
