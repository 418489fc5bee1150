// The second half of `virusmap buy` (SPEC 18), shared by a fresh order and `buy --resume`: wait for f+1
// members' checked deliveries of a placed order, write the sha256-checked sample, fulfil the order with
// the wraps that passed (while it is open), and print each member's bad wrap with its proof. The sample is
// decrypted chunk by chunk into a private scratch directory beside the out file (never whole in memory), capped
// at the network's maxSampleBytes at the order's block, and linked to the out file once its sha256 matched.
import { link, mkdtemp, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract } from 'ethers'
import type { ContractTransactionResponse, Wallet } from 'ethers'
import { sendTx } from '#governance/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { oneHonestThreshold } from '#protocol/quorum.ts'
import { createRegistryView } from '../../light-client/registry-view.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { CommandContext } from '../command.ts'
import { badWrapProofs, collectDeliveries } from '../purchase.ts'
import { sampleCapAt } from '../sample-cap.ts'
import type { ApiTarget } from '../target.ts'
import { terminalJson } from '../terminal-text.ts'
import type { MarketContext } from './market-context.ts'

const POLL_MS = 1000
const SETTLE_POLL_MS = 250

/** An order on chain and the key it names. */
export interface PlacedOrder {
  orderId: bigint
  sha256: Hex
  price: bigint
  block: number
  deadline: number
  buyerPublicKey: Hex
  buyerSecretKey: Uint8Array
}

export interface ReceiveOptions {
  targets: ApiTarget[]
  out: string
  keyFile: string
  timeoutMs: number
  json: boolean
  /** who sends fulfil; none when the order is no longer open */
  payer?: Wallet
}

/** a fulfil of the order: who sent it (this buyer, or a member in its turn), and how many members it paid */
export interface Paid { tx: string, block: number, members: number, by: 'buyer' | 'members' }

/** the Fulfilled event of an order the members paid themselves (SPEC 18), if they did */
export async function paidByMembers (m: MarketContext, o: Pick<PlacedOrder, 'orderId' | 'block'>): Promise<Paid | undefined> {
  const filter = m.contract.filters.Fulfilled?.(o.orderId)
  const [event] = filter === undefined ? [] : await m.contract.queryFilter(filter, o.block)
  if (event === undefined || !('args' in event)) return undefined
  return { tx: event.transactionHash, block: event.blockNumber, members: (event.args.getValue('members') as unknown[]).length, by: 'members' }
}

/** blocks a failed fulfil waits for the members' own Fulfilled event to show */
const FULFIL_SETTLE_BLOCKS = 2

/**
 * Fulfils the order with the wraps that passed, unless the members paid themselves (they fulfil in turns,
 * often before the buyer). A member's fulfil may still be pending when the buyer's is estimated: the buyer's
 * then fails as already fulfilled while the Fulfilled event is a block away, so after a failure the event
 * is looked for until the chain is FULFIL_SETTLE_BLOCKS further; only then is the failure the answer.
 */
export async function fulfilOrPaid (m: MarketContext, payer: Wallet, o: Pick<PlacedOrder, 'orderId' | 'block'>, pay: { wrapHashes: Hex[], signatures: Hex[] }, ctx: CommandContext): Promise<Paid | { error: string }> {
  const paid = await paidByMembers(m, o)
  if (paid !== undefined) return paid
  try {
    const t = await sendTx('fulfil', async () => await (m.contract.connect(payer) as Contract).getFunction('fulfil')(o.orderId, pay.wrapHashes, pay.signatures) as ContractTransactionResponse)
    return { tx: t.hash, block: t.blockNumber, members: pay.signatures.length, by: 'buyer' }
  } catch (err) {
    const until = await m.provider.getBlockNumber() + FULFIL_SETTLE_BLOCKS
    for (;;) {
      const byMembers = await paidByMembers(m, o)
      if (byMembers !== undefined) return byMembers
      if (await m.provider.getBlockNumber() >= until) return { error: (err as Error).message.split('\n')[0] ?? 'failed' }
      await sleep(SETTLE_POLL_MS, undefined, { signal: ctx.signal })
    }
  }
}

