// The buyer's wait for an epoch feed (SPEC 18, feeds): a feed has no sha256 the buyer knows beforehand, so
// it first finds the digest f+1 distinct members signed deliveries of (each signature recovered over its
// wrap's hash, its signer a member at the order's block: at most one digest can have an honest signer,
// and every honest member builds the same feed), then checks and decrypts those deliveries as a sample's
// with that sha256 (purchase.ts), and holds the bytes to the feed's form.
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { recoverDeliveredSigner } from '#protocol/delivered.ts'
import { FeedError, parseFeed } from '#protocol/feed/index.ts'
import type { FeedLine } from '#protocol/feed/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { orderWrapHash } from '#protocol/order-wrap.ts'
import type { OfferedDelivery, OrderToCheck } from '../market/buyer-check.ts'
import type { CommandContext } from './command.ts'
import { askUndelivered } from './market-fetch.ts'
import { collectDeliveries } from './purchase.ts'
import type { Collected } from './purchase.ts'
import type { ApiTarget } from './target.ts'

/** The order as the buyer checks it, before the feed's digest is known. */
export type FeedOrderToCheck = Omit<OrderToCheck, 'sha256'> & { epoch: number }

/**
 * The digest `needed` distinct members signed deliveries of, or undefined. A delivery counts for the member
 * its signature recovers to, once (a node naming another member, a bad signature or a wrap hash that is not
 * its wrap's counts for nobody).
 */
export function agreedDigest (offered: readonly OfferedDelivery[], o: FeedOrderToCheck, needed: number): Hex | undefined {
  const signers = new Map<Hex, Set<Hex>>()
  for (const d of offered) {
    if (d.market !== o.market.toLowerCase() || d.orderId !== o.orderId) continue
    try {
      if (orderWrapHash(d) !== d.wrapHash) continue
      const signer = recoverDeliveredSigner({ market: o.market, orderId: o.orderId, wrapHash: d.wrapHash }, d.signature, o.chainId, o.registry)
      if (signer !== d.member || !o.isMember(signer)) continue
      signers.set(d.sha256, (signers.get(d.sha256) ?? new Set()).add(signer))
    } catch {
      // counts for nobody
    }
  }
  return [...signers].find(([, by]) => by.size >= needed)?.[0]
}

export interface FeedCollectOptions {
  targets: readonly ApiTarget[]
  order: FeedOrderToCheck
  needed: number
  until: number
  pollMs: number
  /** as a sample's (purchase.ts): the feed is decrypted into `scratchDir`, at most `maxSize` bytes, then read to be parsed */
  maxSize: number
  scratchDir: string
}

export type FeedCollected =
  | { digest: Hex, got: Collected, lines?: FeedLine[], feedError?: { code: string, message: string } }
  /** no digest reached f+1 signers by the deadline */
  | { digest: undefined, offered: OfferedDelivery[], failed: Array<{ api: string, reason: string }> }

export async function collectFeed (o: FeedCollectOptions, ctx: CommandContext): Promise<FeedCollected> {
  const got = new Map<string, OfferedDelivery>()
  const failed = new Map<string, string>()
  let digest: Hex | undefined
  for (;;) {
    await askUndelivered(o.targets, o.order.orderId, got, failed, ctx)
    digest = agreedDigest([...got.values()], o.order, o.needed)
    if (digest !== undefined || Date.now() >= o.until) break
    await sleep(o.pollMs, undefined, { signal: ctx.signal })
  }
  if (digest === undefined) return { digest, offered: [...got.values()], failed: [...failed].map(([api, reason]) => ({ api, reason })) }
  const checked = await collectDeliveries({ targets: o.targets, order: { ...o.order, sha256: digest }, needed: o.needed, until: o.until, pollMs: o.pollMs, maxSize: o.maxSize, scratchDir: o.scratchDir }, ctx)
  if (checked.sample === undefined) return { digest, got: checked }
  try {
    return { digest, got: checked, lines: parseFeed(await readFile(checked.sample.file), o.order.epoch) }
  } catch (err) {
    if (!(err instanceof FeedError)) throw err
    return { digest, got: checked, feedError: { code: err.code, message: err.message } }
  }
}
