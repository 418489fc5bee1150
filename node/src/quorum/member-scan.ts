import type { AbortOptions } from '@libp2p/interface'
import { hexToBytes } from '@noble/hashes/utils.js'
import { unwrapContentKey } from '#protocol/index.ts'
import { createSampleDigester } from '../crypto/sample-digest.ts'
import { withinBudget } from './budget.ts'
import { indicatorsFromDetails } from './file-indicators.ts'
import type { RelatedIndicator } from './file-indicators.ts'
import { runEngines } from './run-engines.ts'
import type { SampleAccess } from './ports.ts'
import type { ComplaintReason, EngineResult, Hex, ScanJob } from '#protocol/messages.ts'
import type { SampleUpload } from '../db/sample-repository.ts'
import type { QuorumMetrics } from '../metrics/registry.ts'
import type { Engine } from '../scan/engine.ts'
import type { Logger } from 'pino'

/** What a member's scan of a job gives: its results, or a complaint against the origin (SPEC section 9). */
export type ScanOutcome =
  /** fetchMs: the time fetching, decrypting and checking the bytes took, before any engine ran */
  | { kind: 'results', results: EngineResult[], related: RelatedIndicator[], fetchMs: number }
  | { kind: 'complaint', reason: ComplaintReason }

export interface MemberScanComponents {
  self: Hex
  x25519SecretKey: Uint8Array
  samples: SampleAccess
  logger: Logger
  metrics?: QuorumMetrics
  /** a member that checked the bytes holds the ciphertext and its key: it answers hash lookups too */
  recordSample: (upload: SampleUpload) => Promise<unknown>
}

/**
 * Fetches, decrypts and checks a file job's bytes against the signed job, then runs this member's
 * registered engines until `signal` (the scan budget) aborts. Bytes that do not match the job are
 * never scanned nor recorded; a fetch the budget cut short still yields results (`timeout`), so
 * scan time never costs the member its vote.
 */
export async function scanJob (job: ScanJob, engines: Engine[], c: MemberScanComponents, options: Required<AbortOptions>): Promise<ScanOutcome> {
  const { signal } = options
  const started = performance.now()
  const onTimeout = (): ScanOutcome => ({ kind: 'results', results: timedOut(engines, job.kind), related: [], fetchMs: performance.now() - started })
  let bytes: Uint8Array
  if (job.kind === 'file') {
    const read = await readChecked(job, c, signal)
    if (read.kind !== 'bytes') return read.kind === 'timeout' ? onTimeout() : read
    bytes = read.bytes
  } else {
    // an indicator is its subject: nothing to fetch or decrypt
    bytes = new TextEncoder().encode(job.subject)
  }
  const fetchMs = performance.now() - started
  const details: unknown[] = []
  const onDetail = job.kind === 'file' ? (_engine: string, detail: unknown) => { details.push(detail) } : undefined
  const results = await runEngines(engines, { bytes, sha256: job.sha256, fileType: job.fileType, kind: job.kind, job: { submitter: job.submitter, submittedAt: job.submittedAt, createdAt: job.createdAt, context: job.context } }, c.logger, c.metrics, { signal, onDetail })
  // the URLs and domains in the file: "files communicating with this domain" comes from here
  return { kind: 'results', results, related: indicatorsFromDetails(details), fetchMs }
}

type Read = { kind: 'bytes', bytes: Uint8Array } | { kind: 'timeout' } | { kind: 'complaint', reason: ComplaintReason }

async function readChecked (job: ScanJob, c: MemberScanComponents, signal: AbortSignal): Promise<Read> {
  const wrap = job.keyWraps.find((w) => w.member === c.self)
  let contentKey: Uint8Array
  try {
    if (wrap == null) throw new RangeError('no key wrap for this member')
    contentKey = unwrapContentKey({
      wrappedKey: wrap.wrappedKey,
      memberSecretKey: c.x25519SecretKey,
      ephemeralPublicKey: hexToBytes(job.ephemeralPublicKey.slice(2)),
      member: c.self,
      sha256: job.sha256
    })
  } catch (err) {
    c.logger.warn({ err, sha256: job.sha256, origin: job.origin }, 'key wrap does not open; complaining')
    return { kind: 'complaint', reason: 'UNWRAP_FAILED' }
  }
  let bytes: Uint8Array | undefined
  try {
    bytes = await withinBudget(c.samples.readSample(job.cid, contentKey, { signal }), signal)
    if (bytes === undefined) return { kind: 'timeout' }
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout' }
    // a sample that does not decrypt under the key its origin wrapped is not the sample the job names
    c.logger.warn({ err, sha256: job.sha256, origin: job.origin }, 'sample does not decrypt; complaining')
    return { kind: 'complaint', reason: 'CONTENT_MISMATCH' }
  }
  const digester = createSampleDigester()
  digester.update(bytes)
  const d = digester.digest()
  if (d.sha256 !== job.sha256 || d.sha1 !== job.sha1 || d.md5 !== job.md5 || d.size !== job.size) {
    c.logger.warn({ sha256: job.sha256, got: d.sha256, size: d.size, origin: job.origin }, 'sample bytes differ from the job; complaining')
    return { kind: 'complaint', reason: 'CONTENT_MISMATCH' }
  }
  await c.recordSample({
    sha256: d.sha256, sha1: d.sha1, md5: d.md5, size: d.size, fileType: job.fileType, cid: job.cid,
    contentKey: `0x${Buffer.from(contentKey).toString('hex')}`, seenAt: job.createdAt
  })
  return { kind: 'bytes', bytes }
}

/** Every engine's answer when the budget ran out before the bytes arrived. */
function timedOut (engines: Engine[], kind: ScanJob['kind']): EngineResult[] {
  return engines.map((e): EngineResult => ({
    engine: e.name, engineVersion: e.version, engineUpdate: e.signatureDate, method: 'blacklist', result: '',
    category: e.kinds.includes(kind) ? 'timeout' : 'type-unsupported'
  })).toSorted((a, b) => a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0)
}
