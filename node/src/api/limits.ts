/** What bounds the API's use of memory, slots and sockets; every one is a config option of the node. */
export interface ApiLimits {
  /** uploads and rescans one API key may have in flight at once */
  maxUploadsPerKey: number
  /** uploads and rescans the node takes at once, all keys together */
  maxUploadsPerNode: number
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
  // a 650 MB sample at about 1 MB/s
  requestTimeoutMs: 15 * 60_000,
  // above the longest quiet spell of a healthy upload: sealing and fsyncing a large sample after its last byte
  connectionTimeoutMs: 5 * 60_000,
  keepAliveTimeoutMs: 5000,
  bodyIdleTimeoutMs: 30_000
} as const satisfies ApiLimits
