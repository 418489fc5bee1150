/**
 * The source of a rescan. The coordinator takes every file job from an upload stream; a rescan
 * hands it this one, which names a sample this node already stores. The sample store recognises it
 * and, when it holds every block, returns the stored sample without reading a byte, so a rescan
 * costs no memory or disk pass whatever the sample's size. Were blocks missing, the store reads it
 * like any upload: it decrypts as it streams (fetching missing blocks), which stores them again.
 */
import type { StoredSample } from './stored-sample.ts'
import type { SampleRecord } from '../db/sample-repository.ts'

const STORED = Symbol('virusmap.storedSample')

interface StoredSampleSource extends AsyncIterable<Uint8Array> {
  readonly [STORED]: StoredSample
}

export function storedSampleSource (sample: StoredSample, open: () => Promise<AsyncIterable<Uint8Array>>): AsyncIterable<Uint8Array> {
  const source: StoredSampleSource = {
    [STORED]: sample,
    async * [Symbol.asyncIterator] () {
      yield * await open()
    }
  }
  return source
}

/** The stored sample a source names, when it is a rescan's. */
export function storedSampleOf (source: AsyncIterable<Uint8Array>): StoredSample | undefined {
  return (source as Partial<StoredSampleSource>)[STORED]
}

/** A sample record as the ingest's result (the content key decoded). */
export function storedSampleFromRecord (record: SampleRecord): StoredSample {
  return {
    sha256: record.sha256,
    sha1: record.sha1,
    md5: record.md5,
    size: record.size,
    cid: record.cid,
    contentKey: new Uint8Array(Buffer.from(record.contentKey.slice(2), 'hex')),
    fileType: record.fileType
  }
}
