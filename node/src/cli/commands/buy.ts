// `virusmap buy SHA256`: a vendor buys a sample on the DataMarket without trusting one node (SPEC 18).
// A fresh X25519 key pair per order (kept in OUT.order-key.json until the sample is out); approve VMT,
// order; wait for f+1 members' deliveries, each checked (signature, membership, wrap, decryption to the
// sha256); write the sample; fulfil the order with the checked wraps. A bad wrap is printed with the
// material that proves it (judgeOrderWrap's inputs). `buy --refund ORDER` takes a lapsed order's escrow back.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { Contract, formatEther } from 'ethers'
import type { ContractTransactionResponse } from 'ethers'
import { sendTx } from '#governance/index.ts'
import { FEED_PRODUCT, feedEpochOf } from '#protocol/feed/index.ts'
import { generateX25519KeyPair } from '#protocol/key-wrap.ts'
import type { Hex } from '#protocol/messages.ts'
import { SAMPLE_PRODUCT } from '../../market/delivery.ts'
import { createMarketChain } from '../../market/market-chain.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { terminalJson } from '../terminal-text.ts'
import { buyFeed, receiveFeed } from './buy-feed.ts'
import { receive } from './buy-receive.ts'
import { badInput, loadSigner, oneLine, str } from './gov-context.ts'
import { MARKET_OPTIONS, ORDER_STATUS, marketTargets, orderIdArg, sha256Arg, vmtArg, withMarket } from './market-context.ts'
import { ORDER_KEY_SUFFIX, readOrderKey, writeOrderKey } from './order-key.ts'
import { checkPurchase, placeOrder } from './place-order.ts'

const USAGE = `virusmap buy SHA256 --keystore FILE [--max-price VMT] [--out FILE] [--api URL]... [--apikey KEY] [--timeout S] [--deployment FILE] [--rpc URL] [--chain-id N] [--json]
       virusmap buy --resume OUT.order-key.json --keystore FILE [--out FILE] [--api URL]... [--timeout S] [--deployment FILE] [--json]
       virusmap buy --feed EPOCH --keystore FILE [--max-price VMT] [--out FILE] [--api URL]... [--timeout S] [--deployment FILE] [--json]
       virusmap buy --refund ORDER --keystore FILE [--deployment FILE] [--rpc URL] [--chain-id N] [--json]
  buy: orders the sample (an approved vendor's VMT, at most --max-price), waits for f+1 members' checked deliveries
       (asking every --api node, else every node the deployment lists), writes the sha256-checked sample to --out
       (default: SHA256 in the working directory) and pays the members that delivered
  --feed: buys the epoch's metadata and intelligence feed (JSON lines of its new flagged samples and indicators):
       waits until f+1 members signed deliveries of one feed digest, writes the checked lines to --out
       (default: feed-EPOCH.jsonl) and pays the members that delivered
  --resume: waits again for the deliveries of an order a first run placed (its key file, kept until the sample or feed is out)
  --refund: an order not fulfilled by its deadline block gives its escrow back to its buyer`

const DEFAULT_TIMEOUT_S = 120
const REQUEST_TIMEOUT_MS = 15_000

function timeoutOption (value: OptionValue): number {
  const text = str(value)
  if (text === undefined) return DEFAULT_TIMEOUT_S * 1000
  const s = Number(text)
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || s <= 0 || s > 86_400) throw badInput('--timeout must be a number of seconds from 0 to 86400')
  return Math.round(s * 1000)
}

async function refund (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const orderId = orderIdArg(str(values.refund))
  return await withMarket(values, ctx, async (m) => {
    const [buyer, , deadline, status, price] = await m.contract.getFunction('orderOf')(orderId) as [string, bigint, bigint, bigint, bigint]
    if (status === 0n) throw new CliError('NOT_FOUND', `no order ${orderId} on the market ${m.market}`)
    if (status !== 1n) throw badInput(`order ${orderId} is ${ORDER_STATUS[Number(status)]}: nothing to refund`)
    const head = await m.provider.getBlockNumber()
    if (head <= Number(deadline)) throw badInput(`order ${orderId} may still be fulfilled until block ${deadline} (now ${head}): a refund from block ${deadline + 1n}`)
    const signer = await loadSigner(values, ctx, m.provider)
    const { hash, blockNumber } = await sendTx('refund', async () => await (m.contract.connect(signer) as Contract).getFunction('refund')(orderId) as ContractTransactionResponse)
    const out = { orderId: orderId.toString(), buyer: buyer.toLowerCase(), price: price.toString(), tx: hash, block: blockNumber }
    ctx.stdout.write(values.json === true ? `${terminalJson(out, 2)}\n` : `refunded order ${orderId}: ${formatEther(price)} VMT back to ${out.buyer} at block ${blockNumber} (tx ${hash})\n`)
    return EXIT_CODES.ok
  })
}

