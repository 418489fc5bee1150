import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { CreateScanner, WorkerScanner } from './worker-protocol.ts'

/**
 * Hash-list feeds: operator-supplied files of known-bad hashes. One entry per line:
 *   <md5|sha1|sha256 hex> [label]            (plain lists, "#" comments, CSV-ish separators)
 *   <hash>:<size>:<label>[:...]              (ClamAV .hdb/.hsb lines)
 * Lines that are not one of these are counted and skipped, never fatal: one bad line in a feed
 * of millions must not cost the node the feed.
 */
export interface HashFeed {
  /** hex digest (lowercase) -> label */
  entries: Map<string, string>
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
  let lines = 0
  let skipped = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue
    lines++
    const cut = line.search(/[\s,;:|]/)
    const hash = (cut === -1 ? line : line.slice(0, cut)).toLowerCase()
    if (!HEX_LENGTHS.has(hash.length) || !/^[0-9a-f]+$/.test(hash)) { skipped++; continue }
    let rest = cut === -1 ? '' : line.slice(cut + 1).trim()
    // ClamAV hdb/hsb: size (or "*") then the name
    const hdb = /^(?:\d+|\*):([^:]+)/.exec(rest)
    if (hdb !== null) rest = hdb[1] ?? ''
    const label = rest.split(/[\s,;|]/)[0]?.replace(LABEL_CHARS, '_').slice(0, MAX_LABEL) ?? ''
    entries.set(hash, label === '' ? defaultLabel : label)
  }
  return { entries, lines, skipped }
}

export interface HashListOptions {
  feeds: string[]
  /** how often, at most, a scan checks the feeds' size and mtime for changes (0: every scan) */
  reloadCheckMs: number
}

export interface HashListDetail {
  md5: string
  sha1: string
  sha256: string
  entries: number
  skippedLines: number
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
    skippedLines = 0
    for (const path of options.feeds.toReversed()) {
      const feed = loaded.get(path)?.feed
      if (feed === undefined) continue
      skippedLines += feed.skipped
      for (const [hash, label] of feed.entries) next.set(hash, label)
    }
    merged = next
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
      const detail = { md5: digest('md5'), sha1: digest('sha1'), sha256: digest('sha256'), entries: merged.size, skippedLines }
      const label = merged.get(detail.sha256) ?? merged.get(detail.sha1) ?? merged.get(detail.md5)
      return label === undefined
        ? { category: 'undetected', result: '', detail }
        : { category: 'malicious', result: label, detail }
    }
  }
  return scanner
}
