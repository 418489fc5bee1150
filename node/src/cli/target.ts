import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ClientDeployment } from './deployment.ts'
import { loadDeployment } from './deployment.ts'
import type { CommandContext, OptionValue } from './command.ts'
import { UsageError } from './usage-error.ts'
import { loadProfile, profileDeployment } from './profile.ts'

/** Flags of every command that talks to a node's API. */
export const API_OPTIONS = {
  api: { type: 'string' },
  apikey: { type: 'string' },
  deployment: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' }
} as const

export const API_USAGE = '[--api URL] [--apikey KEY] [--deployment FILE] [--json] [--timeout S]'

/** Flags shared by the commands that talk to a node and verify against the chain. */
export const TARGET_OPTIONS = { ...API_OPTIONS, rpc: { type: 'string' } } as const

export const TARGET_USAGE = '[--api URL] [--apikey KEY] [--deployment FILE] [--rpc URL] [--json] [--timeout S]'

export const DEVNET_FILE = '.devnet/devnet.json'
const DEFAULT_TIMEOUT_S = 120
const API_KEY = /^[0-9a-f]{64}$/

/** A node's API, the key to send it, and the output/timeout flags. */
export interface ApiTarget {
  api: string
  apiKey?: string
  json: boolean
  timeoutMs: number
}

export interface Target extends ApiTarget {
  deployment: ClientDeployment
  rpcUrl: string
}

function stringOption (value: OptionValue): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function checkHttpUrl (flag: string, url: string): void {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`${flag} must be an http(s) URL, got ${url.slice(0, 200)}`)
}

const NO_DEPLOYMENT = `no deployment to verify against: pass --deployment FILE, run virusmap init, or run where ${DEVNET_FILE} exists`

/**
 * --deployment FILE, else the profile `virusmap init` wrote, else the devnet file in the working
 * directory when there is one. A --deployment flag sets the whole network, so the profile is not
 * read then (its API or key would belong to another network).
 */
async function findDeployment (values: Record<string, OptionValue>, ctx: CommandContext, required: boolean): Promise<{ file: string, deployment: ClientDeployment } | undefined> {
  const explicit = stringOption(values.deployment)
  if (explicit !== undefined) {
    const file = resolve(ctx.cwd, explicit)
    return { file, deployment: await loadDeployment(file) }
  }
  const saved = await loadProfile(ctx.env)
  if (saved !== undefined) return { file: saved.file, deployment: profileDeployment(saved.profile) }
  const devnetFile = resolve(ctx.cwd, DEVNET_FILE)
  if (existsSync(devnetFile)) return { file: devnetFile, deployment: await loadDeployment(devnetFile) }
  if (!required) return undefined
  throw new UsageError(NO_DEPLOYMENT)
}

/**
 * --api (else the profile's, else the deployment file's first node), --apikey (else
 * VIRUSMAP_API_KEY, else the profile's or the deployment file's key), --json and --timeout.
 */
function apiTarget (values: Record<string, OptionValue>, ctx: CommandContext, found: { file: string, deployment: ClientDeployment } | undefined): ApiTarget {
  const timeoutText = stringOption(values.timeout)
  const timeoutS = timeoutText === undefined ? DEFAULT_TIMEOUT_S : Number(timeoutText)
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 86_400) throw new UsageError('--timeout must be a number of seconds from 0 to 86400')
  const api = stringOption(values.api) ?? found?.deployment.apis[0]
  if (api === undefined) {
    throw new UsageError(found === undefined ? `no API to ask: pass --api URL, run virusmap init, or run where ${DEVNET_FILE} exists` : `no API to ask: pass --api URL (${found.file} lists no nodes)`)
  }
  checkHttpUrl('--api', api)
  const flag = stringOption(values.apikey)
  if (flag !== undefined && !API_KEY.test(flag)) throw new UsageError('--apikey must be 64 lowercase hex digits')
  const env = ctx.env.VIRUSMAP_API_KEY === '' ? undefined : ctx.env.VIRUSMAP_API_KEY
  const apiKey = flag ?? env ?? found?.deployment.apiKey
  return { api, ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }), json: values.json === true, timeoutMs: Math.round(timeoutS * 1000) }
}

/** For commands that only talk to a node (no chain): `virusmap vote`. */
export async function resolveApiTarget (values: Record<string, OptionValue>, ctx: CommandContext): Promise<ApiTarget> {
  const found = stringOption(values.api) === undefined || stringOption(values.deployment) !== undefined
    ? await findDeployment(values, ctx, false)
    : undefined
  return apiTarget(values, ctx, found)
}

/**
 * Resolves --api/--deployment/--rpc, falling back to the profile (`virusmap init`), then to the
 * devnet file in the working directory, so `virusmap submit FILE` works from any directory once
 * initialised, and next to a running `virusmap devnet` without it.
 */
export async function resolveTarget (values: Record<string, OptionValue>, ctx: CommandContext): Promise<Target> {
  const found = await findDeployment(values, ctx, true)
  if (found === undefined) throw new UsageError(NO_DEPLOYMENT)
  const target = apiTarget(values, ctx, found)
  const rpcUrl = stringOption(values.rpc) ?? found.deployment.rpcUrl
  checkHttpUrl('--rpc', rpcUrl)
  return { ...target, deployment: found.deployment, rpcUrl }
}
