// The buyer's wait for an order's deliveries (SPEC 18): asks every node for its own delivery until
// f+1 distinct members' wraps passed the buyer's check (market/buyer-check.ts) or time runs out, and
// decrypts the sample with a key that passed, its sha256 checked. A decryption that failed because no
// node served the ciphertext, or whose manifest declares more than the cap, is no member's fault: such a
// key is retried, and never reported as proof. The plaintext is never held whole: each chunk is fetched
// (a few ahead), checked against its CID, authenticated, hashed and written to a scratch file, so memory
// stays at a few chunks whatever the sample's size; only a file whose sha256 matched is handed back.
import { createHash } from 'node:crypto'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { CID } from 'multiformats/cid'
import type { Hex } from '#protocol/messages.ts'
import { unwrapOrderWrap } from '#protocol/order-wrap.ts'
import { openSample } from '../crypto/convergent.ts'
import type { GetBlock } from '../crypto/convergent.ts'
import { DecryptionFailedError, ManifestInvalidError, SampleTooLargeError } from '../crypto/errors.ts'
import { fulfilment, judgeDeliveries } from '../market/buyer-check.ts'
import type { Judged, OfferedDelivery, OrderToCheck } from '../market/buyer-check.ts'
import type { CommandContext } from './command.ts'
import { askUndelivered, blocksFrom, offeredCids } from './market-fetch.ts'
import type { ApiTarget } from './target.ts'

export interface CollectOptions {
  targets: readonly ApiTarget[]
  order: OrderToCheck
  /** f+1 at the order's block */
  needed: number
  /** when to stop waiting (ms since the epoch) */
  until: number
  pollMs: number
  /** the largest sample to decrypt (the network's maxSampleBytes at the order's block, sample-cap.ts) */
  maxSize: number
  /** an empty private directory for the decryptions (one file each, a failed one deleted at once), on the out file's filesystem; the caller moves the file returned out of it and removes it */
  scratchDir: string
}

/** the sample, decrypted with a wrap that passed and its sha256 checked, in a scratch file (mode 0600) */
export interface CheckedSample { file: string, bytes: number }

export interface Collected {
  judged: Judged[]
  sample?: CheckedSample
  /** fulfil's arguments, when f+1 members' wraps passed */
  pay?: { wrapHashes: Hex[], signatures: Hex[] }
  /** nodes whose last answer was no delivery, and why */
  failed: Array<{ api: string, reason: string }>
  /** content keys (hex) whose check could not fetch the ciphertext: their KEY_DOES_NOT_DECRYPT proves nothing */
  inconclusive: Set<string>
}

