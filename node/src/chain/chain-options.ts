/**
 * How the node follows and writes to the chain: the keys of a node's config file that every chain
 * reader (registry follower, anchors, rewards, market, hunt, report fetch) and every member sending
 * in turns (anchor proposals, root posts, evidence proofs, fulfils) takes, their defaults and their
 * validation. config.ts composes them with the other subsystems' options under the same names.
 */
export interface ChainOptions {
  /** blocks a log stays under the head before the node acts on it (deeper reorgs are logged as errors) */
  confirmations: number
  /** how often the chain is polled; also the RPC provider's polling interval */
  pollIntervalMs: number
  /** how long each member's turn to send lasts before the next rank's (epoch proposals, SPEC section 15; root posts, proofs, fulfils) */
  anchorTurnMs: number
}

export const CHAIN_DEFAULTS = {
  confirmations: 2,
  pollIntervalMs: 1000,
  anchorTurnMs: 30_000
} as const satisfies ChainOptions

const isInteger = (value: unknown, least: number): boolean => Number.isSafeInteger(value) && (value as number) >= least

/** What is wrong with the chain options of a config object whose defaults are filled in; undefined: nothing. */
export function checkChainOptions (cfg: Record<string, unknown>): string | undefined {
  for (const key of ['confirmations', 'pollIntervalMs']) {
    if (!isInteger(cfg[key], 0)) return `${key} must be a non-negative integer`
  }
  // below a second every rank would send at once
  if (!isInteger(cfg.anchorTurnMs, 1000)) return 'anchorTurnMs must be an integer of at least 1000'
  return undefined
}
