// virusmap hunt add RULES.yar | list | matches [--follow] | retro RULES.yar (SPEC 19): a vendor seals its
// YARA rules to the members at the chain's head, pays a `hunt` order on the DataMarket and registers the
// sealed ruleset at every node it knows; matches are the members' signed notifications, counted here per
// rule and job: confirmed once f+1 distinct members at the job's block signed one.
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract, formatEther } from 'ethers'
import type { ContractTransactionResponse, Wallet } from 'ethers'
import { marketInterface, sendTx } from '#governance/index.ts'
import { vmtArtifact } from '#governance/artifacts.ts'
import { countHuntMatches, HUNT_PRODUCT, MAX_RULES_BYTES, sealRuleset } from '#protocol/hunt/index.ts'
import type { ConfirmedMatch, HuntRegistration, SignedHuntMatch } from '#protocol/hunt/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { fetchApiData } from '../api-data.ts'
import { followNode, huntNode, matchCounter, memberKeysAt, nodeMatches, nodeRetro, nodeRulesets } from '../hunt-client.ts'
import type { HuntNode } from '../hunt-client.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, loadSigner, oneLine, str } from './gov-context.ts'
import { MARKET_OPTIONS, marketTargets, vmtArg, withMarket } from './market-context.ts'
import type { MarketContext } from './market-context.ts'

const USAGE = `virusmap hunt add RULES.yar --keystore FILE [--max-price VMT] [--api URL]... [--apikey KEY] [--deployment FILE] [--rpc URL] [--json]
       virusmap hunt list --keystore FILE [--api URL]... [--json]
       virusmap hunt matches --keystore FILE [--follow] [--api URL]... [--json]
       virusmap hunt retro RULES.yar --keystore FILE [--max-price VMT] [--api URL]... [--json]
  add: seals the rules to the members, orders their hunt (an approved vendor's VMT) and registers them at every node
  matches: the members' signed notifications, a rule's match confirmed by f+1 members; --follow streams them
  retro: add, then runs the rules over the samples each node holds (bounded by the node)`
const REQUEST_TIMEOUT_MS = 30_000
/** how long a registration is retried while nodes have not confirmed the order yet */
const REGISTER_WAIT_MS = 60_000

type Chain = { chainId: number, registry: Hex, parameters?: Hex }

async function readRules (file: string | undefined, ctx: CommandContext): Promise<string> {
  if (file === undefined) throw badInput('RULES.yar: the file of YARA rules to hunt with')
  const path = resolve(ctx.cwd, file)
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile()) throw badInput(`cannot read ${terminalText(file).slice(0, 200)}: not a file`)
  if (info.size === 0 || info.size > MAX_RULES_BYTES) throw badInput(`${terminalText(file).slice(0, 200)} is ${info.size} bytes: a ruleset is 1..${MAX_RULES_BYTES}`)
  const bytes = await readFile(path)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw badInput(`${terminalText(file).slice(0, 200)} is not UTF-8 text`)
  }
}

async function nodes (values: Record<string, OptionValue>, ctx: CommandContext, m: MarketContext): Promise<HuntNode[]> {
  const targets = await marketTargets(values, ctx, m.deployment.file, REQUEST_TIMEOUT_MS)
  const found = await Promise.all(targets.map(async (t) => await huntNode(t, ctx).catch((err: unknown) => {
    ctx.stderr.write(`virusmap: skipping ${terminalText(t.api)}: ${terminalText((err as Error).message).slice(0, 200)}\n`)
    return undefined
  })))
  // the vendor's HuntAccess names the address a node claims: it signs only for members (SPEC 19 says what
  // a node claiming another member's address can still do with it)
  const members = new Set((await memberKeysAt(m.provider, m.deployment.contracts.registry, await m.provider.getBlockNumber() - 1)).map((k) => k.member))
  const out = found.filter((n) => n !== undefined).filter((n) => {
    if (members.has(n.self)) return true
    ctx.stderr.write(`virusmap: skipping ${terminalText(n.target.api)}: it runs as ${n.self}, not a member\n`)
    return false
  })
  if (out.length === 0) throw new CliError('NETWORK', 'no member node answered')
  return out
}

