// `virusmap anchors [--epoch N]`: the anchored epochs a node serves, as rows or JSON; a missing epoch
// exits 2, a node that answers garbage 4, a bad --epoch 1, each in one line without terminal escapes.
import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { runCli } from '../../src/cli/run.ts'
import { openDatabase } from '../../src/db/database.ts'
import { AnchorRepository } from '../../src/db/anchor-repository.ts'
import { anchorReader } from '../../src/supernode/api-adapters.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import type { Hex } from '#protocol/messages.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const KEY = 'b8'.repeat(32)

t.test('virusmap anchors', async (st) => {
  const dir = st.testdir()
  const db = await openDatabase({ path: join(dir, 'db') })
  st.teardown(async () => { await db.close() })
  const repo = new AnchorRepository(db)
  await repo.recordAnchored({ epoch: 2, root: hex('c2', 32), leafCount: 2, block: 91, tx: hex('d2', 32), submitter: hex('11', 20) })
  await repo.recordAnchored({ epoch: 3, root: hex('c3', 32), leafCount: 1, block: 121, tx: hex('d3', 32), submitter: hex('11', 20) })
  await repo.assignJobs(2, [hex('01', 32), hex('02', 32)], [{ jobId: hex('01', 32), proof: [] }, { jobId: hex('02', 32), proof: [] }], [])
  const ports: ApiPorts = { ...createMemoryNode().ports, anchors: anchorReader(repo), keys: { find: async (key) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined } }
  const server = await startApi(st, ports)
  await writeFile(join(dir, 'devnet.json'), JSON.stringify({ chainId: 31337, rpcUrl: 'http://127.0.0.1:1', deployBlock: 0, contracts: { registry: hex('ab', 20) }, nodes: [{ api: server.url }], apiKey: KEY }))
  const run = async (argv: string[]): Promise<{ code: number, out: string, err: string }> => {
    let out = ''
    let err = ''
    const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env: {}, cwd: dir })
    return { code, out, err }
  }
  const fails = async (tt: Test, argv: string[], exit: number, pattern: RegExp): Promise<void> => {
    const r = await run(argv)
    tt.equal(r.code, exit, `${argv.join(' ')} exits ${exit}: ${r.err}`)
    tt.match(r.err, pattern)
    tt.equal(r.err.trim().split('\n').length, 1, 'one line')
    tt.notOk(r.err.includes('\u001b'), 'no terminal escape')
  }
  const common = ['--deployment', 'devnet.json']

  const rows = await run(['anchors', ...common])
  st.equal(rows.code, 0, rows.err)
  st.same(rows.out.trim().split('\n').map((l) => l.split(/\s+/)[1]), ['3', '2'], 'newest first')
  st.match(rows.out, `root ${hex('c3', 32)}  leaves 1  block 121  tx ${hex('d3', 32)}`)
  const json = await run(['anchors', ...common, '--json'])
  st.same((JSON.parse(json.out) as Array<{ id: string }>).map((e) => e.id), ['3', '2'])
  const one = await run(['anchors', '--epoch', '2', ...common])
  st.equal(one.code, 0, one.err)
  st.match(one.out, `  ${hex('01', 32)}\n  ${hex('02', 32)}\n`)
  st.match((await run(['anchors', '--epoch', '3', ...common])).out, /not matched to the proposal yet/)
  st.same((JSON.parse((await run(['anchors', '--epoch', '2', ...common, '--json'])).out) as { attributes: { job_ids: Hex[] } }).attributes.job_ids, [hex('01', 32), hex('02', 32)])

  await fails(st, ['anchors', '--epoch', '7', ...common], 2, /epoch 7 is not anchored/)
  for (const bad of ['-1', 'x', '1.5', '9'.repeat(16), '\u001b[31m1']) await fails(st, ['anchors', `--epoch=${bad}`, ...common], 1, /--epoch must be a non-negative integer/)
  await fails(st, ['anchors', 'extra', ...common], 1, /unexpected arguments/)
  const liar = createServer((req, res) => {
    if (req.url?.includes('epoch=1') === true) { res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[1]}'); return }
    if (req.url?.includes('epoch=2') === true) { res.writeHead(200).end('<html>not json'); return }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"x":1}}')
  })
  await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve))
  st.teardown(() => { liar.close() })
  const liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`
  await fails(st, ['anchors', ...common, '--api', liarUrl], 4, /has no list/)
  await fails(st, ['anchors', '--epoch', '1', ...common, '--api', liarUrl], 4, /not one epoch/)
  await fails(st, ['anchors', '--epoch', '2', ...common, '--api', liarUrl], 4, /with no JSON/)
  await fails(st, ['anchors', ...common, '--api', 'http://127.0.0.1:1'], 4, /127\.0\.0\.1:1/)
})
