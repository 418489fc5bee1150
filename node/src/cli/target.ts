import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ClientDeployment } from './deployment.ts'
import { loadDeployment } from './deployment.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { UsageError } from './usage-error.ts'

/** Flags shared by the commands that talk to a node and verify against the chain. */
export const TARGET_OPTIONS = {
  api: { type: 'string' },
  deployment: { type: 'string' },
  rpc: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' }
} as const

export const TARGET_USAGE = '[--api URL] [--deployment FILE] [--rpc URL] [--json] [--timeout S]'

export const DEVNET_FILE = '.devnet/devnet.json'
const DEFAULT_TIMEOUT_S = 120

export interface Target {
  api: string
  apiKey?: string
  deployment: ClientDeployment
  rpcUrl: string
  json: boolean
  timeoutMs: number
}

function stringOption (value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * Resolves --api/--deployment/--rpc, falling back to the devnet file in the working directory,
 * so `virusmap submit FILE` works next to a running `virusmap devnet`.
 */
export async function resolveTarget (values: Record<string, OptionValue>, ctx: CommandContext): Promise<Target> {
  const timeoutText = stringOption(values.timeout)
  const timeoutS = timeoutText === undefined ? DEFAULT_TIMEOUT_S : Number(timeoutText)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 86_400) throw new UsageError('--timeout must be a number of seconds from 0 to 86400')

  const devnetFile = resolve(ctx.cwd, DEVNET_FILE)
  const explicit = stringOption(values.deployment)
  const deploymentFile = explicit === undefined ? (existsSync(devnetFile) ? devnetFile : undefined) : resolve(ctx.cwd, explicit)
  if (deploymentFile === undefined) {
    throw new UsageError(`no deployment to verify against: pass --deployment FILE or run where ${DEVNET_FILE} exists`)
  }
  const deployment = await loadDeployment(deploymentFile)

  const api = stringOption(values.api) ?? deployment.apis[0]
  if (api === undefined) throw new UsageError(`no API to ask: pass --api URL (${deploymentFile} lists no nodes)`)
  const rpcUrl = stringOption(values.rpc) ?? deployment.rpcUrl
  for (const [flag, url] of [['--api', api], ['--rpc', rpcUrl]] as const) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`${flag} must be an http(s) URL, got ${url}`)
  }
  // VIRUSMAP_API_KEY wins over the deployment file's key (devnet.json carries the devnet's)
  const apiKey = ctx.env.VIRUSMAP_API_KEY === undefined || ctx.env.VIRUSMAP_API_KEY === '' ? deployment.apiKey : ctx.env.VIRUSMAP_API_KEY
  return {
    api,
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
    deployment,
    rpcUrl,
    json: values.json === true,
    timeoutMs: Math.round(timeoutS * 1000)
  }
}
