/** The node's engines, built from its config: the file engines of scan/ and the indicator engines of intel/. */
import { createArchiveEngine } from '../scan/archive-engine.ts'
import { withArchiveMembers } from '../scan/archive-members.ts'
import { createClamavEngine } from '../scan/clamav-engine.ts'
import { createHashListEngine } from '../scan/hash-list-engine.ts'
import { createHeuristicsEngine } from '../scan/heuristics-engine.ts'
import { createYaraEngine } from '../scan/yara-engine.ts'
import { createLookalikeEngine } from '../intel/lookalike-engine.ts'
import { createIndicatorLists } from '../intel/lists/indicator-lists.ts'
import type { IndicatorListsConfig } from '../intel/lists/indicator-lists.ts'
import { createReputationEngine } from '../intel/reputation/reputation-engine.ts'
import { createUrlHeuristicsEngine } from '../intel/url-heuristics-engine.ts'
import type { BrandOptions } from '../intel/brands.ts'
import type { ReputationEvidenceSource } from '../intel/reputation/network-features.ts'
import type { ClamdAddress } from '../scan/clamd.ts'
import type { Engine } from '../scan/engine.ts'
import type { Logger } from 'pino'

export interface EngineSetConfig {
  rulesDirs: string[]
  engineTimeoutMs: number
  /** warm YARA scanner processes */
  yaraProcesses: number
  /** private scratch space (7z extraction) */
  tmpDir: string
  /** clamd to stream samples to; null: no ClamAV on this node */
  clamav: { socket?: string, host?: string, port?: number, databaseDir?: string } | null
  hashFeeds: string[]
  heuristics: boolean
  archives: boolean
  /** look-alike domains and URL heuristics on domain and URL jobs; null: off */
  indicatorHeuristics: BrandOptions | null
  /** the paper's domain reputation model on domains and URLs; null: off */
  reputation: { evidence?: ReputationEvidenceSource } | null
  /** operator indicator feeds, eth-phishing-detect and protected addresses (lists and addresses engines); absent: off */
  indicatorLists?: IndicatorListsConfig
  /** engine ids this node runs, out of those configured above (its on-chain declaration); absent: all of them */
  engines?: readonly string[]
}

export interface EngineSet {
  /** the engines that started; the array is filled by start() and emptied by stop() */
  engines: Engine[]
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * The node's engines from its config. YARA is required (the node fails to start without it)
 * unless `engines` leaves it out; ClamAV, hash lists, heuristics and archives are optional: one
 * that cannot start is logged with the reason and left out, and the node runs with the rest.
 * Engines that `engines` leaves out are never started.
 */
export function createEngineSet (config: EngineSetConfig, logger: Logger): EngineSet {
  const engines: Engine[] = []
  const log = (name: string): Logger => logger.child({ engine: name })
  const runs = (engine: Engine): boolean => config.engines === undefined || config.engines.includes(engine.name)
  const archiveEngine = config.archives ? createArchiveEngine({ timeoutMs: config.engineTimeoutMs, tmpDir: config.tmpDir, logger: log('archive') }) : undefined
  // an archive engine the node does not run expands nothing for the others either
  const archives = archiveEngine !== undefined && runs(archiveEngine) ? archiveEngine : undefined
  const members = (engine: Engine): Engine => archives === undefined ? engine : withArchiveMembers(engine, archives, { logger })
  const required = [members(createYaraEngine({ rulesDirs: config.rulesDirs, timeoutMs: config.engineTimeoutMs, concurrency: config.yaraProcesses, logger: log('yara') }))].filter(runs)
  const optional: Engine[] = []
  if (archives !== undefined) optional.push(archives)
  if (config.heuristics) optional.push(members(createHeuristicsEngine({ timeoutMs: config.engineTimeoutMs, logger: log('heuristics') })))
  if (config.hashFeeds.length > 0) optional.push(members(createHashListEngine({ feeds: config.hashFeeds, timeoutMs: config.engineTimeoutMs, logger: log('hashlist') })))
  if (config.indicatorHeuristics !== null) optional.push(createLookalikeEngine(config.indicatorHeuristics), createUrlHeuristicsEngine())
  if (config.indicatorLists !== undefined) optional.push(...createIndicatorLists(config.indicatorLists, log('lists')))
  if (config.reputation !== null) optional.push(createReputationEngine({ evidence: config.reputation.evidence, logger: log('reputation') }))
  if (config.clamav !== null) {
    const { socket, host, port, databaseDir } = config.clamav
    const address: ClamdAddress = socket !== undefined ? { socket } : { host: host ?? '127.0.0.1', port: port ?? 3310 }
    optional.push(createClamavEngine({ address, databaseDir, timeoutMs: config.engineTimeoutMs, logger: log('clamav') }))
  } else {
    logger.info('ClamAV not configured (config "clamav": {"socket": "/run/clamav/clamd.ctl"}): running without it')
  }
  const built = new Set([...required, ...optional].map((e) => e.name))
  const missing = config.engines?.filter((id) => !built.has(id)) ?? []
  if (missing.length > 0) logger.warn({ engines: missing }, 'engines listed in "engines" are not configured on this node: running without them')
  const chosen = optional.filter(runs)
  return {
    engines,
    async start () {
      for (const engine of required) {
        await engine.start()
        engines.push(engine)
      }
      for (const engine of chosen) {
        try {
          await engine.start()
          engines.push(engine)
        } catch (err) {
          logger.warn({ engine: engine.name, err }, `${engine.name} unavailable: running without it`)
        }
      }
      logger.info({ engines: engines.map(e => `${e.name} ${e.version} (${e.signatureDate})`) }, 'engines started')
    },
    async stop () {
      const running = engines.splice(0)
      await Promise.all(running.map(async e => { await e.stop() }))
    }
  }
}
