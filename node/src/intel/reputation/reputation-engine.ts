import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import type { EngineResult } from '#protocol/messages.ts'
import { EngineNotStartedError, EngineUnavailableError, ScanAbortedError } from '../../scan/engine.ts'
import type { Engine, ScanInput } from '../../scan/engine.ts'
import { extractFeatures } from './features.ts'
import { decide, loadModel } from './model.ts'
import type { ReputationModel } from './model.ts'
import type { NetworkEvidence, NetworkParameters, ReputationEvidenceSource } from './network-features.ts'
import { MAX_SUBJECT_CHARS, subjectHost } from './subject.ts'
import { loadDefaultGuards } from './guards.ts'
import type { ReputationGuards } from './guards.ts'
import type { AbortOptions } from '@libp2p/interface'

export const REPUTATION_ENGINE_NAME = 'VirusMap-Reputation'
export const REPUTATION_ENGINE_VERSION = '1.0.0'
/** the shipped model, written by `npm run train:reputation` */
export const DEFAULT_MODEL_PATH = new URL('../../../models/reputation.json', import.meta.url)

export interface ReputationEngineOptions {
  modelPath?: string | URL
  /** live network features (reports, related files, votes, popularity); absent = unknown, as in the evaluation */
  evidence?: ReputationEvidenceSource
  parameters?: NetworkParameters
  /** popularity ranks and allowlist against false positives; default: vendored top-sites + eth-phishing-detect whitelist */
  guards?: ReputationGuards
  logger?: Logger
}

/**
 * The paper's domain reputation model as an engine: lexical KNN + decision tree from the shipped
 * model, expert rules over live network evidence when a source is wired. Pure and fast (no
 * worker): the subject is capped at MAX_SUBJECT_CHARS before any parsing.
 */
export function createReputationEngine (options: ReputationEngineOptions = {}): Engine {
  let model: ReputationModel | undefined
  let version = REPUTATION_ENGINE_VERSION
  let date = '19700101'
  let guards: ReputationGuards = { ranks: new Map(), allow: new Set() }
  const result = (category: EngineResult['category'], label = ''): EngineResult => ({
    engine: REPUTATION_ENGINE_NAME, engineVersion: version, engineUpdate: date, category, result: label.slice(0, 256), method: 'reputation'
  })

  const evidenceFor = async (host: string, { signal }: AbortOptions = {}): Promise<NetworkEvidence | undefined> => {
    if (options.evidence === undefined) return undefined
    try {
      return await options.evidence.evidence(host, { signal })
    } catch (err) {
      if (signal?.aborted === true) throw new ScanAbortedError({ cause: err })
      options.logger?.warn({ err, host }, 'reputation evidence unavailable: network features unknown for this scan')
      return undefined
    }
  }

  return {
    name: REPUTATION_ENGINE_NAME,
    get version () { return version },
    get signatureDate () { return date },
    kinds: ['domain', 'url'],
    async start () {
      const path = options.modelPath ?? DEFAULT_MODEL_PATH
      let json: string
      try {
        json = await readFile(path, 'utf8')
      } catch (err) {
        throw new EngineUnavailableError(`reputation model missing at ${String(path)}: run npm run train:reputation`, { cause: err })
      }
      try {
        model = loadModel(json)
      } catch (err) {
        throw new EngineUnavailableError(`reputation model at ${String(path)} is unusable: ${(err as Error).message}`, { cause: err })
      }
      try {
        guards = options.guards ?? await loadDefaultGuards()
      } catch (err) {
        throw new EngineUnavailableError('reputation guards (top-sites ranks, eth-phishing-detect whitelist) unreadable', { cause: err })
      }
      version = `${REPUTATION_ENGINE_VERSION}+${createHash('sha256').update(json).digest('hex').slice(0, 12)}`
      date = model.file.dataDate
    },
    async stop () { model = undefined },
    async scan (input: ScanInput, scanOptions = {}) {
      const { signal } = scanOptions
      if (model === undefined) throw new EngineNotStartedError(REPUTATION_ENGINE_NAME)
      throwIfAborted(scanOptions)
      if (input.kind !== 'domain' && input.kind !== 'url') return result('type-unsupported')
      const bytes = input.bytes.subarray(0, MAX_SUBJECT_CHARS + 1)
      const host = subjectHost(input.kind, new TextDecoder('utf-8', { fatal: false }).decode(bytes))
      if (host === undefined) return result('type-unsupported')
      const live = await evidenceFor(host, { signal })
      throwIfAborted(scanOptions)
      const rank = guards.ranks.get(host)
      // the network's own rank, when it has one, wins over the static list
      const evidence = rank === undefined ? live : { popularityRank: rank, ...live }
      const loaded = model
      if (loaded === undefined) throw new EngineNotStartedError(REPUTATION_ENGINE_NAME)
      const d = decide(loaded, extractFeatures(host, evidence, options.parameters), { allowlisted: guards.allow.has(host) })
      return result(d.category, d.label)
    }
  }
}

function throwIfAborted ({ signal }: AbortOptions): void {
  if (signal?.aborted === true) throw new ScanAbortedError({ cause: signal.reason })
}
