/**
 * The engines' options: the keys of a node's config file that choose and tune its engines, their
 * defaults and their validation, in one place. A new engine option is added here and read in
 * engine-set.ts; config.ts composes these with the other subsystems' options unchanged.
 */
import { ENGINE_ID, MAX_ENGINES } from '#governance/engines.ts'
import { checkProtectedAddresses, parseFeedConfigs } from '../intel/lists/feed-config.ts'
import type { IndicatorFeedConfig } from '../intel/lists/indicator-feed.ts'
import { DEFAULT_TLSH_THRESHOLD } from '../scan/hash-list.ts'

/** clamd to stream samples to: its socket, or host and port; `databaseDir` dates the signatures */
export interface ClamavOption { socket?: string, host?: string, port?: number, databaseDir?: string }

export interface EngineOptions {
  rulesDirs: string[]
  engineTimeoutMs: number
  /** warm YARA scanner processes (scans at once); each holds the compiled rules (about 90 MB with the project's) */
  yaraProcesses: number
  /** clamd to stream samples to ({"socket": path} or {"host","port"}, optional "databaseDir" to date the signatures); null: no ClamAV */
  clamav: ClamavOption | null
  /** known-bad hash feeds (md5/sha1/sha256 per line, or ClamAV .hdb/.hsb); re-read when they change */
  hashFeeds: string[]
  /** TLSH body distance within which a sample matches a TLSH digest listed in hashFeeds (-1: exact hashes only) */
  hashListTlshThreshold: number
  /** the `tlsh` engine: every file's TLSH digest, which the rewards' near-duplicate rule reads */
  tlsh: boolean
  /** static heuristics engine (PE/ELF/Mach-O/scripts/Office/PDF) */
  heuristics: boolean
  /** expand zip/tar/gzip/7z samples so every engine also sees the members */
  archives: boolean
  /** look-alike domain and URL heuristic engines on domain and URL jobs */
  indicatorHeuristics: boolean
  /** registered domains phishers imitate, beyond eth-phishing-detect's fuzzylist */
  protectedDomains: string[]
  /** domains never flagged as look-alikes, beyond eth-phishing-detect's whitelist and the top sites */
  allowlist: string[]
  /** operator indicator lists (file or http(s), refreshed at run time) for the lists and addresses engines */
  intelFeeds: IndicatorFeedConfig[]
  /** eth-phishing-detect's data from npm in the lists engine */
  ethPhishingDetect: boolean
  /** wallet addresses whose look-alikes the addresses engine flags as address poisoning */
  protectedAddresses: string[]
  /** the paper's domain reputation model (docs/reputation.md) on domains and URLs */
  reputation: boolean
  /** engines whose detections the reputation model trusts most (its high-confidence engines) */
  highConfidenceEngines: string[]
  /**
   * engine ids this node runs (e.g. ["YARA", "VirusMap-Heuristics"]); absent: every engine it has.
   * Only engines registered to the operator on chain count, so this is the list governance declares.
   */
  engines?: string[]
}

export const ENGINE_DEFAULTS = {
  rulesDirs: [],
  engineTimeoutMs: 30_000,
  yaraProcesses: 2,
  clamav: null,
  hashFeeds: [],
  hashListTlshThreshold: DEFAULT_TLSH_THRESHOLD,
  tlsh: true,
  heuristics: true,
  archives: true,
  indicatorHeuristics: true,
  protectedDomains: [],
  allowlist: [],
  intelFeeds: [],
  ethPhishingDetect: true,
  protectedAddresses: [],
  reputation: true,
  highConfidenceEngines: []
} as const satisfies Omit<EngineOptions, 'engines'>

const MAX_YARA_PROCESSES = 64

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((s) => typeof s === 'string')

/**
 * The engine options out of a config object whose defaults are already filled in, with the intel
 * feeds' own defaults added, or what is wrong with them (config.ts turns that into its ConfigError).
 */
export function readEngineOptions (cfg: Record<string, unknown>): EngineOptions | string {
  const { engineTimeoutMs, yaraProcesses, clamav, engines } = cfg
  if (!Number.isSafeInteger(engineTimeoutMs) || (engineTimeoutMs as number) < 0) return 'engineTimeoutMs must be a non-negative integer'
  if (!Number.isSafeInteger(yaraProcesses) || (yaraProcesses as number) < 1 || (yaraProcesses as number) > MAX_YARA_PROCESSES) return `yaraProcesses must be an integer from 1 to ${MAX_YARA_PROCESSES}`
  if (![cfg.heuristics, cfg.archives, cfg.indicatorHeuristics, cfg.reputation, cfg.tlsh].every((b) => typeof b === 'boolean')) return 'heuristics, archives, indicatorHeuristics, reputation and tlsh must be true or false'
  // 768: the largest TLSH body distance
  if (!Number.isSafeInteger(cfg.hashListTlshThreshold) || (cfg.hashListTlshThreshold as number) < -1 || (cfg.hashListTlshThreshold as number) > 768) return 'hashListTlshThreshold must be an integer from -1 (off) to 768'
  if (typeof cfg.ethPhishingDetect !== 'boolean') return 'ethPhishingDetect must be true or false'
  const clam = clamav as Record<string, unknown> | null
  if (!(clam === null || (typeof clam === 'object' && !Array.isArray(clam) &&
    (typeof clam.socket === 'string' || (typeof clam.host === 'string' && Number.isSafeInteger(clam.port))) &&
    (clam.databaseDir === undefined || typeof clam.databaseDir === 'string')))) return 'clamav must be null, {"socket": path} or {"host", "port"} (optional "databaseDir")'
  for (const key of ['rulesDirs', 'hashFeeds', 'highConfidenceEngines', 'protectedDomains', 'allowlist']) {
    if (!isStringList(cfg[key])) return `${key} must be a list of strings`
  }
  if (!(engines === undefined || (Array.isArray(engines) && engines.length <= MAX_ENGINES && new Set(engines).size === engines.length &&
    engines.every((id) => typeof id === 'string' && ENGINE_ID.test(id))))) return `engines must be a list of at most ${MAX_ENGINES} distinct engine ids ([A-Za-z0-9][A-Za-z0-9 ._+-]{0,63})`
  const intelFeeds = parseFeedConfigs(cfg.intelFeeds)
  if (typeof intelFeeds === 'string') return intelFeeds
  const addresses = checkProtectedAddresses(cfg.protectedAddresses)
  if (addresses !== undefined) return addresses
  // every key the defaults name, and `engines` where given: a new option is picked up without a line here
  const keys = [...Object.keys(ENGINE_DEFAULTS), 'engines'].filter((key) => cfg[key] !== undefined)
  return { ...Object.fromEntries(keys.map((key) => [key, cfg[key]])), intelFeeds } as unknown as EngineOptions
}
