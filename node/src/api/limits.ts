/** What bounds the API's use of memory, slots and sockets; every one is a config option of the node. */
export interface ApiLimits {
  /** uploads and rescans one API key may have in flight at once */
  maxUploadsPerKey: number
  /** uploads and rescans the node takes at once, all keys together */
  maxUploadsPerNode: number
  /** how long an upload over a cap waits for a slot before 429 (0: refused at once) */
  uploadWaitMs: number
  /** uploads waiting for a slot at once, all keys together; more are refused at once */
  maxUploadsWaiting: number
  /** uploads one API key may have waiting */
  maxUploadsWaitingPerKey: number
  /** the whole request (headers and body) must arrive within this (Node's requestTimeout) */
  requestTimeoutMs: number
  /** a socket with no traffic either way for this long is closed (Node's server.timeout) */
  connectionTimeoutMs: number
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number
  /** a request whose body stops arriving for this long is cut (body-idle-timeout.ts) */
  bodyIdleTimeoutMs: number
}

export const API_LIMIT_DEFAULTS = {
  maxUploadsPerKey: 4,
  maxUploadsPerNode: 16,
  // a waiting upload holds its socket and at most a stream buffer of body (about 64 KiB with the kernel's)
  uploadWaitMs: 30_000,
  maxUploadsWaiting: 256,
  maxUploadsWaitingPerKey: 64,
  // a 650 MB sample at about 1 MB/s
  requestTimeoutMs: 15 * 60_000,
  // above the longest quiet spell of a healthy upload: sealing and fsyncing a large sample after its last byte
  connectionTimeoutMs: 5 * 60_000,
  keepAliveTimeoutMs: 5000,
  bodyIdleTimeoutMs: 30_000
} as const satisfies ApiLimits

/** The least value a limit takes: an upload wait of 0 refuses over the caps at once, every other limit is at least 1. */
export function limitMinimum (name: string): number {
  return name === 'uploadWaitMs' ? 0 : 1
}

/** What is wrong with the API limits of a config object whose defaults are filled in; undefined: nothing. */
export function checkApiLimits (cfg: Record<string, unknown>): string | undefined {
  // zero would refuse every upload or, for a timeout, turn it off
  for (const key of Object.keys(API_LIMIT_DEFAULTS)) {
    const least = limitMinimum(key)
    if (!Number.isSafeInteger(cfg[key]) || (cfg[key] as number) < least) return `${key} must be an integer of at least ${least}`
  }
  return undefined
}

/** The API limits out of a config that carries them (the supernode's). */
export function apiLimitsOf (config: ApiLimits): ApiLimits {
  return Object.fromEntries(Object.keys(API_LIMIT_DEFAULTS).map((key) => [key, config[key as keyof ApiLimits]])) as unknown as ApiLimits
}
