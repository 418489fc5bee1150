import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseFuzzy } from '#protocol/rewards/fuzzy.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/params.ts'
import { columnValue, feedColumns, MAX_ROW_CHARS, splitCsvRow } from './feed-columns.ts'
import type { FeedColumns } from './feed-columns.ts'
import { TLSH_ENGINE_MAX_BYTES, TlshError, tlsh } from './tlsh.ts'
import { TlshNeighbours } from './tlsh-neighbours.ts'
import type { TlshNeighbour } from './tlsh-neighbours.ts'
import type { CreateScanner, WorkerScanner } from './worker-protocol.ts'

/**
 * Hash-list feeds: operator-supplied files of known-bad hashes. One entry per line:
 *   <md5|sha1|sha256 hex> [label]            (plain lists, "#" comments, CSV-ish separators)
 *   <TLSH digest> [label]                    ("T1" + 70 hex, or 3.x's 70 hex: a listed sample whose variants match too)
 *   <hash>:<size>:<label>[:...]              (ClamAV .hdb/.hsb lines)
 *   CSV rows under a header naming columns   (MalwareBazaar's exports: sha256_hash, signature, tlsh; feed-columns.ts)
 * Lines that are not one of these are counted and skipped, never fatal: one bad line in a feed
 * of millions must not cost the node the feed.
 */
export interface HashFeed {
  /** hex digest (lowercase) -> label */
  entries: Map<string, string>
  /** TLSH digest (lowercase "t1" + 70 hex) -> label */
  tlsh: Map<string, string>
  lines: number
  skipped: number
}

const HEX_LENGTHS = new Set([32, 40, 64])
const LABEL_CHARS = /[^\w.\-:/]/g
const MAX_LABEL = 96
/** one feed file larger than this is refused (a feed of 10 million sha256 lines is ~700 MiB) */
export const MAX_FEED_BYTES = 1024 * 1024 * 1024

export const feedLabel = (path: string): string => `HashList.${basename(path).replace(/\.[^.]*$/, '').replace(/[^\w.-]/g, '_')}`

export function parseFeed (text: string, defaultLabel: string): HashFeed {
  const entries = new Map<string, string>()
  const tlshEntries = new Map<string, string>()
  let columns: FeedColumns | undefined
  let lines = 0
  let skipped = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const comment = line.startsWith('#') ? line.slice(1) : line.startsWith('//') ? line.slice(2) : undefined
    if (comment !== undefined) {
      columns = feedColumns(comment) ?? columns
      continue
    }
    const found = (columns === undefined ? undefined : rowEntries(line, columns, defaultLabel)) ?? lineEntry(line, defaultLabel)
    if (found === undefined) {
      // a header row outside a comment names the columns of the rows after it
      const named = feedColumns(line)
      if (named !== undefined) columns = named
      else { lines++; skipped++ }
      continue
    }
    lines++
    if (found.hash !== undefined) entries.set(found.hash, found.label)
    if (found.tlsh !== undefined) tlshEntries.set(found.tlsh, found.label)
  }
  return { entries, tlsh: tlshEntries, lines, skipped }
}

interface FeedEntry { hash?: string, tlsh?: string, label: string }

const cleanLabel = (label: string, defaultLabel: string): string => {
  const clean = label.replace(LABEL_CHARS, '_').slice(0, MAX_LABEL)
  return clean === '' ? defaultLabel : clean
}

const isHex = (value: string, length: number): boolean => value.length === length && /^[0-9a-f]+$/.test(value)

/** a listed TLSH digest, lowercase, in either spelling ("t1" + 70 hex, or 3.x's 70 hex), canonical; else undefined */
const listedTlsh = (token: string): string | undefined => parseFuzzy(token.length === 70 ? `t1${token}` : token)

/** a plain line: its first token is the hash or TLSH digest, the next word (or an hdb line's name) the label */
function lineEntry (line: string, defaultLabel: string): FeedEntry | undefined {
  if (line.length > MAX_ROW_CHARS) return undefined
  const cut = line.search(/[\s,;:|]/)
  const first = (cut === -1 ? line : line.slice(0, cut)).toLowerCase()
  const fuzzy = listedTlsh(first)
  if (fuzzy === undefined && !(HEX_LENGTHS.has(first.length) && isHex(first, first.length))) return undefined
  let rest = cut === -1 ? '' : line.slice(cut + 1).trim()
  // ClamAV hdb/hsb: size (or "*") then the name
  const hdb = /^(?:\d+|\*):([^:]+)/.exec(rest)
  if (hdb !== null) rest = hdb[1] ?? ''
  const label = cleanLabel(rest.split(/[\s,;|]/)[0] ?? '', defaultLabel)
  return fuzzy === undefined ? { hash: first, label } : { tlsh: fuzzy, label }
}

/** a row of a feed with named columns: its strongest hash and its TLSH digest, labelled by its signature */
function rowEntries (line: string, columns: FeedColumns, defaultLabel: string): FeedEntry | undefined {
  const fields = splitCsvRow(line)
  if (fields === undefined) return undefined
  const hash = columns.hashes
    .map(({ index, length }) => ({ value: columnValue(fields, index)?.toLowerCase(), length }))
    .find(({ value, length }) => value !== undefined && isHex(value, length))?.value
  const digest = columnValue(fields, columns.tlsh)?.toLowerCase()
  const fuzzy = digest === undefined ? undefined : listedTlsh(digest)
  if (hash === undefined && fuzzy === undefined) return undefined
  return { hash, tlsh: fuzzy, label: cleanLabel(columnValue(fields, columns.label) ?? '', defaultLabel) }
}