/** Seals, pays and registers; the registration and each node's answer. */
async function add (rules: string, values: Record<string, OptionValue>, ctx: CommandContext, m: MarketContext, wallet: Wallet, hunters: HuntNode[]): Promise<{ registration: HuntRegistration, deadline: number, accepted: HuntNode[], refused: Array<{ api: string, why: string }> }> {
  const vendor = wallet.address.toLowerCase() as Hex
  const price = await m.contract.getFunction('priceOf')(HUNT_PRODUCT) as bigint
  if (price === 0n) throw badInput('hunts are not on sale on this market (governance has priced none)')
  const maxText = str(values['max-price'])
  if (maxText !== undefined && price > vmtArg(maxText, '--max-price')) throw badInput(`a hunt costs ${formatEther(price)} VMT, above --max-price ${maxText}`)
  if (!(await m.contract.getFunction('isVendor')(vendor) as boolean)) throw badInput(`${vendor} is not an approved vendor on this market (governance approves vendors)`)
  // membership is checkpointed: the newest block it can be read at is the one before the head
  const block = await m.provider.getBlockNumber() - 1
  const sealTo = await memberKeysAt(m.provider, m.deployment.contracts.registry, block)
  if (sealTo.length === 0) throw new CliError('NETWORK', `no members at block ${block}`)
  const sealed = sealRuleset(rules, sealTo, { chainId: m.deployment.chainId, registry: m.deployment.contracts.registry })
  const vmt = new Contract(m.deployment.contracts.vmt, vmtArtifact.abi, wallet)
  if (await vmt.getFunction('allowance')(vendor, m.market) as bigint < price) {
    await sendTx('approve', async () => await vmt.getFunction('approve')(m.market, price) as ContractTransactionResponse)
  }
  const placed = await sendTx('order', async () => await (m.contract.connect(wallet) as Contract).getFunction('order')(HUNT_PRODUCT, sealed.rulesetId, `0x${'00'.repeat(32)}`, price) as ContractTransactionResponse)
  const ordered = (placed.logs as Array<{ topics: string[], data: string }>).map((l) => { try { return marketInterface.parseLog(l) } catch { return null } }).find((l) => l?.name === 'Ordered')
  if (ordered == null) throw new CliError('NETWORK', `the order transaction ${placed.hash} logged no Ordered event`)
  const registration: HuntRegistration = { vendor, ...sealed, orderId: (ordered.args.getValue('orderId') as bigint).toString(), membershipBlock: block }
  const deadline = Number(ordered.args.getValue('deadline') as bigint)
  if (values.json !== true) ctx.stderr.write(`ordered the hunt of ${sealed.rulesetId} as order ${registration.orderId} for ${formatEther(price)} VMT (paid until block ${deadline}); registering at ${hunters.length} node(s)\n`)
  const accepted: HuntNode[] = []
  const refused: Array<{ api: string, why: string }> = []
  await Promise.all(hunters.map(async (n) => {
    const until = Date.now() + REGISTER_WAIT_MS
    for (;;) {
      try {
        await fetchApiData(n.target, '/api/virusmap/hunt/rulesets', ctx, { method: 'POST', body: JSON.stringify(registration) })
        accepted.push(n)
        return
      } catch (err) {
        const why = (err as Error).message
        // a node that has not confirmed the order or the block yet is asked again
        if (/ (403 NO_ORDER|503 FUTURE_BLOCK):/.test(why) && Date.now() < until) { await sleep(1000, undefined, { signal: ctx.signal }); continue }
        refused.push({ api: n.target.api, why: terminalText(why).slice(0, 300) })
        return
      }
    }
  }))
  return { registration, deadline, accepted, refused }
}

function render (matches: readonly ConfirmedMatch[]): string {
  return matches.map((c) => `${c.confirmed ? 'confirmed' : 'unconfirmed'} ${c.rule} on ${c.sha256} (job ${c.jobId}): ${c.members.length}/${c.needed} members\n`).join('')
}

async function count (notifications: readonly SignedHuntMatch[], m: MarketContext): Promise<ConfirmedMatch[]> {
  const chain: Chain = { chainId: m.deployment.chainId, registry: m.deployment.contracts.registry, ...(m.deployment.contracts.parameters === undefined ? {} : { parameters: m.deployment.contracts.parameters }) }
  return countHuntMatches(notifications, await matchCounter(m.provider, chain, notifications.map((n) => n.match.membershipBlock)))
}

