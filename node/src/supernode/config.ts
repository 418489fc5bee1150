import { readFile } from 'node:fs/promises'
import type { Hex } from '../../../protocol/src/messages.ts'
import { API_LIMIT_DEFAULTS, limitMinimum, type ApiLimits } from '../api/limits.ts'
import { ENGINE_ID, MAX_ENGINES } from '../../../governance/src/engines.ts'
import { checkProtectedAddresses, parseFeedConfigs } from '../intel/lists/feed-config.ts'
import type { IndicatorFeedConfig } from '../intel/lists/indicator-feed.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface Deployment {
  chainId: number
  rpcUrl: string
  deployBlock: number
  /** `parameters` (NetworkParameters), `anchors` (ReportAnchors), `market` (DataMarket), `rewards` (RewardsDistributor) and `evidence` (EquivocationEvidence) are absent in deployments made before they existed */
  contracts: { vmt: Hex, timelock: Hex, governor: Hex, registry: Hex, parameters?: Hex, anchors?: Hex, market?: Hex, rewards?: Hex, evidence?: Hex }
}

/** ApiLimits: maxUploadsPerKey, maxUploadsPerNode and the API's timeouts (api/limits.ts) */
export interface SupernodeConfig extends ApiLimits {
  dataDir: string
  apiHost: string
  apiPort: number
  listen: string[]
  bootstrap: string[]
  deployment: Deployment
  confirmations: number
  pollIntervalMs: number
  rulesDirs: string[]
  maxSampleBytes: number
  commitWindowMs: number
  revealWindowMs: number
  commitMsPerMiB: number
  /** extra commit time per job whose commit window is still open when a job is made (SPEC section 10) */
  commitMsPerQueuedJob: number
  /** most of its own jobs this node keeps open; further submissions wait for a slot (protocol SPEC section 10) */
  maxActiveJobs: number
  engineTimeoutMs: number
  /** how long each epoch proposer rank waits after the one before it (protocol SPEC section 15) */
  anchorTurnMs: number
  /** warm YARA scanner processes (scans at once); each holds the compiled rules (about 90 MB with the project's) */
  yaraProcesses: number
  /** clamd to stream samples to ({"socket": path} or {"host","port"}, optional "databaseDir" to date the signatures); null: no ClamAV */
  clamav?: { socket?: string, host?: string, port?: number, databaseDir?: string } | null
  /** known-bad hash feeds (md5/sha1/sha256 per line, or ClamAV .hdb/.hsb); re-read when they change */
  hashFeeds?: string[]
  /** static heuristics engine (PE/ELF/Mach-O/scripts/Office/PDF) */
  heuristics?: boolean
  /** expand zip/tar/gzip/7z samples so every engine also sees the members */
  archives?: boolean
  /** look-alike domain and URL heuristic engines on domain and URL jobs */
  indicatorHeuristics?: boolean
  /** registered domains phishers imitate, beyond eth-phishing-detect's fuzzylist */
  protectedDomains?: string[]
  /** domains never flagged as look-alikes, beyond eth-phishing-detect's whitelist and the top sites */
  allowlist?: string[]
  /** operator indicator lists (file or http(s), refreshed at run time) for the lists and addresses engines */
  intelFeeds?: IndicatorFeedConfig[]
  /** eth-phishing-detect's data from npm in the lists engine */
  ethPhishingDetect?: boolean
  /** wallet addresses whose look-alikes the addresses engine flags as address poisoning */
  protectedAddresses?: string[]
  /** the paper's domain reputation model (docs/reputation.md) on domains and URLs */
  reputation?: boolean
  /** engines whose detections the reputation model trusts most (its high-confidence engines) */
  highConfidenceEngines?: string[]
  /**
   * engine ids this node runs (e.g. ["YARA", "VirusMap-Heuristics"]); absent: every engine it has.
   * Only engines registered to the operator on chain count, so this is the list governance declares.
   */
  engines?: string[]
  /** x-apikey on /api/v3 and /api/virusmap (keys: `virusmap apikey create`); false opens them to anyone */
  requireApiKey: boolean
}

