// The process bench/memory.ts measures: the node's HTTP API (createApiServer, default limits) over
// a real durable blockstore, level database and sample store, whose rescan is the supernode's own
// (sampleRescans); only the quorum is left out (an upload's analysis id is its sha256).
// Run by bench/memory.ts: node bench/memory-node.ts DATA_DIR; prints its API URL on stdout.
import { join } from 'node:path'
import { pino } from 'pino'
import { createApiServer } from '../node/src/api/index.ts'
import { createRepositories, openDatabase, PendingIngestRepository } from '../node/src/db/index.ts'
import { createSampleStore } from '../node/src/ingest/index.ts'
import { createDurableBlockstore } from '../node/src/ipfs/index.ts'
import { sampleRescans } from '../node/src/supernode/api-adapters.ts'
import type { ApiPorts } from '../node/src/api/ports/index.ts'

const dir = process.argv[2]
if (dir === undefined) throw new Error('usage: node bench/memory-node.ts DATA_DIR')
const MAX_SAMPLE_BYTES = 650 * 1024 * 1024
const logger = pino({ level: 'warn' })

const blockstore = createDurableBlockstore({ path: join(dir, 'blocks') })
await blockstore.open()
const db = await openDatabase({ path: join(dir, 'db') })
const repos = createRepositories(db)
const store = createSampleStore({ blockstore, samples: repos.samples, pending: new PendingIngestRepository(db), spoolDir: join(dir, 'spool'), logger, maxSampleBytes: MAX_SAMPLE_BYTES })
await store.start()

const submitFile: ApiPorts['submitter']['submitFile'] = async (source, meta, options) => {
  const stored = await store.ingest(source, { ...(meta.filename === undefined ? {} : { name: meta.filename }), ...options })
  return { analysisId: stored.sha256, sha256: stored.sha256 }
}
const unused = (): never => { throw new Error('not part of this bench') }
const server = createApiServer({
  ports: {
    submitter: { submitFile, rescan: sampleRescans(repos.samples, store, submitFile) },
    analyses: { getAnalysis: unused },
    files: { getFile: unused }
  },
  logger,
  maxUploadBytes: MAX_SAMPLE_BYTES
})
await server.start()
process.stdout.write(`${server.url}\n`)
process.on('SIGTERM', () => {
  server.stop().then(async () => { await db.close() }).finally(() => process.exit(0))
})
