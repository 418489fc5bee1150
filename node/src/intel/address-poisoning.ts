/**
 * Address poisoning: a scammer sends dust from an address whose first and last characters match
 * one the victim uses, hoping the victim copies it from their history. Wallets show addresses
 * shortened to 0x1234…abcd, so 4 + 4 hex characters is what a person compares. Pure.
 */
const HEX40 = /(?:^|:)0x([0-9a-fA-F]{40})$/

/** The 40 lowercase hex digits of an address given as `0x…` or CAIP-10; undefined otherwise. */
export function addressHex (address: string): string | undefined {
  if (typeof address !== 'string' || address.length > 128) return undefined
  return HEX40.exec(address.trim())?.[1]?.toLowerCase()
}

/** What a person sees of an address: its first 4 and last 4 hex digits after 0x. */
export function poisoningKey (hex: string): string {
  return `${hex.slice(0, 4)}…${hex.slice(-4)}`
}

/**
 * The used addresses that `address` imitates: same first 4 and last 4 hex digits after 0x,
 * a different address (case-insensitive; `0x…` or CAIP-10, chain ignored). Returned as given.
 */
export function findPoisoningLookalikes (address: string, usedAddresses: Iterable<string>): string[] {
  const hex = addressHex(address)
  if (hex === undefined) return []
  const key = poisoningKey(hex)
  const found: string[] = []
  for (const used of usedAddresses) {
    const other = addressHex(used)
    if (other !== undefined && other !== hex && poisoningKey(other) === key) found.push(used)
  }
  return found
}

/** The same test against a fixed set, indexed: the engine's form for a long protected list. */
export function createPoisoningIndex (addresses: Iterable<string>): (address: string) => string[] {
  const byKey = new Map<string, Set<string>>()
  for (const a of addresses) {
    const hex = addressHex(a)
    if (hex === undefined) continue
    const key = poisoningKey(hex)
    const set = byKey.get(key) ?? new Set<string>()
    set.add(hex)
    byKey.set(key, set)
  }
  return (address) => {
    const hex = addressHex(address)
    if (hex === undefined) return []
    return [...byKey.get(poisoningKey(hex)) ?? []].filter(h => h !== hex).map(h => `0x${h}`)
  }
}
