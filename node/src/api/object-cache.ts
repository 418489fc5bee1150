import { createHash } from 'node:crypto'
import { Gauge, type Registry } from 'prom-client'
import { TalliedCounter, type Tally } from './tallies.ts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { baseUrl } from './request.ts'

export interface ObjectCacheBounds {
  /** bodies kept at most */
  maxEntries: number
  /** their bytes (and keys) together at most; a larger body is sent but not kept */
  maxBytes: number
}

/** About a thousand popular objects: a report of a few members serializes to 8-40 KB. */
export const OBJECT_CACHE_DEFAULTS = { maxEntries: 1024, maxBytes: 32 * 1024 * 1024 } as const satisfies ObjectCacheBounds

/** A VirusTotal object to answer with: what it is built from, and how. */
export interface CachedObject<I extends object> {
  /** the object's type and id: with the base URL, the entry's key */
  type: string
  id: string
  /** everything `build` reads besides the base URL: the entry stays valid while they are equal */
  inputs: I
  build: (inputs: I, baseUrl: string) => unknown
}

export interface ObjectCache {
  /** sends the object (or 304 when If-None-Match names its ETag) from the kept body when built from equal inputs */
  send<I extends object>(request: FastifyRequest, reply: FastifyReply, object: CachedObject<I>): FastifyReply
}

interface Entry {
  inputs: object
  body: Buffer
  etag: string
  bytes: number
}

/**
 * Equal JSON-like values. The same object is equal to itself unlooked-at: ports hand out shared
 * reports and records and never change one in place (ports.ts), so a changed one is a new object.
 * Object.keys, not for-in: this one function meets every shape, and for-in's keyed loads then
 * cost twice as much.
 */
function same (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  const keys = Object.keys(x)
  if (keys.length !== Object.keys(y).length) return false
  for (const k of keys) if (!Object.hasOwn(y, k) || !same(x[k], y[k])) return false
  return true
}

/** If-None-Match compares weakly (RFC 9110 13.1.2): W/ aside, any listed tag or * matches. */
function notModified (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || (t.startsWith('W/') ? t.slice(2) : t) === etag
  })
}

/**
 * Serialized VirusTotal objects, least recently used out first. An entry is not invalidated by
 * the writers: each request reads the object's inputs (cheap, cached reads) and the kept body
 * answers only while they equal those it was built from, so no write, whoever makes it, leaves
 * a stale answer. What is saved is the build, JSON.stringify and UTF-8 encoding of the body.
 */
export function createObjectCache (bounds: ObjectCacheBounds, registry?: Registry): ObjectCache {
  const entries = new Map<string, Entry>()
  let bytes = 0
  const registers = registry === undefined ? [] : [registry]
  const hits = new TalliedCounter({ name: 'virusmap_api_object_cache_hits_total', help: 'VirusTotal objects answered from a kept body, by type', labelNames: ['type'], registers })
  const misses = new TalliedCounter({ name: 'virusmap_api_object_cache_misses_total', help: 'VirusTotal objects built and serialized, absent or changed since kept, by type', labelNames: ['type'], registers })
  /** each type's hit and miss tallies (tallies.ts: counted without prom-client hashing the label per lookup) */
  const tallies = new Map<string, { hits: Tally, misses: Tally }>()
  const talliesOf = (type: string): { hits: Tally, misses: Tally } => {
    let t = tallies.get(type)
    if (t === undefined) {
      t = { hits: hits.tally({ type }), misses: misses.tally({ type }) }
      tallies.set(type, t)
    }
    return t
  }
  const keptEntries = new Gauge({ name: 'virusmap_api_object_cache_entries', help: 'serialized VirusTotal objects kept', registers })
  const keptBytes = new Gauge({ name: 'virusmap_api_object_cache_bytes', help: 'bytes of the serialized VirusTotal objects kept, with their keys', registers })

  function drop (key: string): void {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    bytes -= entry.bytes
  }

  function keep (key: string, entry: Entry): void {
    drop(key)
    if (entry.bytes <= bounds.maxBytes) {
      entries.set(key, entry)
      bytes += entry.bytes
      while (entries.size > bounds.maxEntries || bytes > bounds.maxBytes) drop(entries.keys().next().value as string)
    }
    keptEntries.set(entries.size)
    keptBytes.set(bytes)
  }

  function entryFor<I extends object> (object: CachedObject<I>, base: string): Entry {
    const key = `${base} ${object.type}/${object.id}`
    const kept = entries.get(key)
    if (kept !== undefined && same(kept.inputs, object.inputs)) {
      talliesOf(object.type).hits.n++
      // equal but read anew (a report decoded again): keep these, so later compares meet the same report and stop there
      kept.inputs = object.inputs
      // most recently used goes last
      entries.delete(key)
      entries.set(key, kept)
      return kept
    }
    talliesOf(object.type).misses.n++
    const body = Buffer.from(JSON.stringify(object.build(object.inputs, base)))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    const entry = { inputs: object.inputs, body, etag, bytes: body.length + key.length }
    keep(key, entry)
    return entry
  }

  return {
    send (request, reply, object) {
      // links are absolute, so the host the client named is part of the key
      const entry = entryFor(object, baseUrl(request))
      reply.header('etag', entry.etag)
      if (notModified(request.headers['if-none-match'], entry.etag)) return reply.code(304).send()
      return reply.type('application/json; charset=utf-8').send(entry.body)
    }
  }
}
