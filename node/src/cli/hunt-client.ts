// What `virusmap hunt` asks of nodes and of the chain (SPEC 19): each node's operator address (its
// HuntAccess names it), the vendor's rulesets and signed matches there, server-sent events, a Retrohunt;
// the members and their X25519 keys the ruleset is sealed to, and what counting a match needs. Nothing a
// node says is taken on its word: notifications are parsed strictly and counted by their signers.
import { Contract, encodeBytes32String } from 'ethers'
import type { JsonRpcProvider, Signer } from 'ethers'
import { parametersArtifact, registryArtifact } from '#governance/artifacts.ts'
import { huntAccessHeader, HUNT_AUTH_HEADER, parseSignedHuntMatch } from '#protocol/hunt/index.ts'
import type { MatchCountContext, SignedHuntMatch } from '#protocol/hunt/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { faultDivisorFrom } from '#protocol/quorum.ts'
import { fetchApiData } from './api-data.ts'
import { CliError } from './cli-error.ts'
import type { CommandContext } from './command.ts'
import type { ApiTarget } from './target.ts'
import { terminalText } from './terminal-text.ts'

const ADDRESS = /^0x[0-9a-f]{40}$/
/** the most notifications one node's listing is read for */
const MAX_MATCH_PAGES = 100

/** A node and the operator address it says it runs as (its HuntAccess names it). */
export interface HuntNode { target: ApiTarget, self: Hex }

export async function huntNode (target: ApiTarget, ctx: CommandContext): Promise<HuntNode> {
  const data = await fetchApiData(target, '/api/virusmap/network', ctx) as { attributes?: { self?: unknown } }
  const self = data?.attributes?.self
  if (typeof self !== 'string' || !ADDRESS.test(self)) throw new CliError('NETWORK', `${target.api}: the node names no operator address`)
  return { target, self: self as Hex }
}

async function access (node: HuntNode, vendor: Signer, chain: { chainId: number, registry: Hex }): Promise<Record<string, string>> {
  return { [HUNT_AUTH_HEADER]: await huntAccessHeader(vendor, node.self, Date.now(), chain.chainId, chain.registry) }
}

/** Every notification the node holds for the vendor, strictly parsed; a malformed one fails the node. */
export async function nodeMatches (node: HuntNode, vendor: Signer, chain: { chainId: number, registry: Hex }, ctx: CommandContext): Promise<SignedHuntMatch[]> {
  const out: SignedHuntMatch[] = []
  const address = (await vendor.getAddress()).toLowerCase()
  let after = '0'
  for (let page = 0; page < MAX_MATCH_PAGES; page++) {
    const data = await fetchApiData(node.target, `/api/virusmap/hunt/matches?vendor=${address}&after=${after}&limit=1000`, ctx, { headers: await access(node, vendor, chain) })
    if (!Array.isArray(data)) throw new CliError('NETWORK', `${node.target.api}: the matches are not a list`)
    for (const item of data as Array<{ id?: unknown, attributes?: unknown }>) {
      try {
        out.push(parseSignedHuntMatch(item?.attributes))
      } catch (err) {
        throw new CliError('NETWORK', `${node.target.api}: a malformed notification (${(err as Error).message.slice(0, 120)})`, { cause: err })
      }
      after = typeof item.id === 'string' && /^[0-9]{1,15}$/.test(item.id) ? item.id : after
    }
    if (data.length < 1000) break
  }
  return out
}

export async function nodeRulesets (node: HuntNode, vendor: Signer, chain: { chainId: number, registry: Hex }, ctx: CommandContext): Promise<Array<{ rulesetId: Hex, orderId: string, paidUntil: number }>> {
  const address = (await vendor.getAddress()).toLowerCase()
  const data = await fetchApiData(node.target, `/api/virusmap/hunt/rulesets?vendor=${address}`, ctx, { headers: await access(node, vendor, chain) })
  if (!Array.isArray(data)) throw new CliError('NETWORK', `${node.target.api}: the rulesets are not a list`)
  return data.flatMap((r: { id?: unknown, attributes?: { order_id?: unknown, paid_until?: unknown } }) =>
    typeof r?.id === 'string' && /^0x[0-9a-f]{64}$/.test(r.id) && typeof r.attributes?.order_id === 'string' && Number.isSafeInteger(r.attributes.paid_until)
      ? [{ rulesetId: r.id as Hex, orderId: r.attributes.order_id, paidUntil: r.attributes.paid_until as number }]
      : [])
}

