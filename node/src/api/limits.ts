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
  // a waiting upload holds its socket and what the kernel buffers of its unread body: the initial receive
  // buffer, 128 KiB on Linux, which does not grow while nothing reads it. So 512 waiting take at most 64 MiB.
  uploadWaitMs: 30_000,
  // A client sending a batch at once waits in line rather than backing off on a 429 (its pauses leave the
  // node idle: 200 uploads from one key at once ran 17 jobs/s with a line of 64 a key, 23 with room for all);
  // half the line, so one key's batch cannot refuse every other key's upload at once.
  maxUploadsWaiting: 512,
  maxUploadsWaitingPerKey: 256,
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
