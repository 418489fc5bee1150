// What `virusmap gov`, `keystore` and `deploy` share: the deployment file, a chain-checked
// provider, the keystore signer and its passphrase, and one-line errors.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { JsonRpcProvider, Network, getAddress, isAddress } from 'ethers'
import type { Wallet } from 'ethers'
import { GovernanceError, decryptKeystore } from '#governance/index.ts'
import type { VirusMapContracts } from '#governance/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { EXIT_CODES } from '../command.ts'
import type { CommandContext, OptionValue } from '../command.ts'
import { DEVNET_FILE } from '../target.ts'
import { ProfileError, loadProfile } from '../profile.ts'

export const PASSWORD_ENV = 'VIRUSMAP_KEYSTORE_PASSWORD'

export function str (value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export function strs (value: OptionValue): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string')
}

export function badInput (message: string): GovernanceError {
  return new GovernanceError('BAD_INPUT', message)
}

export function address (text: string | undefined, what: string): string {
  if (text === undefined || !isAddress(text)) throw badInput(`${what} must be a 0x address (40 hex digits), got "${String(text).slice(0, 80)}"`)
  return getAddress(text)
}

/** Runs a command body; a GovernanceError becomes one line on stderr and exit 1 (2 for an unknown proposal). */
export async function oneLine (ctx: CommandContext, body: () => Promise<number>): Promise<number> {
  try {
    return await body()
  } catch (err) {
    if (err instanceof GovernanceError) {
      ctx.stderr.write(`virusmap: ${err.message.split('\n')[0]}\n`)
      if (err.code === 'UNKNOWN_PROPOSAL') return EXIT_CODES.notFound
      if (err.code === 'RPC_UNREACHABLE') return EXIT_CODES.network
      return EXIT_CODES.usage
    }
    throw err
  }
}

export interface GovDeployment {
  file: string
  chainId: number
  rpcUrl: string
  deployBlock: number
  contracts: VirusMapContracts
}

/** --deployment FILE, else the profile (`virusmap init`), else the devnet file in the working directory */
export async function loadGovDeployment (values: Record<string, OptionValue>, ctx: CommandContext): Promise<GovDeployment> {
  const explicit = str(values.deployment)
  if (explicit === undefined) {
    const saved = await loadProfile(ctx.env)
    if (saved !== undefined) {
      const { file, profile: { contracts, chainId, deployBlock, rpcUrl } } = saved
      const { vmt, timelock, governor, registry, parameters, evidence, anchors, rewards } = contracts
      if (vmt === undefined || timelock === undefined || governor === undefined) {
        throw new ProfileError('PROFILE_INCOMPLETE', `the profile ${file} names a registry alone; gov needs the deployment's governance contracts: virusmap init --deployment FILE, or pass --deployment FILE`)
      }
      return { file, chainId, rpcUrl: str(values.rpc) ?? rpcUrl, deployBlock, contracts: { vmt, timelock, governor, registry, ...(parameters === undefined ? {} : { parameters }), ...(evidence === undefined ? {} : { evidence }), ...(anchors === undefined ? {} : { anchors }), ...(rewards === undefined ? {} : { rewards }) } }
    }
  }
  const devnet = resolve(ctx.cwd, DEVNET_FILE)
  const file = explicit === undefined ? devnet : resolve(ctx.cwd, explicit)
  if (explicit === undefined && !existsSync(devnet)) throw badInput(`no deployment: pass --deployment FILE, run virusmap init, or run where ${DEVNET_FILE} exists`)
  let json: Record<string, unknown>
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw badInput(`cannot read deployment file ${file}: ${(err as { code?: string }).code ?? 'not JSON'}`)
  }
  const c = (json?.contracts ?? {}) as Record<string, unknown>
  const contracts: Partial<Record<keyof VirusMapContracts, Hex>> = {}
  for (const name of ['vmt', 'timelock', 'governor', 'registry'] as const) {
    const a = c[name]
    if (typeof a !== 'string' || !isAddress(a)) throw badInput(`bad deployment file ${file}: contracts.${name} must be an address`)
    contracts[name] = a.toLowerCase() as Hex
  }
  if (typeof c.parameters === 'string' && isAddress(c.parameters)) contracts.parameters = c.parameters.toLowerCase() as Hex
  if (typeof c.evidence === 'string' && isAddress(c.evidence)) contracts.evidence = c.evidence.toLowerCase() as Hex
  if (typeof c.anchors === 'string' && isAddress(c.anchors)) contracts.anchors = c.anchors.toLowerCase() as Hex
  if (typeof c.market === 'string' && isAddress(c.market)) contracts.market = c.market.toLowerCase() as Hex
  if (typeof c.rewards === 'string' && isAddress(c.rewards)) contracts.rewards = c.rewards.toLowerCase() as Hex
  if (typeof c.deposits === 'string' && isAddress(c.deposits)) contracts.deposits = c.deposits.toLowerCase() as Hex
  if (!Number.isSafeInteger(json.chainId) || (json.chainId as number) <= 0) throw badInput(`bad deployment file ${file}: chainId must be a positive integer`)
  const rpcUrl = str(values.rpc) ?? (typeof json.rpcUrl === 'string' ? json.rpcUrl : undefined)
  if (rpcUrl === undefined || !URL.canParse(rpcUrl) || !/^https?:$/.test(new URL(rpcUrl).protocol)) throw badInput(`--rpc must be an http(s) URL (the deployment file has none), got ${String(rpcUrl)}`)
  const deployBlock = Number.isSafeInteger(json.deployBlock) ? json.deployBlock as number : 0
  return { file, chainId: json.chainId as number, rpcUrl, deployBlock, contracts: contracts as VirusMapContracts }
}

