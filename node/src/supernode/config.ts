import { readFile } from 'node:fs/promises'
import type { Hex } from '#protocol/messages.ts'
import { API_LIMIT_DEFAULTS, limitMinimum, type ApiLimits } from '../api/limits.ts'
import { QUORUM_DEFAULTS, readQuorumOptions, type QuorumOptions } from '../quorum/quorum-options.ts'
import { ENGINE_DEFAULTS, readEngineOptions, type EngineOptions } from './engine-options.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface Deployment {
  chainId: number
  rpcUrl: string
  deployBlock: number
  /** `parameters` (NetworkParameters), `anchors` (ReportAnchors), `market` (DataMarket), `rewards` (RewardsDistributor) and `evidence` (EquivocationEvidence) are absent in deployments made before they existed */
  contracts: { vmt: Hex, timelock: Hex, governor: Hex, registry: Hex, parameters?: Hex, anchors?: Hex, market?: Hex, rewards?: Hex, evidence?: Hex }
}

/**
 * What the node itself reads: where it keeps its data, the chain it follows, its network and API
 * addresses. The subsystems' options sit beside their code with their defaults and are composed
 * into SupernodeConfig below.
 */
export interface NodeOptions {
  dataDir: string
  apiHost: string
  apiPort: number
  listen: string[]
  bootstrap: string[]
  deployment: Deployment
  confirmations: number
  pollIntervalMs: number
  maxSampleBytes: number
  /** how long each epoch proposer rank waits after the one before it (protocol SPEC section 15) */
  anchorTurnMs: number
  /** x-apikey on /api/v3 and /api/virusmap (keys: `virusmap apikey create`); false opens them to anyone */
  requireApiKey: boolean
}

/**
 * A node's config file: one flat JSON object, each subsystem's options under their own names
 * (engines: engine-options.ts, job timing: quorum/quorum-options.ts, API limits: api/limits.ts).
 * Flat, as every config written so far is, so each key is also the option's name in its subsystem.
 */
export type SupernodeConfig = NodeOptions & EngineOptions & QuorumOptions & ApiLimits

const NODE_DEFAULTS = {
  apiHost: '127.0.0.1',
  apiPort: 0,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [],
  confirmations: 2,
  pollIntervalMs: 1000,
  maxSampleBytes: 650 * 1024 * 1024,
  anchorTurnMs: 30_000,
  requireApiKey: true
} as const satisfies Omit<NodeOptions, 'dataDir' | 'deployment'>

export const CONFIG_DEFAULTS = {
  ...NODE_DEFAULTS,
  ...ENGINE_DEFAULTS,
  ...QUORUM_DEFAULTS,
  ...API_LIMIT_DEFAULTS
} as const satisfies Omit<SupernodeConfig, 'dataDir' | 'deployment' | 'engines'>

export type ConfigErrorCode = 'CONFIG_UNREADABLE' | 'CONFIG_INVALID'

export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly code: ConfigErrorCode
  constructor (code: ConfigErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

function check (cond: boolean, what: string): void {
  if (!cond) throw new ConfigError('CONFIG_INVALID', `config: ${what}`)
}

/** Validates a parsed config object, filling defaults; throws ConfigError naming the bad field. */
export function parseConfig (value: unknown): SupernodeConfig {
  check(value != null && typeof value === 'object' && !Array.isArray(value), 'must be a JSON object')
  const cfg = { ...CONFIG_DEFAULTS, ...(value as Record<string, unknown>) } as Record<string, unknown>
  check(typeof cfg.dataDir === 'string' && cfg.dataDir !== '', 'dataDir must be a path')
  const d = cfg.deployment as Record<string, unknown> | undefined
  check(d != null && typeof d === 'object', 'deployment is required')
  check(Number.isSafeInteger(d?.chainId), 'deployment.chainId must be an integer')
  check(typeof d?.rpcUrl === 'string', 'deployment.rpcUrl must be a URL')
  check(Number.isSafeInteger(d?.deployBlock), 'deployment.deployBlock must be an integer')
  const contracts = d?.contracts as Record<string, unknown> | undefined
  for (const name of ['parameters', 'anchors', 'market', 'rewards', 'evidence']) {
    check(contracts?.[name] === undefined || (typeof contracts[name] === 'string' && ADDRESS.test(contracts[name] as string)), `deployment.contracts.${name} must be an address`)
  }
  for (const name of ['vmt', 'timelock', 'governor', 'registry']) {
    check(typeof contracts?.[name] === 'string' && ADDRESS.test(contracts[name] as string), `deployment.contracts.${name} must be an address`)
  }
  for (const key of ['apiPort', 'confirmations', 'pollIntervalMs', 'maxSampleBytes']) {
    check(Number.isSafeInteger(cfg[key]) && (cfg[key] as number) >= 0, `${key} must be a non-negative integer`)
  }
  check(Number.isSafeInteger(cfg.anchorTurnMs) && (cfg.anchorTurnMs as number) >= 1000, 'anchorTurnMs must be an integer of at least 1000')
  // zero would refuse every upload or, for a timeout, turn it off
  for (const key of Object.keys(API_LIMIT_DEFAULTS)) {
    const least = limitMinimum(key)
    check(Number.isSafeInteger(cfg[key]) && (cfg[key] as number) >= least, `${key} must be an integer of at least ${least}`)
  }
  check(typeof cfg.requireApiKey === 'boolean', 'requireApiKey must be true or false')
  for (const key of ['listen', 'bootstrap']) {
    check(Array.isArray(cfg[key]) && (cfg[key] as unknown[]).every((s) => typeof s === 'string'), `${key} must be a list of strings`)
  }
  const quorum = readQuorumOptions(cfg)
  check(typeof quorum !== 'string', quorum as string)
  const engines = readEngineOptions(cfg)
  check(typeof engines !== 'string', engines as string)
  Object.assign(cfg, engines)
  return cfg as unknown as SupernodeConfig
}

export async function loadConfig (path: string, options: AbortOptions = {}): Promise<SupernodeConfig> {
  let text: string
  try {
    text = await readFile(path, { encoding: 'utf8', signal: options.signal })
  } catch (err) {
    throw new ConfigError('CONFIG_UNREADABLE', `cannot read config ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError('CONFIG_INVALID', `config ${path} is not valid JSON`)
  }
  return parseConfig(parsed)
}