async function buy (values: Record<string, OptionValue>, shaText: string | undefined, ctx: CommandContext): Promise<number> {
  const sha256 = sha256Arg(shaText)
  const maxText = str(values['max-price'])
  const maxPrice = maxText === undefined ? undefined : vmtArg(maxText, '--max-price')
  const timeoutMs = timeoutOption(values.timeout)
  const out = resolve(ctx.cwd, str(values.out) ?? sha256.slice(2))
  const keyFile = `${out}${ORDER_KEY_SUFFIX}`
  // before any VMT moves: nothing bought may be lost to a file in the way
  for (const f of [out, keyFile]) if (existsSync(f)) throw badInput(`${f} exists: pass another --out FILE`)
  return await withMarket(values, ctx, async (m) => {
    const targets = await marketTargets(values, ctx, m.deployment.file, REQUEST_TIMEOUT_MS)
    const wallet = await loadSigner(values, ctx, m.provider)
    const price = await checkPurchase(m, wallet, SAMPLE_PRODUCT, 'sample', maxPrice)

    const key = generateX25519KeyPair()
    const buyerPublicKey = `0x${bytesToHex(key.publicKey)}` as Hex
    const keyRecord = { chainId: m.deployment.chainId, market: m.market, sha256, buyerPublicKey, buyerSecretKey: `0x${bytesToHex(key.secretKey)}` as Hex }
    await writeOrderKey(keyFile, keyRecord, { create: true })
    const placed = await placeOrder(m, wallet, { product: SAMPLE_PRODUCT, subject: sha256, buyerPublicKey, price, maxPrice: maxPrice ?? price })
    const { orderId, deadline } = placed
    await writeOrderKey(keyFile, { ...keyRecord, orderId, block: placed.block, deadline }, { create: false })
    if (values.json !== true) ctx.stderr.write(`ordered ${sha256} as order ${orderId} at block ${placed.block} for ${formatEther(price)} VMT (deliverable until block ${deadline}); asking ${targets.length} node(s)\n`)

    return await receive(m, { orderId, sha256, price, block: placed.block, deadline, buyerPublicKey, buyerSecretKey: key.secretKey },
      { targets, out, keyFile, timeoutMs, json: values.json === true, payer: wallet }, ctx)
  })
}

/** `buy --resume KEYFILE`: the order the key file names, held to the chain's Ordered event, received again. */
async function resume (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const keyFile = resolve(ctx.cwd, str(values.resume) ?? '')
  const k = await readOrderKey(keyFile)
  const out = resolve(ctx.cwd, str(values.out) ?? (keyFile.endsWith(ORDER_KEY_SUFFIX) ? keyFile.slice(0, -ORDER_KEY_SUFFIX.length) : `${keyFile}.sample`))
  if (existsSync(out)) throw badInput(`${out} exists: pass another --out FILE`)
  const timeoutMs = timeoutOption(values.timeout)
  return await withMarket(values, ctx, async (m) => {
    if (k.chainId !== m.deployment.chainId || k.market !== m.market) throw badInput(`${keyFile} is for the market ${k.market} on chain ${k.chainId}, not this deployment's ${m.market} on chain ${m.deployment.chainId}`)
    const event = (await createMarketChain({ provider: m.provider, address: m.market }).ordered(k.block, k.block, { signal: ctx.signal })).find((e) => e.orderId === k.orderId)
    if (event === undefined) throw new CliError('NOT_FOUND', `no order ${k.orderId} at block ${k.block} on the market ${m.market}`)
    if (event.buyerX25519Key !== k.buyerPublicKey || event.subject !== k.sha256 || (event.product !== SAMPLE_PRODUCT && event.product !== FEED_PRODUCT)) throw badInput(`order ${k.orderId} on chain is not the one ${keyFile} was made for (another key, sample or product)`)
    const status = (await m.contract.getFunction('orderOf')(k.orderId) as [string, bigint, bigint, bigint, bigint])[3]
    if (status === 3n) throw badInput(`order ${k.orderId} was refunded: its deliveries may no longer be served`)
    const targets = await marketTargets(values, ctx, m.deployment.file, REQUEST_TIMEOUT_MS)
    const payer = status === 1n ? await loadSigner(values, ctx, m.provider) : undefined
    if (event.product === FEED_PRODUCT) {
      // a feed's key file names the order's subject, its epoch
      return await receiveFeed(m, { orderId: k.orderId, epoch: feedEpochOf(event.subject), price: event.price, block: event.block, deadline: event.deadline, buyerPublicKey: k.buyerPublicKey, buyerSecretKey: hexToBytes(k.buyerSecretKey.slice(2)) },
        { targets, out, keyFile, timeoutMs, json: values.json === true, ...(payer === undefined ? {} : { payer }) }, ctx)
    }
    return await receive(m, { orderId: k.orderId, sha256: k.sha256, price: event.price, block: event.block, deadline: event.deadline, buyerPublicKey: k.buyerPublicKey, buyerSecretKey: hexToBytes(k.buyerSecretKey.slice(2)) },
      { targets, out, keyFile, timeoutMs, json: values.json === true, ...(payer === undefined ? {} : { payer }) }, ctx)
  })
}

export const buyCommand: Command = {
  name: 'buy',
  summary: 'buy a sample (checked against its sha256) or an epoch feed (--feed) on the data market with VMT (an approved vendor); --refund a lapsed order',
  usage: USAGE,
  options: { ...MARKET_OPTIONS, keystore: { type: 'string' }, 'max-price': { type: 'string' }, out: { type: 'string' }, feed: { type: 'string' }, refund: { type: 'string' }, resume: { type: 'string' }, api: { type: 'string', multiple: true }, apikey: { type: 'string' }, timeout: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    if (positionals.length > 1) throw badInput('buy takes one SHA256')
    if (values.refund !== undefined && values.resume !== undefined) throw badInput('--refund or --resume, not both')
    if (values.feed !== undefined && (values.refund !== undefined || values.resume !== undefined)) throw badInput('--feed orders a feed: not with --refund or --resume')
    if (values.feed !== undefined) {
      if (positionals.length > 0) throw badInput('--feed takes an EPOCH, not a SHA256')
      return await buyFeed(values, timeoutOption(values.timeout), ctx)
    }
    if (values.refund !== undefined) {
      if (positionals.length > 0) throw badInput('--refund takes an ORDER id, not a SHA256')
      return await refund(values, ctx)
    }
    if (values.resume !== undefined) {
      if (positionals.length > 0) throw badInput('--resume takes the order\'s key file, not a SHA256')
      return await resume(values, ctx)
    }
    return await buy(values, positionals[0], ctx)
  })
}
