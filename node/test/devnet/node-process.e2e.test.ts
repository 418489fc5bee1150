// A supernode the devnet starts that exits before it is ready: the error says why in the node's own words (its
// last stderr line), not only its exit code, since a devnet that fails to start removes the node's log with it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { spawnSupernode, waitUntilReady } from '../../src/devnet/node-process.ts'

tap.test('a node that exits at start is reported with its exit code and the error it wrote', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-node-process-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const config = join(dir, 'config.json')
  await writeFile(config, '{ not json')
  const proc = spawnSupernode(config, join(dir, 'supernode.log'))
  t.teardown(async () => { await proc.stop() })
  const err = await waitUntilReady(proc, 'http://127.0.0.1:9', 4, { timeoutMs: 60_000 }).then(() => undefined, (e: unknown) => e as { code: string, message: string })
  t.equal(err?.code, 'NODE_EXITED')
  t.match(err?.message, /^supernode at http:\/\/127\.0\.0\.1:9 exited with code 4: virusmap: .*is not valid JSON$/, 'with the line the node wrote before it exited')
  t.match(await readFile(join(dir, 'supernode.log'), 'utf8'), /is not valid JSON/, 'the line is in its log too')
})
