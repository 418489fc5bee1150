// What `virusmap buy` and `virusmap market` share: the deployment's DataMarket on a chain-checked
// provider, the nodes to ask, and strict parsing of what a user types.
import { Contract, parseEther } from 'ethers'
import type { JsonRpcProvider } from 'ethers'
import { GovernanceError } from '#governance/index.ts'
import { marketArtifact } from '#governance/artifacts.ts'
import type { Hex } from '#protocol/messages.ts'
import type { OptionValue, CommandContext } from '../command.ts'
import { loadDeployment } from '../deployment.ts'
import { loadProfile } from '../profile.ts'
import type { ApiTarget } from '../target.ts'
import { terminalText } from '../terminal-text.ts'
import { badInput, chainIdOption, connect, loadGovDeployment, str, strs } from './gov-context.ts'
import type { GovDeployment } from './gov-context.ts'

export const MARKET_OPTIONS = {
  deployment: { type: 'string' },
  rpc: { type: 'string' },
  'chain-id': { type: 'string' },
  json: { type: 'boolean' }
} as const

/** DataMarket's Status enum (the market's ports declare it; the commands read it from here) */
export { ORDER_STATUS } from '../../market/ports.ts'

export interface MarketContext {
  deployment: GovDeployment
  market: Hex
  provider: JsonRpcProvider
  contract: Contract
}

/** The deployment (as `gov` finds it), its DataMarket, and a provider checked to serve its chain; the caller destroys the provider. */
export async function openMarket (values: Record<string, OptionValue>, ctx: CommandContext): Promise<MarketContext> {
  const deployment = await loadGovDeployment(values, ctx)
  const expected = chainIdOption(values)
  if (expected !== undefined && expected !== deployment.chainId) throw new GovernanceError('WRONG_CHAIN', `wrong chain: --chain-id ${expected} but ${deployment.file} is for chain ${deployment.chainId}`)
  const market = deployment.contracts.market
  if (market === undefined) throw badInput(`${deployment.file} names no DataMarket (contracts.market): the deployment predates the data market`)
  const { provider } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
  return { deployment, market, provider, contract: new Contract(market, marketArtifact.abi, provider) }
}

/** Runs `body` on the deployment's market (openMarket), destroying the provider after. */
export async function withMarket<T> (values: Record<string, OptionValue>, ctx: CommandContext, body: (m: MarketContext) => Promise<T>): Promise<T> {
  const m = await openMarket(values, ctx)
  try {
    return await body(m)
  } finally {
    m.provider.destroy()
  }
}

/** A sample's sha256 as typed (64 hex digits, 0x optional), lowercase with 0x. */
export function sha256Arg (text: string | undefined): Hex {
  if (text === undefined || !/^(0x)?[0-9a-fA-F]{64}$/.test(text)) throw badInput(`SHA256 must be 64 hex digits, got "${terminalText(String(text ?? '')).slice(0, 80)}"`)
  return `0x${text.replace(/^0x/, '').toLowerCase()}` as Hex
}

/** An order id: a decimal uint256. */
export function orderIdArg (text: string | undefined): bigint {
  if (text === undefined || !/^(0|[1-9][0-9]{0,77})$/.test(text) || BigInt(text) >= 2n ** 256n) throw badInput(`ORDER must be an order id (a decimal integer), got "${terminalText(String(text ?? '')).slice(0, 80)}"`)
  return BigInt(text)
}

/** An amount of VMT as typed (e.g. 10 or 2.5, up to 18 decimals), in wei. */
export function vmtArg (text: string, flag: string): bigint {
  if (!/^[0-9]{1,30}(\.[0-9]{1,18})?$/.test(text)) throw badInput(`${flag} must be an amount of VMT (e.g. 10 or 2.5), got "${terminalText(text).slice(0, 80)}"`)
  return parseEther(text)
}

const API_KEY = /^[0-9a-f]{64}$/

/**
 * The nodes to ask for deliveries: every --api URL, else every node the deployment file lists
 * (devnet.json), else the profile's; the key is --apikey, $VIRUSMAP_API_KEY, or the file's or profile's.
 */
export async function marketTargets (values: Record<string, OptionValue>, ctx: CommandContext, deploymentFile: string, timeoutMs: number): Promise<ApiTarget[]> {
  let apis = strs(values.api)
  let fileKey: string | undefined
  if (apis.length === 0) {
    const listed = await loadDeployment(deploymentFile).catch(() => undefined)
    apis = listed?.apis ?? []
    fileKey = listed?.apiKey
  }
  if (apis.length === 0) {
    const saved = await loadProfile(ctx.env)
    if (saved !== undefined) {
      apis = [saved.profile.api]
      fileKey = saved.profile.apiKey
    }
  }
  if (apis.length === 0) throw badInput(`no node to ask for deliveries: pass --api URL (once per node), or a deployment file that lists nodes`)
  if (apis.length > 256) throw badInput('at most 256 --api URLs')
  for (const api of apis) {
    if (!URL.canParse(api) || !/^https?:$/.test(new URL(api).protocol)) throw badInput(`--api must be an http(s) URL, got "${terminalText(api).slice(0, 80)}"`)
  }
  const flag = str(values.apikey)
  if (flag !== undefined && !API_KEY.test(flag)) throw badInput('--apikey must be 64 lowercase hex digits')
  const env = ctx.env.VIRUSMAP_API_KEY === '' ? undefined : ctx.env.VIRUSMAP_API_KEY
  const apiKey = flag ?? env ?? fileKey
  return [...new Set(apis)].map((api) => ({ api, ...(apiKey === undefined ? {} : { apiKey }), json: values.json === true, timeoutMs }))
}