/** the order's private scratch directory beside the out file (link needs one filesystem), removed whatever happens */
export async function withScratch<T> (out: string, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(dirname(out), '.virusmap-buy-'))
  try {
    return await run(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function receive (m: MarketContext, o: PlacedOrder, r: ReceiveOptions, ctx: CommandContext): Promise<number> {
  return await withScratch(r.out, async (scratchDir) => await receiveInto(scratchDir, m, o, r, ctx))
}

async function receiveInto (scratchDir: string, m: MarketContext, o: PlacedOrder, r: ReceiveOptions, ctx: CommandContext): Promise<number> {
  const { orderId, sha256, deadline } = o
  // membership at the order's block is readable once that block is past
  while (await m.provider.getBlockNumber() <= o.block) await sleep(250, undefined, { signal: ctx.signal })
  const view = createRegistryView(m.provider, m.deployment.contracts.registry, m.deployment.contracts.parameters)
  const members = new Set(await view.membersAt(o.block))
  const needed = oneHonestThreshold(members.size, await view.faultDivisorAt(o.block))
  const order = { chainId: m.deployment.chainId, registry: m.deployment.contracts.registry, market: m.market, orderId, sha256, buyerPublicKey: o.buyerPublicKey, buyerSecretKey: o.buyerSecretKey, isMember: (a: Hex) => members.has(a) }
  const maxSize = await sampleCapAt(m.provider, m.deployment.contracts.parameters, o.block)
  const got = await collectDeliveries({ targets: r.targets, order, needed, until: Date.now() + r.timeoutMs, pollMs: POLL_MS, maxSize, scratchDir }, ctx)
  const proofs = badWrapProofs(got.judged, order, got.inconclusive)
  const passed = got.judged.filter((j) => j.ok).length
  const report = {
    orderId: orderId.toString(), sha256, price: o.price.toString(), block: o.block, deadline, needed,
    deliveries: got.judged.map((j) => ({ member: j.delivery.member, ok: j.ok, ...(j.ok ? {} : { fault: j.fault }) })),
    unanswered: got.failed,
    ...(proofs.length === 0 ? {} : { badWraps: proofs })
  }
  for (const p of proofs) if (!r.json) ctx.stderr.write(`bad wrap from member ${p.member} (${p.fault}); proof (judgeOrderWrap's inputs, the order key revealed):\n${terminalJson(p, 2)}\n`)
  if (got.sample === undefined) {
    if (r.json) ctx.stdout.write(`${terminalJson({ ...report, keyFile: r.keyFile }, 2)}\n`)
    const why = `order ${orderId}: ${passed} checked deliveries of ${needed} needed, none decrypted the sample; the order key stays in ${r.keyFile} (virusmap buy --resume ${r.keyFile}); after block ${deadline}: virusmap buy --refund ${orderId}`
    throw new CliError(proofs.length > 0 ? 'VERIFICATION_FAILED' : 'NETWORK', why)
  }
  // fails if the out file appeared meanwhile, as a 'wx' write would
  await link(got.sample.file, r.out)
  let fulfilled: Paid | { error: string } | undefined
  const { payer } = r
  if (got.pay !== undefined && payer !== undefined) {
    // the members fulfil what f+1 of them delivered, in turns: often before the buyer does
    fulfilled = await fulfilOrPaid(m, payer, o, got.pay, ctx)
  }
  // the key opens this order alone; it is kept only as the proof of a bad wrap
  if (proofs.length === 0) await rm(r.keyFile, { force: true })
  const done = { ...report, out: r.out, bytes: got.sample.bytes, ...(fulfilled === undefined ? {} : { fulfilled }), ...(proofs.length === 0 ? {} : { keyFile: r.keyFile }) }
  if (r.json) {
    ctx.stdout.write(`${terminalJson(done, 2)}\n`)
  } else {
    const paid = payer === undefined ? 'no longer open (nothing to pay)'
      : fulfilled === undefined ? `not fulfilled: ${passed} of ${needed} deliveries passed by the timeout (anyone may still fulfil it until block ${deadline})`
        : 'error' in fulfilled ? `fulfil failed: ${fulfilled.error}` : `paid ${fulfilled.members} members (tx ${fulfilled.tx}${fulfilled.by === 'members' ? ', sent by a member' : ''})`
    ctx.stdout.write(`${r.out}: ${got.sample.bytes} bytes, sha256 ${sha256} checked; order ${orderId} ${paid}\n`)
  }
  return EXIT_CODES.ok
}
