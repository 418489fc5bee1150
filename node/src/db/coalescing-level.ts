// abstract-level names the storage hooks a LevelDB binding implements _put, _get, _batch, ...: overriding them is the point here
/* oxlint-disable no-underscore-dangle */
import { Level } from 'level'

interface PutOperation { type: 'put', key: unknown, value: unknown }
interface WriteOptions { sync?: boolean }

/** classic-level's storage hooks under abstract-level's public methods (encoded keys and values) */
interface StorageHooks {
  _put(key: unknown, value: unknown, options: WriteOptions): Promise<void>
  _get(key: unknown, options: object): Promise<unknown>
  _getMany(keys: unknown[], options: object): Promise<unknown[]>
  _getSync(key: unknown, options: object): unknown
  _has(key: unknown, options: object): Promise<boolean>
  _hasMany(keys: unknown[], options: object): Promise<boolean[]>
  _del(key: unknown, options: WriteOptions): Promise<void>
  _batch(operations: Array<PutOperation | { type: 'del', key: unknown }>, options: WriteOptions): Promise<void>
  _clear(options: object): Promise<void>
  _close(): Promise<void>
}

/**
 * The node's LevelDB, with the puts one turn of the event loop makes written as one batch. Each
 * LevelDB call is a trip to libuv's thread pool (about 38 µs of CPU a put here, against 15 in a batch
 * of a hundred), and a member stores every commitment, reveal and attestation it takes and every step
 * of every job: a few dozen puts a job.
 *
 * What a caller sees is unchanged, or stronger: a put resolves once its batch is written (an awaited
 * put is readable, as before), a synced put is written with the others of its turn in one synced batch
 * (a member keeps a job's blocks, its record and its signatures with one fdatasync), and
 * every write (a batch of waiting puts, a del, a batch, a clear) is issued only after the one before it
 * completed, so writes reach LevelDB in the order they were made (separate calls to its thread pool
 * could overtake each other). A read of a key with a put not yet written waits for it. Iterators see
 * what is written, as they saw what had completed before; a chained batch (db.batch() with no
 * arguments, which the node does not use) is written apart from the chain, as every write was before.
 */
class CoalescingLevel extends Level<string, unknown> {
  #waiting: PutOperation[] = []
  #written: PromiseWithResolvers<void> | undefined
  /** whether a put waiting asked to be synced: the whole batch is then */
  #sync = false
  #timer: NodeJS.Immediate | undefined
  /** keys with a put not yet written, and how many */
  readonly #unwritten = new Map<unknown, number>()
  /** the last write issued, settled either way: the next one starts after it */
  #tail: Promise<void> = Promise.resolve()

  get #storage (): StorageHooks {
    return Level.prototype as unknown as StorageHooks
  }

  #chain (write: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(write)
    this.#tail = run.then(() => {}, () => {})
    return run
  }

  /** issues what waits as one batch, synced if any of its puts asked, after the writes before it */
  #flush (): Promise<void> {
    clearImmediate(this.#timer)
    this.#timer = undefined
    const operations = this.#waiting
    const written = this.#written
    const sync = this.#sync
    this.#waiting = []
    this.#written = undefined
    this.#sync = false
    return this.#chain(async () => {
      try {
        if (operations.length > 0) await this.#storage._batch.call(this, operations, { sync })
        written?.resolve()
      } catch (err) {
        written?.reject(err)
        throw err
      } finally {
        for (const { key } of operations) {
          const n = (this.#unwritten.get(key) ?? 1) - 1
          if (n === 0) this.#unwritten.delete(key)
          else this.#unwritten.set(key, n)
        }
      }
    })
  }

  async _put (key: unknown, value: unknown, options: WriteOptions): Promise<void> {
    this.#unwritten.set(key, (this.#unwritten.get(key) ?? 0) + 1)
    this.#waiting.push({ type: 'put', key, value })
    if (options.sync === true) this.#sync = true
    if (this.#written === undefined) {
      this.#written = Promise.withResolvers<void>()
      // a failure reaches every put of the batch through its own await
      this.#written.promise.catch(() => {})
      this.#timer = setImmediate(() => { this.#flush().catch(() => {}) })
    }
    await this.#written.promise
  }

  /** a read of `keys`, once what waits for any of them is written (a failed write is the writer's to report) */
  async #read<T> (keys: unknown[], read: () => Promise<T>): Promise<T> {
    if (keys.some((k) => this.#unwritten.has(k))) await this.#flush().catch(() => {})
    return await read()
  }

  async _get (key: unknown, options: object): Promise<unknown> {
    return await this.#read([key], async () => await this.#storage._get.call(this, key, options))
  }

  async _getMany (keys: unknown[], options: object): Promise<unknown[]> {
    return await this.#read(keys, async () => await this.#storage._getMany.call(this, keys, options))
  }

  async _has (key: unknown, options: object): Promise<boolean> {
    return await this.#read([key], async () => await this.#storage._has.call(this, key, options))
  }

  async _hasMany (keys: unknown[], options: object): Promise<boolean[]> {
    return await this.#read(keys, async () => await this.#storage._hasMany.call(this, keys, options))
  }

  _getSync (key: unknown, options: object): unknown {
    // a synchronous read cannot wait for the batch: it would answer what was there before the put
    if (this.#unwritten.has(key)) throw new Error('getSync of a key whose put is not written yet')
    return this.#storage._getSync.call(this, key, options)
  }

  async _del (key: unknown, options: WriteOptions): Promise<void> {
    this.#flush().catch(() => {})
    await this.#chain(async () => { await this.#storage._del.call(this, key, options) })
  }

  async _batch (operations: Array<PutOperation | { type: 'del', key: unknown }>, options: WriteOptions): Promise<void> {
    this.#flush().catch(() => {})
    await this.#chain(async () => { await this.#storage._batch.call(this, operations, options) })
  }

  async _clear (options: object): Promise<void> {
    this.#flush().catch(() => {})
    await this.#chain(async () => { await this.#storage._clear.call(this, options) })
  }

  async _close (): Promise<void> {
    await this.#flush().catch(() => {})
    await this.#storage._close.call(this)
  }
}

/**
 * A CoalescingLevel of string keys and JSON values at `location`, typed as the Level it behaves as
 * (level's batch types name the class in their operations, so a subclass is not assignable to them).
 */
export function coalescingLevel (location: string): Level<string, unknown> {
  return new CoalescingLevel(location, { valueEncoding: 'json' }) as unknown as Level<string, unknown>
}