export const CONFIG_DEFAULTS = {
  apiHost: '127.0.0.1',
  apiPort: 0,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [],
  confirmations: 2,
  pollIntervalMs: 1000,
  rulesDirs: [],
  maxSampleBytes: 650 * 1024 * 1024,
  commitWindowMs: 5000,
  revealWindowMs: 10_000,
  commitMsPerMiB: 200,
  // a member's share of one job (fetch, scans, three signatures, 3n messages) is about 0.1-0.4 s of a core
  commitMsPerQueuedJob: 250,
  maxActiveJobs: 16,
  engineTimeoutMs: 30_000,
  anchorTurnMs: 30_000,
  yaraProcesses: 2,
  clamav: null,
  hashFeeds: [],
  heuristics: true,
  archives: true,
  indicatorHeuristics: true,
  protectedDomains: [],
  allowlist: [],
  intelFeeds: [],
  ethPhishingDetect: true,
  protectedAddresses: [],
  reputation: true,
  highConfidenceEngines: [],
  requireApiKey: true,
  ...API_LIMIT_DEFAULTS
} as const satisfies Partial<SupernodeConfig>

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
  for (const key of ['apiPort', 'confirmations', 'pollIntervalMs', 'maxSampleBytes', 'commitWindowMs', 'revealWindowMs', 'commitMsPerMiB', 'commitMsPerQueuedJob', 'engineTimeoutMs']) {
    check(Number.isSafeInteger(cfg[key]) && (cfg[key] as number) >= 0, `${key} must be a non-negative integer`)
  }
  check(Number.isSafeInteger(cfg.maxActiveJobs) && (cfg.maxActiveJobs as number) >= 1, 'maxActiveJobs must be a positive integer')
  check(Number.isSafeInteger(cfg.anchorTurnMs) && (cfg.anchorTurnMs as number) >= 1000, 'anchorTurnMs must be an integer of at least 1000')
  check(Number.isSafeInteger(cfg.yaraProcesses) && (cfg.yaraProcesses as number) >= 1 && (cfg.yaraProcesses as number) <= 64, 'yaraProcesses must be an integer from 1 to 64')
  // zero would refuse every upload or, for a timeout, turn it off
  for (const key of Object.keys(API_LIMIT_DEFAULTS)) {
    const least = limitMinimum(key)
    check(Number.isSafeInteger(cfg[key]) && (cfg[key] as number) >= least, `${key} must be an integer of at least ${least}`)
  }
  check(typeof cfg.requireApiKey === 'boolean', 'requireApiKey must be true or false')
  check(typeof cfg.heuristics === 'boolean' && typeof cfg.archives === 'boolean' && typeof cfg.reputation === 'boolean' && typeof cfg.indicatorHeuristics === 'boolean',
    'heuristics, archives, indicatorHeuristics and reputation must be true or false')
  const clam = cfg.clamav as Record<string, unknown> | null
  check(clam === null || (typeof clam === 'object' && !Array.isArray(clam) &&
    (typeof clam.socket === 'string' || (typeof clam.host === 'string' && Number.isSafeInteger(clam.port))) &&
    (clam.databaseDir === undefined || typeof clam.databaseDir === 'string')), 'clamav must be null, {"socket": path} or {"host", "port"} (optional "databaseDir")')
  for (const key of ['listen', 'bootstrap', 'rulesDirs', 'hashFeeds', 'highConfidenceEngines', 'protectedDomains', 'allowlist']) {
    check(Array.isArray(cfg[key]) && (cfg[key] as unknown[]).every((s) => typeof s === 'string'), `${key} must be a list of strings`)
  }
  check(typeof cfg.ethPhishingDetect === 'boolean', 'ethPhishingDetect must be true or false')
  const engines = cfg.engines
  check(engines === undefined || (Array.isArray(engines) && engines.length <= MAX_ENGINES && new Set(engines).size === engines.length &&
    engines.every((id) => typeof id === 'string' && ENGINE_ID.test(id))), `engines must be a list of at most ${MAX_ENGINES} distinct engine ids ([A-Za-z0-9][A-Za-z0-9 ._+-]{0,63})`)
  const feeds = parseFeedConfigs(cfg.intelFeeds)
  check(typeof feeds !== 'string', feeds as string)
  cfg.intelFeeds = feeds
  const addresses = checkProtectedAddresses(cfg.protectedAddresses)
  check(addresses === undefined, addresses ?? '')
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