async function run (values: Record<string, OptionValue>, positionals: string[], ctx: CommandContext): Promise<number> {
  const [sub, file, ...rest] = positionals
  if (rest.length > 0) throw badInput(`unexpected arguments: ${terminalText(rest.join(' ')).slice(0, 100)}`)
  if (!['add', 'list', 'matches', 'retro'].includes(sub ?? '')) throw badInput(`unknown subcommand "${terminalText(sub ?? '').slice(0, 40)}": add, list, matches or retro`)
  if (sub !== 'add' && sub !== 'retro' && file !== undefined) throw badInput(`hunt ${sub} takes no RULES file`)
  const rules = sub === 'add' || sub === 'retro' ? await readRules(file, ctx) : undefined
  if (values.follow === true && sub !== 'matches') throw badInput('--follow goes with hunt matches')
  return await withMarket(values, ctx, async (m) => {
    const wallet = await loadSigner(values, ctx, m.provider)
    const hunters = await nodes(values, ctx, m)
    const chain = { chainId: m.deployment.chainId, registry: m.deployment.contracts.registry }
    const print = (json: unknown, text: string): void => { ctx.stdout.write(values.json === true ? `${terminalJson(json, 2)}\n` : text) }
    if (sub === 'add' || sub === 'retro') {
      const added = await add(rules as string, values, ctx, m, wallet, hunters)
      const summary = { rulesetId: added.registration.rulesetId, orderId: added.registration.orderId, paidUntil: added.deadline, registered: added.accepted.map((n) => n.target.api), refused: added.refused }
      if (sub === 'add') {
        print(summary, `ruleset ${summary.rulesetId} (order ${summary.orderId}, paid until block ${summary.paidUntil}) registered at ${added.accepted.length} node(s)\n${added.refused.map((r) => `  refused by ${r.api}: ${r.why}\n`).join('')}`)
        return added.accepted.length > 0 ? EXIT_CODES.ok : EXIT_CODES.network
      }
      const retros = await Promise.all(added.accepted.map(async (n) => ({ api: n.target.api, ...await nodeRetro(n, wallet, chain, added.registration.rulesetId, ctx) })))
      const counted = await count(retros.flatMap((r) => r.matches), m)
      print({ ...summary, nodes: retros.map((r) => ({ api: r.api, scanned: r.scanned, stoppedBy: r.stoppedBy, matches: r.matches.length })), matches: counted },
        `${retros.map((r) => `${r.api}: ${r.scanned} samples, ${r.matches.length} matches (stopped by ${r.stoppedBy})\n`).join('')}${render(counted)}`)
      return EXIT_CODES.ok
    }
    if (sub === 'list') {
      const lists = await Promise.all(hunters.map(async (n) => ({ api: n.target.api, rulesets: await nodeRulesets(n, wallet, chain, ctx) })))
      print(lists, lists.map((l) => `${l.api}: ${l.rulesets.map((r) => `${r.rulesetId} (order ${r.orderId}, paid until block ${r.paidUntil})`).join(', ') || 'none'}\n`).join(''))
      return EXIT_CODES.ok
    }
    const held = (await Promise.all(hunters.map(async (n) => await nodeMatches(n, wallet, chain, ctx)))).flat()
    print(await count(held, m), render(await count(held, m)))
    if (values.follow !== true) return EXIT_CODES.ok
    // --follow: every node's stream until interrupted; each new notification re-counts its group, printed
    // in arrival order as it stood then
    const seen = [...held]
    let printing = Promise.resolve()
    await Promise.all(hunters.map(async (n) => await followNode(n, wallet, chain, (notification) => {
      seen.push(notification)
      const snapshot = [...seen]
      printing = printing.then(async () => {
        const group = (await count(snapshot, m)).filter((c) => c.jobId === notification.match.jobId && c.rulesetId === notification.match.rulesetId && notification.match.rules.includes(c.rule))
        print(group, render(group))
      }).catch((err: unknown) => { ctx.stderr.write(`virusmap: cannot count a match: ${terminalText((err as Error).message).slice(0, 200)}\n`) })
    }, ctx.signal).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.stderr.write(`virusmap: ${terminalText(n.target.api)} stream ended: ${terminalText((err as Error).message).slice(0, 200)}\n`)
    })))
    await printing
    return EXIT_CODES.ok
  })
}

export const huntCommand: Command = {
  name: 'hunt',
  summary: 'hunt with YARA rules on the members (Livehunt, Retrohunt) as an approved vendor; signed matches, f+1 confirmed',
  usage: USAGE,
  options: { ...MARKET_OPTIONS, keystore: { type: 'string' }, 'max-price': { type: 'string' }, api: { type: 'string', multiple: true }, apikey: { type: 'string' }, follow: { type: 'boolean' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => await run(values, positionals, ctx))
}
