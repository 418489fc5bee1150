import { readFile } from 'node:fs/promises'
import type { Hex } from '#protocol/messages.ts'
import { API_DEFAULTS, checkApiOptions, type ApiOptions } from '../api/api-options.ts'
import { API_LIMIT_DEFAULTS, checkApiLimits, type ApiLimits } from '../api/limits.ts'
import { CHAIN_DEFAULTS, checkChainOptions, type ChainOptions } from '../chain/chain-options.ts'
import { SAMPLE_DEFAULTS, checkSampleOptions, type SampleOptions } from '../ingest/sample-options.ts'
import { NETWORK_DEFAULTS, checkNetworkOptions, type NetworkOptions } from '../network/network-options.ts'
import { QUORUM_DEFAULTS, readQuorumOptions, type QuorumOptions } from '../quorum/quorum-options.ts'
import { ENGINE_DEFAULTS, readEngineOptions, type EngineOptions } from './engine-options.ts'
import { HUNT_DEFAULTS, checkHuntOptions, type HuntOptions } from '../hunt/hunt-options.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface Deployment {
  chainId: number
  rpcUrl: string
  deployBlock: number
  /** `parameters` (NetworkParameters), `anchors` (ReportAnchors), `market` (DataMarket), `rewards` (RewardsDistributor) and `evidence` (EquivocationEvidence) are absent in deployments made before they existed */
  contracts: { vmt: Hex, timelock: Hex, governor: Hex, registry: Hex, parameters?: Hex, anchors?: Hex, market?: Hex, rewards?: Hex, evidence?: Hex, deposits?: Hex }
}

/** What only the node as a whole reads: where it keeps its data and the deployment it serves. */
export interface NodeOptions {
  dataDir: string
  deployment: Deployment
}

/**
 * A node's config file: one flat JSON object, each subsystem's options under their own names, with
 * their defaults and validation beside the subsystem: the chain (chain/chain-options.ts), the libp2p
 * host (network/network-options.ts), samples (ingest/sample-options.ts), the API (api/api-options.ts,
 * api/limits.ts), job timing (quorum/quorum-options.ts) and the engines (engine-options.ts).
 * Flat, as every config written so far is, so each key is also the option's name in its subsystem.
 */
export type SupernodeConfig = NodeOptions & ChainOptions & NetworkOptions & SampleOptions & ApiOptions & ApiLimits & QuorumOptions & EngineOptions & HuntOptions

export const CONFIG_DEFAULTS = {
  ...CHAIN_DEFAULTS,
  ...NETWORK_DEFAULTS,
  ...SAMPLE_DEFAULTS,
  ...API_DEFAULTS,
  ...API_LIMIT_DEFAULTS,
  ...QUORUM_DEFAULTS,
  ...ENGINE_DEFAULTS,
  ...HUNT_DEFAULTS
} as const satisfies Omit<SupernodeConfig, 'dataDir' | 'deployment' | 'engines'>

/** each subsystem's check: what is wrong with its options, or undefined */
const CHECKS = [checkChainOptions, checkNetworkOptions, checkSampleOptions, checkApiOptions, checkApiLimits, checkHuntOptions]

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
  for (const name of ['parameters', 'anchors', 'market', 'rewards', 'evidence', 'deposits']) {
    check(contracts?.[name] === undefined || (typeof contracts[name] === 'string' && ADDRESS.test(contracts[name] as string)), `deployment.contracts.${name} must be an address`)
  }
  for (const name of ['vmt', 'timelock', 'governor', 'registry']) {
    check(typeof contracts?.[name] === 'string' && ADDRESS.test(contracts[name] as string), `deployment.contracts.${name} must be an address`)
  }
  for (const problemOf of CHECKS) {
    const problem = problemOf(cfg)
    check(problem === undefined, problem as string)
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
