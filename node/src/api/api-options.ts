/**
 * Where the API listens and whether it asks for a key: the keys of a node's config file, their
 * defaults and their validation. Its limits are in limits.ts; config.ts composes both under the same names.
 */
export interface ApiOptions {
  apiHost: string
  /** 0: any free port */
  apiPort: number
  /** x-apikey on /api/v3 and /api/virusmap (keys: `virusmap apikey create`); false opens them to anyone */
  requireApiKey: boolean
}

export const API_DEFAULTS = {
  apiHost: '127.0.0.1',
  apiPort: 0,
  requireApiKey: true
} as const satisfies ApiOptions

/** What is wrong with the API options of a config object whose defaults are filled in; undefined: nothing. */
export function checkApiOptions (cfg: Record<string, unknown>): string | undefined {
  if (typeof cfg.apiHost !== 'string' || cfg.apiHost === '') return 'apiHost must be a host name or address'
  if (!Number.isSafeInteger(cfg.apiPort) || (cfg.apiPort as number) < 0 || (cfg.apiPort as number) > 65_535) return 'apiPort must be an integer from 0 to 65535'
  return typeof cfg.requireApiKey === 'boolean' ? undefined : 'requireApiKey must be true or false'
}