export interface HashListOptions {
  feeds: string[]
  /** how often, at most, a scan checks the feeds' size and mtime for changes (0: every scan) */
  reloadCheckMs: number
  /**
   * a sample whose TLSH is within this body distance of a listed TLSH is flagged with that entry's
   * label (-1: exact hashes only). Default: the rewards' fuzzyThreshold, the distance at which the
   * near-duplicate rule calls two samples one (simulations: a mutator's return turns negative)
   */
  tlshThreshold?: number
}

export const DEFAULT_TLSH_THRESHOLD = DEFAULT_REWARD_PARAMS.fuzzyThreshold

export interface HashListDetail {
  md5: string
  sha1: string
  sha256: string
  entries: number
  skippedLines: number
  /** the sample's TLSH and its nearest listed neighbour, when the feeds list TLSH digests */
  tlsh?: { digest: string, neighbour?: TlshNeighbour } | { code: string }
}

interface Loaded { key: string, feed: HashFeed }

/**
 * The worker side of the hash-list engine. Feeds are re-read when their size or mtime changes
 * (checked at most every reloadCheckMs, on the next scan), so an operator updates a feed by
 * replacing the file, with no restart. A feed that vanishes or cannot be read keeps its last
 * good contents; the signature date is the newest feed's mtime.
 */
export const createScanner: CreateScanner<HashListOptions, HashListDetail> = async (options) => {
  const loaded = new Map<string, Loaded>()
  let merged = new Map<string, string>()
  let neighbours = new TlshNeighbours()
  const threshold = options.tlshThreshold ?? DEFAULT_TLSH_THRESHOLD
  let skippedLines = 0
  let newestMtime = 0
  let lastCheck = 0

  async function refresh (force: boolean): Promise<void> {
    const now = Date.now()
    if (!force && now - lastCheck < options.reloadCheckMs) return
    lastCheck = now
    let changed = false
    let newest = 0
    for (const path of options.feeds) {
      let info
      try {
        info = await stat(path)
      } catch (err) {
        if (force) throw new Error(`hash feed ${path}: ${(err as Error).message}`, { cause: err })
        continue
      }
      newest = Math.max(newest, info.mtimeMs)
      const key = `${info.size}:${info.mtimeMs}:${info.ino}`
      if (loaded.get(path)?.key === key) continue
      if (info.size > MAX_FEED_BYTES) throw new Error(`hash feed ${path} is ${info.size} bytes, over ${MAX_FEED_BYTES}`)
      const feed = parseFeed(await readFile(path, 'utf8'), feedLabel(path))
      loaded.set(path, { key, feed })
      changed = true
    }
    newestMtime = Math.max(newest, newestMtime)
    if (!changed) return
    // earlier feeds win on a hash listed twice, so the operator's order decides the label
    const next = new Map<string, string>()
    const nextTlsh = new Map<string, string>()
    skippedLines = 0
    for (const path of options.feeds.toReversed()) {
      const feed = loaded.get(path)?.feed
      if (feed === undefined) continue
      skippedLines += feed.skipped
      for (const [hash, label] of feed.entries) next.set(hash, label)
      for (const [digest, label] of feed.tlsh) nextTlsh.set(digest, label)
    }
    merged = next
    neighbours = new TlshNeighbours()
    for (const [digest, label] of nextTlsh) neighbours.add(digest, label)
  }

  if (options.feeds.length === 0) throw new Error('no hash feeds configured')
  await refresh(true)

  const scanner: WorkerScanner<HashListDetail> = {
    version: '1.0.0',
    signatureDate: () => new Date(newestMtime).toISOString().slice(0, 10).replaceAll('-', ''),
    async scan (bytes) {
      try {
        await refresh(false)
      } catch { /* keep the last good feeds; the next check retries */ }
      const digest = (alg: string): string => createHash(alg).update(bytes).digest('hex')
      const detail: HashListDetail = { md5: digest('md5'), sha1: digest('sha1'), sha256: digest('sha256'), entries: merged.size + neighbours.size, skippedLines }
      const label = merged.get(detail.sha256) ?? merged.get(detail.sha1) ?? merged.get(detail.md5)
      if (label !== undefined) return { category: 'malicious', result: label, detail }
      if (threshold < 0 || neighbours.size === 0) return { category: 'undetected', result: '', detail }
      detail.tlsh = sampleTlsh(bytes)
      const neighbour = 'digest' in detail.tlsh ? neighbours.nearest(detail.tlsh.digest, threshold) : undefined
      if (neighbour === undefined) return { category: 'undetected', result: '', detail }
      detail.tlsh = { ...detail.tlsh, neighbour }
      // a variant of a listed sample is the listed sample's family: its label, as the exact match would give
      return { category: 'malicious', result: neighbour.label, detail }
    }
  }
  return scanner
}

/** the sample's TLSH (lowercase, as listed digests are kept), or why it has none; bounded as the tlsh engine is */
function sampleTlsh (bytes: Uint8Array): { digest: string } | { code: string } {
  if (bytes.length > TLSH_ENGINE_MAX_BYTES) return { code: 'TLSH_ENGINE_TOO_LARGE' }
  try {
    return { digest: tlsh(bytes).toLowerCase() }
  } catch (err) {
    if (err instanceof TlshError) return { code: err.code }
    throw err
  }
}