/** A provider for `rpcUrl` after checking that it serves chain `expected` (when given). */
export async function connect (rpcUrl: string, expected: number | undefined, signal: AbortSignal): Promise<{ provider: JsonRpcProvider, chainId: number }> {
  let chainId: number
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)])
    })
    const body = await res.json() as { result?: string }
    chainId = Number(BigInt(body.result ?? 'x'))
  } catch (err) {
    if (signal.aborted) throw err
    throw new GovernanceError('RPC_UNREACHABLE', `cannot get the chain id from ${rpcUrl}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message.split('\n')[0]}`)
  }
  if (expected !== undefined && chainId !== expected) {
    throw new GovernanceError('WRONG_CHAIN', `wrong chain: ${rpcUrl} serves chain id ${chainId}, expected ${expected}`)
  }
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 })
  return { provider, chainId }
}

export function chainIdOption (values: Record<string, OptionValue>): number | undefined {
  const text = str(values['chain-id'])
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw badInput(`--chain-id must be a positive integer, got "${text.slice(0, 40)}"`)
  return n
}

/** The passphrase: $VIRUSMAP_KEYSTORE_PASSWORD, else a prompt without echo when stdin is a terminal. */
export async function passphrase (ctx: CommandContext, prompt: string): Promise<string> {
  const env = ctx.env[PASSWORD_ENV]
  if (env !== undefined) return env
  if (process.stdin.isTTY !== true) throw badInput(`no passphrase: set ${PASSWORD_ENV} or run in a terminal`)
  return await readHidden(ctx, prompt)
}

async function readHidden (ctx: CommandContext, prompt: string): Promise<string> {
  const stdin = process.stdin
  ctx.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  try {
    return await new Promise<string>((done, reject) => {
      let text = ''
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') { stdin.off('data', onData); ctx.stderr.write("\n"); done(text); return }
          if (ch === '\u0003') { stdin.off('data', onData); reject(badInput('interrupted')); return }
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
          else text += ch
        }
      }
      stdin.on('data', onData)
    })
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
  }
}

export async function loadSigner (values: Record<string, OptionValue>, ctx: CommandContext, provider: JsonRpcProvider | null): Promise<Wallet> {
  const file = str(values.keystore) ?? ctx.env.VIRUSMAP_KEYSTORE
  if (file === undefined) throw badInput('this command signs: pass --keystore FILE (or set VIRUSMAP_KEYSTORE); create one with `virusmap keystore new`')
  let json: string
  try {
    json = await readFile(resolve(ctx.cwd, file), 'utf8')
  } catch (err) {
    throw badInput(`cannot read keystore ${file}: ${(err as { code?: string }).code ?? 'unreadable'}`)
  }
  const wallet = await decryptKeystore(json, await passphrase(ctx, `passphrase for ${file}: `))
  return provider === null ? wallet : wallet.connect(provider)
}
