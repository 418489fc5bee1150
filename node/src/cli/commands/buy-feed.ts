// `virusmap buy --feed EPOCH`: a vendor buys an epoch's metadata and intelligence feed (SPEC 18, feeds)
// without trusting one node. A fresh X25519 key pair for the order; wait until f+1 members signed
// deliveries of one feed digest, check their wraps and decrypt the feed to that digest (feed-purchase.ts),
// hold it to the feed's form, write its JSON lines and pay the members whose wraps passed, unless the
// members paid themselves first. A bad wrap is printed with the material that proves it.
import { existsSync } from 'node:fs'
import { link, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { bytesToHex } from '@noble/hashes/utils.js'
import { formatEther } from 'ethers'
import type { Wallet } from 'ethers'
import { FEED_PRODUCT, feedSubject } from '#protocol/feed/index.ts'
import { generateX25519KeyPair } from '#protocol/key-wrap.ts'
import type { Hex } from '#protocol/messages.ts'
import { oneHonestThreshold } from '#protocol/quorum.ts'
import { createRegistryView } from '../../light-client/registry-view.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { CommandContext, OptionValue } from '../command.ts'
import { collectFeed } from '../feed-purchase.ts'
import { badWrapProofs } from '../purchase.ts'
import type { CheckedSample } from '../purchase.ts'
import { sampleCapAt } from '../sample-cap.ts'
import { terminalJson } from '../terminal-text.ts'
import { fulfilOrPaid, withScratch } from './buy-receive.ts'
import { badInput, loadSigner, str } from './gov-context.ts'
import { marketTargets, vmtArg, withMarket } from './market-context.ts'
import type { MarketContext } from './market-context.ts'
import { ORDER_KEY_SUFFIX, writeOrderKey } from './order-key.ts'
import { checkPurchase, placeOrder } from './place-order.ts'
import type { ApiTarget } from '../target.ts'

const POLL_MS = 1000
const REQUEST_TIMEOUT_MS = 15_000

/** An epoch number as typed: decimal digits, a safe integer. */
export function epochArg (text: string | undefined): number {
  if (text === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) throw badInput('--feed takes an EPOCH number (decimal)')
  return Number(text)
}


export async function buyFeed (values: Record<string, OptionValue>, timeoutMs: number, ctx: CommandContext): Promise<number> {
  const epoch = epochArg(str(values.feed))
  const maxText = str(values['max-price'])
  const maxPrice = maxText === undefined ? undefined : vmtArg(maxText, '--max-price')
  const out = resolve(ctx.cwd, str(values.out) ?? `feed-${epoch}.jsonl`)
  const keyFile = `${out}${ORDER_KEY_SUFFIX}`
  // before any VMT moves: nothing bought may be lost to a file in the way
  for (const f of [out, keyFile]) if (existsSync(f)) throw badInput(`${f} exists: pass another --out FILE`)
  const json = values.json === true
  return await withMarket(values, ctx, async (m) => {
    const targets = await marketTargets(values, ctx, m.deployment.file, REQUEST_TIMEOUT_MS)
    const wallet = await loadSigner(values, ctx, m.provider)
    const price = await checkPurchase(m, wallet, FEED_PRODUCT, 'feed', maxPrice)
    const key = generateX25519KeyPair()
    const buyerPublicKey = `0x${bytesToHex(key.publicKey)}` as Hex
    // a feed's key file names the order's subject (the epoch) where a sample's names its sha256
    const keyRecord = { chainId: m.deployment.chainId, market: m.market, sha256: feedSubject(epoch), buyerPublicKey, buyerSecretKey: `0x${bytesToHex(key.secretKey)}` as Hex }
    await writeOrderKey(keyFile, keyRecord, { create: true })
    const placed = await placeOrder(m, wallet, { product: FEED_PRODUCT, subject: feedSubject(epoch), buyerPublicKey, price, maxPrice: maxPrice ?? price })
    const { orderId, deadline } = placed
    await writeOrderKey(keyFile, { ...keyRecord, orderId, block: placed.block, deadline }, { create: false })
    if (!json) ctx.stderr.write(`ordered the feed of epoch ${epoch} as order ${orderId} at block ${placed.block} for ${formatEther(price)} VMT (deliverable until block ${deadline}); asking ${targets.length} node(s)\n`)

    return await receiveFeed(m, { orderId, epoch, price, block: placed.block, deadline, buyerPublicKey, buyerSecretKey: key.secretKey }, { targets, out, keyFile, timeoutMs, json, payer: wallet }, ctx)
  })
}

/** A placed feed order and the key it names. */
export interface PlacedFeedOrder {
  orderId: bigint
  epoch: number
  price: bigint
  block: number
  deadline: number
  buyerPublicKey: Hex
  buyerSecretKey: Uint8Array
}

export interface FeedReceiveOptions {
  targets: ApiTarget[]
  out: string
  keyFile: string
  timeoutMs: number
  json: boolean
  /** who sends fulfil; none when the order is no longer open */
  payer?: Wallet
}

/** The second half of `buy --feed`, shared with `buy --resume` of a feed order's key file. */
export async function receiveFeed (m: MarketContext, o: PlacedFeedOrder, r: FeedReceiveOptions, ctx: CommandContext): Promise<number> {
  return await withScratch(r.out, async (scratchDir) => await receiveFeedInto(scratchDir, m, o, r, ctx))
}

async function receiveFeedInto (scratchDir: string, m: MarketContext, o: PlacedFeedOrder, r: FeedReceiveOptions, ctx: CommandContext): Promise<number> {
  const { orderId, epoch, deadline, price, buyerPublicKey } = o
  const { json, targets, out } = r
  // membership at the order's block is readable once that block is past
  while (await m.provider.getBlockNumber() <= o.block) await sleep(250, undefined, { signal: ctx.signal })
  const view = createRegistryView(m.provider, m.deployment.contracts.registry, m.deployment.contracts.parameters)
  const members = new Set(await view.membersAt(o.block))
  const needed = oneHonestThreshold(members.size, await view.faultDivisorAt(o.block))
  const order = { chainId: m.deployment.chainId, registry: m.deployment.contracts.registry, market: m.market, orderId, epoch, buyerPublicKey, buyerSecretKey: o.buyerSecretKey, isMember: (a: Hex) => members.has(a) }
  const maxSize = await sampleCapAt(m.provider, m.deployment.contracts.parameters, o.block)
  const got = await collectFeed({ targets, order, needed, until: Date.now() + r.timeoutMs, pollMs: POLL_MS, maxSize, scratchDir }, ctx)
  const later = `the order key stays in ${r.keyFile} (virusmap buy --resume ${r.keyFile}); after block ${deadline}: virusmap buy --refund ${orderId}`
  if (got.digest === undefined) {
    if (json) ctx.stdout.write(`${terminalJson({ orderId: orderId.toString(), epoch, needed, offered: got.offered.length, unanswered: got.failed }, 2)}\n`)
    throw new CliError('NETWORK', `order ${orderId}: no feed digest signed by ${needed} members by the timeout (the epoch may not be anchored yet); ${later}`)
  }
  const proofs = badWrapProofs(got.got.judged, { ...order, sha256: got.digest }, got.got.inconclusive)
  for (const p of proofs) if (!json) ctx.stderr.write(`bad wrap from member ${p.member} (${p.fault}); proof (judgeOrderWrap's inputs, the order key revealed):\n${terminalJson(p, 2)}\n`)
  const report = {
    orderId: orderId.toString(), epoch, sha256: got.digest, price: price.toString(), block: o.block, deadline, needed,
    deliveries: got.got.judged.map((j) => ({ member: j.delivery.member, ok: j.ok, ...(j.ok ? {} : { fault: j.fault }) })),
    unanswered: got.got.failed,
    ...(proofs.length === 0 ? {} : { badWraps: proofs })
  }
  if (got.lines === undefined) {
    if (json) ctx.stdout.write(`${terminalJson(report, 2)}\n`)
    const why = got.feedError === undefined ? 'none decrypted the feed to it' : `the feed is not the feed's form (${got.feedError.code}: ${got.feedError.message})`
    throw new CliError(proofs.length > 0 || got.feedError !== undefined ? 'VERIFICATION_FAILED' : 'NETWORK', `order ${orderId}: ${needed} members signed feed ${got.digest}, but ${why}; ${later}`)
  }
  const feed = got.got.sample as CheckedSample
  await link(feed.file, out)
  const { payer } = r
  const fulfilled = got.got.pay === undefined || payer === undefined ? undefined : await fulfilOrPaid(m, payer, o, got.got.pay, ctx)
  // the key opens this order alone; it is kept only as the proof of a bad wrap
  if (proofs.length === 0) await rm(r.keyFile, { force: true })
  const done = { ...report, out, lines: got.lines.length, bytes: feed.bytes, ...(fulfilled === undefined ? {} : { fulfilled }) }
  if (json) {
    ctx.stdout.write(`${terminalJson(done, 2)}\n`)
  } else {
    const paid = payer === undefined ? 'no longer open (nothing to pay)' : fulfilled === undefined ? `not fulfilled: too few deliveries passed by the timeout (anyone may still fulfil it until block ${deadline})`
      : 'error' in fulfilled ? `fulfil failed: ${fulfilled.error}` : `paid ${fulfilled.members} members (tx ${fulfilled.tx}${fulfilled.by === 'members' ? ', sent by a member' : ''})`
    ctx.stdout.write(`${out}: ${got.lines.length} lines of epoch ${epoch}, sha256 ${got.digest} signed by ${needed}+ members and checked; order ${orderId} ${paid}\n`)
  }
  return EXIT_CODES.ok
}