export async function collectDeliveries (o: CollectOptions, ctx: CommandContext): Promise<Collected> {
  const got = new Map<string, OfferedDelivery>()
  const failed = new Map<string, string>()
  const decrypted = new Map<string, CheckedSample>()
  let tries = 0
  // key/cid -> verdict, only for checks that fetched every block
  const checked = new Map<string, boolean>()
  const inconclusive = new Set<string>()
  const getBlock = blocksFrom(o.targets, ctx)

  async function decrypts (cids: CID[], key: Uint8Array): Promise<boolean> {
    const hex = bytesToHex(key)
    let unsure = false
    for (const cid of cids) {
      const memo = `${hex}/${cid.toString()}`
      if (checked.get(memo) === true) return true
      if (checked.has(memo)) continue
      let fetchedAll = true
      const fetching: typeof getBlock = async (c, options) => await getBlock(c, options).catch((err: unknown) => { fetchedAll = false; throw err })
      const file = join(o.scratchDir, String(tries++))
      let kept = false
      try {
        const bytes = await decryptTo(file, cid, key, fetching)
        checked.set(memo, bytes !== undefined)
        if (bytes !== undefined) {
          decrypted.set(hex, { file, bytes })
          inconclusive.delete(hex)
          kept = true
          return true
        }
      } catch (err) {
        ctx.signal.throwIfAborted()
        // a block no node served, or a sample over the cap (the buyer's limit): no member's fault
        if (!fetchedAll || err instanceof SampleTooLargeError) unsure = true
        else if (err instanceof DecryptionFailedError || err instanceof ManifestInvalidError) checked.set(memo, false)
        else throw err
      } finally {
        if (!kept) await rm(file, { force: true })
      }
    }
    if (unsure) inconclusive.add(hex)
    return false
  }

  /** the plaintext's byte count when it hashed to the order's sha256, else undefined; throws as the decryption does */
  async function decryptTo (file: string, cid: CID, key: Uint8Array, fetchBlock: GetBlock): Promise<number | undefined> {
    const opened = await openSample(cid, key, fetchBlock, { signal: ctx.signal, maxSize: o.maxSize })
    const hash = createHash('sha256')
    const out = await open(file, 'wx', 0o600)
    let bytes = 0
    try {
      for await (const chunk of opened.chunks) {
        hash.update(chunk)
        await out.write(chunk)
        bytes += chunk.byteLength
      }
    } finally {
      await out.close()
    }
    return `0x${hash.digest('hex')}` === o.order.sha256.toLowerCase() ? bytes : undefined
  }

  let judged: Judged[] = []
  let pay: Collected['pay']
  for (;;) {
    await askUndelivered(o.targets, o.order.orderId, got, failed, ctx)
    const offered = [...got.values()]
    const cids = offeredCids(offered)
    judged = await judgeDeliveries(offered, o.order, async (key) => await decrypts(cids, key))
    pay = fulfilment(judged, o.needed)
    if (pay !== undefined || got.size === o.targets.length || Date.now() >= o.until) break
    await sleep(o.pollMs, undefined, { signal: ctx.signal })
  }
  const passed = judged.find((j) => j.ok)
  const sample = passed?.ok === true ? decrypted.get(bytesToHex(passed.contentKey)) : undefined
  return {
    judged,
    ...(sample === undefined ? {} : { sample }),
    ...(pay === undefined ? {} : { pay }),
    failed: [...failed].map(([api, reason]) => ({ api, reason })),
    inconclusive
  }
}

/** The faults a member's own signature proves (its signed wrap, opened with the buyer's revealed key). */
const PROVABLE = new Set(['WRAP_MALFORMED', 'WRAP_DOES_NOT_OPEN', 'KEY_DOES_NOT_DECRYPT'])

export interface BadWrapProof {
  fault: string
  member: Hex
  /** judgeOrderWrap's inputs: the order's binding, the buyer's key pair, the member's signed wrap */
  chainId: number
  registry: Hex
  market: Hex
  orderId: string
  sha256: Hex
  cid: string
  buyerPublicKey: Hex
  buyerSecretKey: Hex
  ephemeralPublicKey: Hex
  wrappedKey: Hex
  wrapHash: Hex
  signature: Hex
}

/**
 * What proves each member's bad wrap to anyone: the buyer's per-order secret key (it serves this one
 * order), the order and the member's signed wrap; anyone re-runs judgeOrderWrap on them. A wrap whose
 * check could not fetch the ciphertext is left out: it proves nothing yet.
 */
export function badWrapProofs (judged: readonly Judged[], order: OrderToCheck, inconclusive: ReadonlySet<string>): BadWrapProof[] {
  return judged.flatMap((j) => {
    if (j.ok || !PROVABLE.has(j.fault)) return []
    const d = j.delivery
    if (j.fault === 'KEY_DOES_NOT_DECRYPT') {
      const key = bytesToHex(unwrapOrderWrap(d, order.buyerSecretKey, { chainId: order.chainId, market: order.market, orderId: order.orderId, sha256: order.sha256, member: d.member }))
      if (inconclusive.has(key)) return []
    }
    return [{
      fault: j.fault,
      member: d.member,
      chainId: order.chainId,
      registry: order.registry,
      market: order.market,
      orderId: order.orderId.toString(),
      sha256: order.sha256,
      cid: d.cid,
      buyerPublicKey: order.buyerPublicKey,
      buyerSecretKey: `0x${bytesToHex(order.buyerSecretKey)}`,
      ephemeralPublicKey: d.ephemeralPublicKey,
      wrappedKey: d.wrappedKey,
      wrapHash: d.wrapHash,
      signature: d.signature
    }]
  })
}
