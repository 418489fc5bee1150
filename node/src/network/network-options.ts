/**
 * The libp2p host's addresses in a node's config file, their defaults and their validation; config.ts
 * composes them with the other subsystems' options under the same names.
 */
export interface NetworkOptions {
  /** multiaddrs the host listens on */
  listen: string[]
  /** peers' multiaddrs the peer keeper keeps dialling */
  bootstrap: string[]
}

export const NETWORK_DEFAULTS = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: []
} as const satisfies NetworkOptions

/** What is wrong with the network options of a config object whose defaults are filled in; undefined: nothing. */
export function checkNetworkOptions (cfg: Record<string, unknown>): string | undefined {
  for (const key of ['listen', 'bootstrap']) {
    const list = cfg[key]
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) return `${key} must be a list of strings`
  }
  return undefined
}
