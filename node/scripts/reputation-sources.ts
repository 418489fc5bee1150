/**
 * The labelled lists the reputation model is trained on, read from where they are installed:
 * eth-phishing-detect and third-party-web (npm), top-sites (vendored in node/data), and four lists
 * of Debian's webext-ublock-origin-firefox. Shared by the training command and the threshold bench.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { SourceText } from './reputation/labelled-hosts.ts'
import { parseDomainMap, splitPopularHosts } from '../src/intel/reputation/popular-hosts.ts'
import type { PopularHosts } from '../src/intel/reputation/popular-hosts.ts'

export const UBLOCK_ASSETS = '/usr/share/mozilla/extensions/{ec8030f7-c20a-464f-9b0e-13a3a9e97384}/uBlock0@raymondhill.net/assets'
export const POPULAR_SOURCE = 'third-party-web tune half'

export interface ReputationSources {
  sources: Array<SourceText & { version: string }>
  /** the popular hosts, both halves: only `tune` is among the sources */
  popular: PopularHosts
  /** urlhaus-filter's text: its "! Updated:" header dates the model */
  urlhaus: string
}

const require = createRequire(import.meta.url)
const npmVersion = (name: string): string => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version

/** Exits with 2 and says what to install when uBlock Origin's lists are missing. */
export function readReputationSources (ublock = UBLOCK_ASSETS): ReputationSources {
  if (!existsSync(ublock)) {
    console.error(`uBlock Origin's lists are missing at ${ublock}: apt-get install webext-ublock-origin-firefox`)
    process.exit(2)
  }
  let ublockVersion = 'unknown'
  try {
    ublockVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'webext-ublock-origin-firefox'], { encoding: 'utf8' })
  } catch {}
  const ub = (p: string): string => readFileSync(`${ublock}/${p}`, 'utf8')
  const deb = `deb webext-ublock-origin-firefox ${ublockVersion}`
  const eth = `npm eth-phishing-detect@${npmVersion('eth-phishing-detect')}`
  const ethConfig = readFileSync(require.resolve('eth-phishing-detect/src/config.json'), 'utf8')
  const urlhaus = ub('thirdparties/urlhaus-filter/urlhaus-filter-online.txt')
  // only the tune half is trained on: the held-out half is what false positives are reported on
  const popular = splitPopularHosts(parseDomainMap(readFileSync(require.resolve('third-party-web/dist/domain-map.csv'), 'utf8')))
  const sources: ReputationSources['sources'] = [
    { name: 'top-sites', label: 'benign', format: 'top-sites-tsv', version: 'npm top-sites@1.1.222 (vendored)', text: readFileSync(new URL('../data/top-sites.tsv', import.meta.url), 'utf8') },
    { name: POPULAR_SOURCE, label: 'benign', format: 'hosts-lines', version: `npm third-party-web@${npmVersion('third-party-web')} (benign categories, tune half)`, text: popular.tune.join('\n') },
    { name: 'eth-phishing-detect whitelist', label: 'benign', format: 'eth-phishing-detect-whitelist', version: eth, text: ethConfig },
    { name: 'eth-phishing-detect blacklist', label: 'phishing', format: 'eth-phishing-detect-blacklist', version: eth, text: ethConfig },
    { name: 'urlhaus-filter online', label: 'malware', format: 'hosts-lines', version: deb, text: urlhaus },
    { name: 'uBlock badware', label: 'scam', format: 'adblock', version: deb, text: ub('ublock/badware.min.txt') },
    { name: 'EasyList', label: 'adware', format: 'adblock', version: deb, text: ub('thirdparties/easylist/easylist.txt') },
    { name: 'EasyPrivacy', label: 'tracker', format: 'adblock', version: deb, text: ub('thirdparties/easylist/easyprivacy.txt') }
  ]
  return { sources, popular, urlhaus }
}
