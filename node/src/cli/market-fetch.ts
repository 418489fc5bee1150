// What `virusmap buy` asks of nodes it does not trust (SPEC 18): each node's own delivery of an order,
// and the sample's encrypted blocks, each checked against its CID before use, so a lying node can only
// withhold, never make the buyer blame an honest member's wrap.
import { CID } from 'multiformats/cid'
import { CHUNK_SIZE, MAX_MANIFEST_BYTES, SHA2_256, sha256Cid } from '../crypto/manifest.ts'
import type { GetBlock } from '../crypto/convergent.ts'
import { TAG_BYTES } from '../crypto/convergent.ts'
import { parseDelivery } from '../market/buyer-check.ts'
import type { OfferedDelivery } from '../market/buyer-check.ts'
import { MarketError } from '../market/market-error.ts'
import { fetchApiData } from './api-data.ts'
import { CliError } from './cli-error.ts'
import type { CommandContext } from './command.ts'
import type { ApiTarget } from './target.ts'

/** The largest block a sample has: its manifest, or a full chunk with its tag. */
const MAX_BLOCK_BYTES = Math.max(MAX_MANIFEST_BYTES, CHUNK_SIZE + TAG_BYTES)

export type NodeAnswer =
  | { state: 'delivered', delivery: OfferedDelivery }
  /** 404: not delivered (yet), or this node will not deliver */
  | { state: 'pending' }
  /** unreachable, an error status, or an answer that is no delivery */
  | { state: 'failed', reason: string }

/** One node's delivery of `orderId`; never throws for what the node does (only when `ctx.signal` aborts). */
export async function askDelivery (target: ApiTarget, orderId: bigint, ctx: CommandContext): Promise<NodeAnswer> {
  try {
    const data = await fetchApiData(target, `/api/virusmap/market/orders/${orderId}/delivery`, ctx)
    return { state: 'delivered', delivery: parseDelivery({ data }) }
  } catch (err) {
    ctx.signal.throwIfAborted()
    if (err instanceof CliError && err.code === 'NOT_FOUND') return { state: 'pending' }
    if (err instanceof CliError || err instanceof MarketError) return { state: 'failed', reason: err.message }
    throw err
  }
}

/**
 * One round over the nodes: each that has not delivered yet is asked for its delivery of `orderId`; a
 * delivery goes to `got`, a failure's reason to `failed` (a later answer clears it).
 */
export async function askUndelivered (targets: readonly ApiTarget[], orderId: bigint, got: Map<string, OfferedDelivery>, failed: Map<string, string>, ctx: CommandContext): Promise<void> {
  for (const target of targets) {
    if (got.has(target.api)) continue
    const answer = await askDelivery(target, orderId, ctx)
    if (answer.state === 'delivered') got.set(target.api, answer.delivery)
    if (answer.state === 'failed') failed.set(target.api, answer.reason)
    else failed.delete(target.api)
  }
}

async function blockFrom (target: ApiTarget, cid: CID, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const url = new URL(`/api/virusmap/blocks/${cid.toString()}`, target.api)
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(target.timeoutMs)]), headers: target.apiKey === undefined ? {} : { 'x-apikey': target.apiKey } })
    if (res.status !== 200 || Number(res.headers.get('content-length') ?? 0) > MAX_BLOCK_BYTES) {
      await res.body?.cancel()
      return undefined
    }
    const bytes = new Uint8Array(await res.arrayBuffer())
    return bytes.byteLength <= MAX_BLOCK_BYTES ? bytes : undefined
  } catch {
    signal.throwIfAborted()
    return undefined
  }
}

/**
 * A GetBlock over the nodes' /api/virusmap/blocks route: the first node whose bytes hash to the CID
 * (sha2-256 only) serves the block; none does: CliError NETWORK.
 */
export function blocksFrom (targets: readonly ApiTarget[], ctx: CommandContext): GetBlock {
  return async (cid, options = {}) => {
    if (cid.multihash.code !== SHA2_256) throw new CliError('NETWORK', `block ${cid.toString()} is not addressed by sha2-256`)
    const signal = options.signal === undefined ? ctx.signal : AbortSignal.any([ctx.signal, options.signal])
    for (const target of targets) {
      const bytes = await blockFrom(target, cid, signal)
      if (bytes !== undefined && sha256Cid(cid.code, bytes).equals(cid)) return bytes
    }
    throw new CliError('NETWORK', `no node served block ${cid.toString()} with bytes that match it`)
  }
}

/** The sample's CIDs the deliveries name, distinct and parseable (a node may name any). */
export function offeredCids (offered: readonly OfferedDelivery[]): CID[] {
  const seen = new Map<string, CID>()
  for (const d of offered) {
    if (seen.has(d.cid)) continue
    try {
      seen.set(d.cid, CID.parse(d.cid))
    } catch {
      // a CID that does not parse names no sample
    }
  }
  return [...seen.values()]
}
