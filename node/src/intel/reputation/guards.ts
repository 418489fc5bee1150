import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { parseSource } from './datasets.ts'
import { subjectHost } from './subject.ts'

/**
 * False-positive guards for the deployed engine (not used in the evaluation): popularity ranks
 * (the paper's Alexa/Majestic guard; here the vendored top-sites list until the network has rank
 * data) and an allowlist (eth-phishing-detect's whitelist: crypto projects whose names look like
 * phishing). Exact host match: a rank for google.com says nothing about sites.google.com pages.
 */
export interface ReputationGuards {
  ranks: ReadonlyMap<string, number>
  allow: ReadonlySet<string>
}

export const DEFAULT_RANKS_PATH = new URL('../../../data/top-sites.tsv', import.meta.url)

export function parseRanks (text: string): Map<string, number> {
  const ranks = new Map<string, number>()
  for (const line of text.split(/\r?\n/)) {
    const [rank = '', name = ''] = line.split('\t')
    const host = subjectHost('domain', name)
    if (/^\d+$/.test(rank) && host !== undefined && !ranks.has(host)) ranks.set(host, Number(rank))
  }
  return ranks
}

export async function loadDefaultGuards (): Promise<ReputationGuards> {
  const require = createRequire(import.meta.url)
  const [ranks, eth] = await Promise.all([
    readFile(DEFAULT_RANKS_PATH, 'utf8'),
    readFile(require.resolve('eth-phishing-detect/src/config.json'), 'utf8')
  ])
  return { ranks: parseRanks(ranks), allow: new Set(parseSource('eth-phishing-detect-whitelist', eth)) }
}
