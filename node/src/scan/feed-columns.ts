/**
 * Hash feeds that name their columns: MalwareBazaar's CSV exports (full dump and recent) put the header in a
 * "#" comment (`# "first_seen_utc","sha256_hash","md5_hash","sha1_hash",...,"signature",...,"tlsh"`) and quote
 * every field (`"2026-10-05 00:42:15", "b768...", ...`, "n/a" where there is none). They are the public lists
 * that carry a TLSH digest per sample, which lets the hash-list engine flag byte-appended variants.
 */

/** where a row keeps what the hash list uses; `hashes` strongest first (the scanner always has a sample's sha256) */
export interface FeedColumns {
  hashes: Array<{ index: number, length: number }>
  tlsh?: number
  label?: number
}

/** a row longer than this is not a feed row (MalwareBazaar's are ~400 characters) */
export const MAX_ROW_CHARS = 16 * 1024

const HASH_COLUMNS: ReadonlyArray<readonly [names: readonly string[], length: number]> = [
  [['sha256_hash', 'sha256'], 64],
  [['sha1_hash', 'sha1'], 40],
  [['md5_hash', 'md5'], 32]
]
const TLSH_COLUMNS = ['tlsh']
const LABEL_COLUMNS = ['signature', 'label']
/** what MalwareBazaar writes in a field it has nothing for */
const NONE = new Set(['', 'n/a', 'null', 'none', '-'])

/**
 * A CSV line's fields: RFC 4180 quoting ("" inside quotes is one quote), spaces around a field ignored, as
 * MalwareBazaar writes `", "` between fields. Undefined for a line that is not CSV (a quote left open, text
 * after a closing quote).
 */
export function splitCsvRow (line: string): string[] | undefined {
  if (line.length > MAX_ROW_CHARS) return undefined
  const fields: string[] = []
  let i = 0
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++
    let field: string
    if (line[i] === '"') {
      let end = i + 1
      field = ''
      for (;;) {
        const close = line.indexOf('"', end)
        if (close === -1) return undefined
        field += line.slice(end, close)
        if (line[close + 1] !== '"') { i = close + 1; break }
        field += '"'
        end = close + 2
      }
      while (line[i] === ' ' || line[i] === '\t') i++
      if (i < line.length && line[i] !== ',') return undefined
    } else {
      const comma = line.indexOf(',', i)
      field = (comma === -1 ? line.slice(i) : line.slice(i, comma)).trim()
      if (field.includes('"')) return undefined
      i = comma === -1 ? line.length : comma
    }
    fields.push(field)
    if (i >= line.length) return fields
    i++ // the comma
  }
}

/**
 * The columns a header line names (its "#" or "//" already cut), or undefined unless it names a hash column:
 * a comment that happens to hold a comma is not a header.
 */
export function feedColumns (line: string): FeedColumns | undefined {
  const names = splitCsvRow(line.trim())?.map((name) => name.trim().toLowerCase())
  if (names === undefined || names.length < 2) return undefined
  const find = (wanted: readonly string[]): number | undefined => {
    const index = names.findIndex((name) => wanted.includes(name))
    return index === -1 ? undefined : index
  }
  const hashes = HASH_COLUMNS.flatMap(([wanted, length]) => {
    const index = find(wanted)
    return index === undefined ? [] : [{ index, length }]
  })
  if (hashes.length === 0) return undefined
  return { hashes, tlsh: find(TLSH_COLUMNS), label: find(LABEL_COLUMNS) }
}

/** one named field of a row, or undefined where the feed has none ("n/a", blank, missing) */
export function columnValue (fields: readonly string[], index: number | undefined): string | undefined {
  if (index === undefined) return undefined
  const value = fields[index]?.trim()
  return value === undefined || NONE.has(value.toLowerCase()) ? undefined : value
}
