/** The node's engines, built from its config: the file engines of scan/ and the indicator engines of intel/. */
import { createArchiveEngine } from '../scan/archive-engine.ts'
import { withArchiveMembers } from '../scan/archive-members.ts'
import { createClamavEngine } from '../scan/clamav-engine.ts'
import { createHashListEngine } from '../scan/hash-list-engine.ts'
import { createHeuristicsEngine } from '../scan/heuristics-engine.ts'
import { createTlshEngine } from '../scan/tlsh-engine.ts'
import { createYaraEngine } from '../scan/yara-engine.ts'
import { createLookalikeEngine } from '../intel/lookalike-engine.ts'
import { createGuardReportsEngine } from '../intel/guard-reports-engine.ts'
import { createIndicatorLists } from '../intel/lists/indicator-lists.ts'
import type { GuardReportRepository } from '../db/guard-report-repository.ts'
import { createReputationEngine } from '../intel/reputation/reputation-engine.ts'
import { createUrlHeuristicsEngine } from '../intel/url-heuristics-engine.ts'
import { createReputationEvidence } from '../intel/reputation-evidence.ts'
import type { ReputationEvidenceComponents } from '../intel/reputation-evidence.ts'
import type { IntelMetrics } from '../metrics/registry.ts'
import type { EngineOptions } from './engine-options.ts'
import type { ClamdAddress } from '../scan/clamd.ts'
import type { Engine } from '../scan/engine.ts'
import type { Logger } from 'pino'

export interface EngineSetOptions extends EngineOptions {
  /** private scratch space (7z extraction) */
  tmpDir: string
}

export interface EngineSetComponents {
  logger: Logger
  /** this node's reports and file relations, where the reputation model reads its live features; absent: none */
  evidence?: ReputationEvidenceComponents
  metrics?: IntelMetrics
  /** wallet guards' signed reports by subject and submitter: VirusMap-GuardReports counts them; absent: that engine is not built */
  guardReports?: GuardReportRepository
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
export function createEngineSet (config: EngineSetOptions, components: EngineSetComponents): EngineSet {
  const { logger } = components
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
  if (config.hashFeeds.length > 0) optional.push(members(createHashListEngine({ feeds: config.hashFeeds, tlshThreshold: config.hashListTlshThreshold, timeoutMs: config.engineTimeoutMs, logger: log('hashlist') })))
  // the digest is of the sample as submitted, so archive members are not expanded for it
  if (config.tlsh) optional.push(createTlshEngine({ timeoutMs: config.engineTimeoutMs, logger: log('tlsh') }))
  if (config.indicatorHeuristics) optional.push(createLookalikeEngine({ protectedDomains: config.protectedDomains, allowlist: config.allowlist }), createUrlHeuristicsEngine())
  optional.push(...createIndicatorLists({ feeds: config.intelFeeds, ethPhishingDetect: config.ethPhishingDetect, protectedAddresses: config.protectedAddresses, metrics: components.metrics }, log('lists')))
  if (components.guardReports !== undefined) optional.push(createGuardReportsEngine({ reports: components.guardReports, logger: log('guard-reports') }))
  if (config.reputation) {
    const evidence = components.evidence === undefined ? undefined : createReputationEvidence({ highConfidenceEngines: config.highConfidenceEngines }, components.evidence)
    optional.push(createReputationEngine({ evidence, logger: log('reputation') }))
  }
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