export async function nodeRetro (node: HuntNode, vendor: Signer, chain: { chainId: number, registry: Hex }, rulesetId: Hex, ctx: CommandContext): Promise<{ scanned: number, stoppedBy: string, matches: SignedHuntMatch[] }> {
  const address = (await vendor.getAddress()).toLowerCase()
  const data = await fetchApiData(node.target, `/api/virusmap/hunt/rulesets/${rulesetId}/retro?vendor=${address}`, ctx, { method: 'POST', headers: await access(node, vendor, chain) }) as { attributes?: { scanned?: unknown, stopped_by?: unknown }, matches?: unknown }
  const matches = Array.isArray(data?.matches) ? data.matches.map((m: { attributes?: unknown }) => parseSignedHuntMatch(m?.attributes)) : []
  return { scanned: Number(data?.attributes?.scanned ?? 0), stoppedBy: terminalText(String(data?.attributes?.stopped_by ?? '')).slice(0, 16), matches }
}

/**
 * Follows the node's server-sent events until `signal` aborts, handing each strictly parsed notification
 * to `onMatch`. Lines and events are bounded: a node that sends an endless line is dropped.
 */
export async function followNode (node: HuntNode, vendor: Signer, chain: { chainId: number, registry: Hex }, onMatch: (n: SignedHuntMatch) => void, signal: AbortSignal): Promise<void> {
  const address = (await vendor.getAddress()).toLowerCase()
  const url = new URL(`/api/virusmap/hunt/matches/stream?vendor=${address}`, node.target.api)
  const res = await fetch(url, { signal, headers: { ...await access(node, vendor, chain), ...(node.target.apiKey === undefined ? {} : { 'x-apikey': node.target.apiKey }) } })
  if (res.status !== 200 || res.body === null) throw new CliError('NETWORK', `${url.href}: answered ${res.status}`)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    if (buffer.length > 64 * 1024) throw new CliError('NETWORK', `${url.href}: an event longer than 64 KiB`)
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n')
      buffer = buffer.slice(end + 2)
      const data = lines.find((l) => l.startsWith('data: '))
      if (!lines.includes('event: hunt-match') || data === undefined) continue
      try {
        onMatch(parseSignedHuntMatch(JSON.parse(data.slice(6))))
      } catch (err) {
        throw new CliError('NETWORK', `${url.href}: a malformed event (${(err as Error).message.slice(0, 120)})`, { cause: err })
      }
    }
  }
}

/** The members at `block` and their registered X25519 keys: what a ruleset is sealed to. */
export async function memberKeysAt (provider: JsonRpcProvider, registry: Hex, block: number): Promise<Array<{ member: Hex, x25519Key: Hex }>> {
  const contract = new Contract(registry, registryArtifact.abi, provider)
  const members = await contract.getFunction('membersAt')(block) as string[]
  return await Promise.all(members.map(async (m) => {
    const [, x25519Key] = await contract.getFunction('candidate')(m) as [string, string]
    return { member: m.toLowerCase() as Hex, x25519Key: x25519Key.toLowerCase() as Hex }
  }))
}

/** Counting context over the chain: members and fault divisor at each block asked (cached per block). */
export async function matchCounter (provider: JsonRpcProvider, chain: { chainId: number, registry: Hex, parameters?: Hex }, blocks: readonly number[]): Promise<MatchCountContext> {
  const registry = new Contract(chain.registry, registryArtifact.abi, provider)
  const parameters = chain.parameters === undefined ? undefined : new Contract(chain.parameters, parametersArtifact.abi, provider)
  const members = new Map<number, Hex[]>()
  const divisors = new Map<number, number>()
  for (const block of new Set(blocks)) {
    members.set(block, (await registry.getFunction('membersAt')(block) as string[]).map((m) => m.toLowerCase() as Hex))
    divisors.set(block, faultDivisorFrom(parameters === undefined ? undefined : await parameters.getFunction('getAt')(encodeBytes32String('quorumFaultDivisor'), block) as bigint))
  }
  return { chainId: chain.chainId, registry: chain.registry, membersAt: (b) => members.get(b) ?? [], faultDivisorAt: (b) => divisors.get(b) ?? 3 }
}
