/**
 * One line of an epoch feed (SPEC section 18, feeds): a flagged item of the epoch's anchored reports, with
 * the report's per-engine results, as a SOC tool ingests it. One spelling per line: the keys in the order
 * of FeedLine, JSON without whitespace, strings of printable ASCII, so the same reports give the same bytes
 * in any language. checkFeedLine holds a line to that schema; the builder applies it to what it emits and
 * the buyer's parser to what it received.
 */
import { ENGINE_CATEGORIES, SAMPLE_KINDS } from '../messages.ts'
import type { EngineCategory, Hex, SampleKind } from '../messages.ts'
import type { ReportStats } from '../report-format.ts'
import { FeedError } from './errors.ts'

/** One attested engine's aggregated result, as the report holds it. */
export interface FeedEngine {
  engine: string
  category: EngineCategory
  /** the label, "" when none */
  result: string
  engineVersion: string
  engineUpdate: string
  method: string
}

export interface FeedLine {
  epoch: number
  jobId: Hex
  kind: SampleKind
  /** the canonical indicator; "" for a file */
  subject: string
  sha256: Hex
  sha1: Hex
  md5: Hex
  size: number
  fileType: string
  /** the median of the verdicts' scannedAt (SPEC 17's firstSeen), ms */
  firstSeen: number
  /** the report's date: its latest scannedAt, ms */
  date: number
  verdict: 'malicious' | 'suspicious'
  stats: ReportStats
  /** the flagging engines' labels, lowercase, unique, ascending */
  labels: string[]
  /** the attested engines, ascending by id */
  engines: FeedEngine[]
  /** who submitted it, the zero address when unsigned */
  submitter: Hex
  /** the report's anchor leaf hash (SPEC 15): its proof under the epoch's root is served with the report */
  leaf: Hex
  reportDigest: Hex
}

export const FEED_LINE_KEYS = ['epoch', 'jobId', 'kind', 'subject', 'sha256', 'sha1', 'md5', 'size', 'fileType', 'firstSeen', 'date', 'verdict', 'stats', 'labels', 'engines', 'submitter', 'leaf', 'reportDigest'] as const
export const FEED_STATS_KEYS = ['malicious', 'suspicious', 'undetected', 'harmless', 'timeout', 'failure', 'type-unsupported'] as const
export const FEED_ENGINE_KEYS = ['engine', 'category', 'result', 'engineVersion', 'engineUpdate', 'method'] as const
/** engines per line at most: every registered engine id of a report, bounded as its results are */
export const MAX_FEED_ENGINES = 256

const PRINTABLE = /^[\x20-\x7e]*$/
const ENGINE_ID = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/
const hex = (bytes: number): RegExp => new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`)
const HEX32 = hex(32)

function fail (what: string): never {
  throw new FeedError('MALFORMED_FEED', `feed line: ${what}`)
}
const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
function text (v: unknown, max: number, what: string): void {
  if (typeof v !== 'string' || v.length > max || !PRINTABLE.test(v)) fail(`${what} is not printable ASCII of at most ${max} characters`)
}
function matches (v: unknown, re: RegExp, what: string): void {
  if (typeof v !== 'string' || !re.test(v)) fail(`${what} is malformed`)
}
function exactKeys (v: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`)
  const own = Object.keys(v)
  if (own.length !== keys.length || own.some((k, i) => k !== keys[i])) fail(`${what} does not have exactly the keys ${keys.join(', ')} in order`)
  return v as Record<string, unknown>
}
function ascending (list: readonly string[], what: string): void {
  for (let i = 1; i < list.length; i++) if ((list[i - 1] as string) >= (list[i] as string)) fail(`${what} not strictly ascending`)
}

/** Throws FeedError MALFORMED_FEED unless `v` is a FeedLine with its keys in order. */
export function checkFeedLine (v: unknown): asserts v is FeedLine {
  const l = exactKeys(v, FEED_LINE_KEYS, 'the line')
  if (!isInt(l.epoch)) fail('epoch is no non-negative integer')
  matches(l.jobId, HEX32, 'jobId')
  if (!(SAMPLE_KINDS as readonly unknown[]).includes(l.kind)) fail('kind is no sample kind')
  text(l.subject, 2048, 'subject')
  if ((l.kind === 'file') !== (l.subject === '')) fail('a file has no subject, an indicator one')
  matches(l.sha256, HEX32, 'sha256')
  matches(l.sha1, hex(20), 'sha1')
  matches(l.md5, hex(16), 'md5')
  for (const k of ['size', 'firstSeen', 'date'] as const) if (!isInt(l[k])) fail(`${k} is no non-negative integer`)
  text(l.fileType, 32, 'fileType')
  if (l.verdict !== 'malicious' && l.verdict !== 'suspicious') fail('verdict is neither malicious nor suspicious')
  const stats = exactKeys(l.stats, FEED_STATS_KEYS, 'stats')
  if (!FEED_STATS_KEYS.every((k) => isInt(stats[k]))) fail('a stats count is no non-negative integer')
  if ((l.verdict === 'malicious') !== (stats.malicious as number) > 0 || (stats.malicious as number) + (stats.suspicious as number) === 0) fail('verdict does not follow from stats')
  if (!Array.isArray(l.labels) || l.labels.length > MAX_FEED_ENGINES) fail('labels is no list of at most 256')
  for (const label of l.labels) text(label, 256, 'a label')
  ascending(l.labels as string[], 'labels')
  if (!Array.isArray(l.engines) || l.engines.length > MAX_FEED_ENGINES) fail('engines is no list of at most 256')
  for (const raw of l.engines) {
    const e = exactKeys(raw, FEED_ENGINE_KEYS, 'an engine')
    matches(e.engine, ENGINE_ID, 'an engine id')
    if (!(ENGINE_CATEGORIES as readonly unknown[]).includes(e.category)) fail('an engine category is unknown')
    text(e.result, 256, 'an engine result')
    text(e.engineVersion, 64, 'an engine version')
    matches(e.engineUpdate, /^([0-9]{8})?$/, 'an engine update')
    text(e.method, 64, 'an engine method')
  }
  ascending((l.engines as FeedEngine[]).map((e) => e.engine), 'engines')
  matches(l.submitter, hex(20), 'submitter')
  matches(l.leaf, HEX32, 'leaf')
  matches(l.reportDigest, HEX32, 'reportDigest')
}

/** The line's one spelling (no newline); throws MALFORMED_FEED for anything off the schema. */
export function encodeFeedLine (line: FeedLine): string {
  checkFeedLine(line)
  return JSON.stringify(line)
}

/** The feed's order of lines: by sha256, then kind (an item is both). */
export function compareFeedLines (a: Pick<FeedLine, 'sha256' | 'kind'>, b: Pick<FeedLine, 'sha256' | 'kind'>): number {
  if (a.sha256 !== b.sha256) return a.sha256 < b.sha256 ? -1 : 1
  return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0
}
