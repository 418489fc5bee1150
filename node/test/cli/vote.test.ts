import tap, { type Test } from 'tap'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVtClient } from '../../src/client/vt-client.ts'
import { runCli } from '../../src/cli/run.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { memoryVotes } from '../fixtures/memory-votes.ts'
import { startApi } from '../fixtures/api-server.ts'
import { hashes } from '../fixtures/signed-reports.ts'

const ALICE = 'a1'.repeat(32)
const BOB = 'b2'.repeat(32)
const SAMPLE = new TextEncoder().encode('vote from the command line\n')
const H = hashes(SAMPLE)

async function world (t: Test) {
  const node = createMemoryNode()
  await node.addReported(SAMPLE)
  const server = await startApi(t, {
    ...node.ports,
    votes: memoryVotes(),
    keys: { find: async (k) => k === ALICE ? { id: 'alice', perMinute: 1000, perDay: 1000 } : k === BOB ? { id: 'bob', perMinute: 1000, perDay: 1000 } : undefined }
  })
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-vote-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return { server, dir }
}

async function run (argv: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env, cwd })
  return { code, out, err }
}

tap.test('virusmap vote: once per key, by any hash, key from flag, env or devnet file', async (t) => {
  const w = await world(t)
  const api = w.server.url
  const first = await run(['vote', H.sha256.slice(2), '--verdict', 'malicious', '--api', api, '--apikey', ALICE], w.dir)
  t.equal(first.code, 0, first.err)
  t.equal(first.out, `voted malicious on file ${H.sha256.slice(2)} at ${api} (vote f-${H.sha256.slice(2)}-alice)\n`)

  const again = await run(['vote', H.md5.slice(2), '--verdict', 'harmless', '--api', api, '--apikey', ALICE], w.dir)
  t.equal(again.code, 1)
  t.match(again.err, /^virusmap: this API key has already voted on [0-9a-f]{32} at http/)

  const json = await run(['vote', H.sha1.toUpperCase().replace('0X', '0x'), '--verdict', 'harmless', '--api', api, '--json'], w.dir, { VIRUSMAP_API_KEY: BOB })
  t.equal(json.code, 0, json.err)
  const parsed = JSON.parse(json.out) as { data: { type: string, id: string, attributes: { verdict: string, value: number, date: number } } }
  t.match(parsed.data, { type: 'vote', id: `f-${H.sha256.slice(2)}-bob`, attributes: { verdict: 'harmless', value: 1 } })

  // next to a devnet: its file names the node and the key
  await mkdir(join(w.dir, '.devnet'))
  await writeFile(join(w.dir, '.devnet', 'devnet.json'), JSON.stringify({ chainId: 31337, rpcUrl: 'http://127.0.0.1:9', contracts: { registry: `0x${'11'.repeat(20)}` }, nodes: [{ api }], apiKey: BOB }))
  const devnet = await run(['vote', H.sha256, '--verdict', 'malicious'], w.dir)
  t.equal(devnet.code, 1, 'bob voted already: the devnet file supplied his key')
  t.match(devnet.err, /already voted/)

  const client = createVtClient({ baseUrl: api, apiKey: ALICE })
  const votes = await client.getVotes('files', H.sha256.slice(2), { limit: 5 })
  t.same(votes.map((v) => v.attributes.verdict).toSorted(), ['harmless', 'malicious'])
  await t.rejects(client.getVotes('files', H.sha256.slice(2), { limit: 41 }), { code: 'InvalidArgumentError', status: 400 })
  await t.rejects(client.addVote('comments' as 'files', H.sha256.slice(2), 'harmless'), { code: 'InvalidArgumentError', status: undefined })
  await t.rejects(client.addVote('urls', 'aHR0cHM6Ly9leGFtcGxlLmNvbQ', 'harmless'), { code: 'NotFoundError', status: 404 }, 'the collection is in the path; urls come with the indicator routes')
})

tap.test('virusmap vote: usage errors exit 1, unknown files 2, API and network errors 4, one line each', async (t) => {
  const w = await world(t)
  const api = w.server.url
  const cases: Array<[string[], number, RegExp, Record<string, string>?]> = [
    [['vote'], 1, /expected one HASH/],
    [['vote', 'a', 'b', '--verdict', 'harmless'], 1, /expected one HASH/],
    [['vote', 'xyz', '--verdict', 'harmless', '--api', api, '--apikey', ALICE], 1, /not a sha256, sha1 or md5: xyz/],
    [['vote', `${'a'.repeat(64)}0`, '--verdict', 'harmless'], 1, /not a sha256/],
    [['vote', 'a'.repeat(5000), '--verdict', 'harmless'], 1, /not a sha256, sha1 or md5: a{80}\n/],
    [['vote', H.sha256, '--api', api, '--apikey', ALICE], 1, /--verdict must be harmless or malicious/],
    [['vote', H.sha256, '--verdict', 'Malicious', '--api', api, '--apikey', ALICE], 1, /--verdict must be/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', api], 1, /votes are counted per API key/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', api, '--apikey', 'short'], 1, /--apikey must be 64 lowercase hex/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', 'ftp://x', '--apikey', ALICE], 1, /--api must be an http/],
    [['vote', H.sha256, '--verdict', 'harmless'], 1, /no API to ask: pass --api URL/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', api, '--apikey', ALICE, '--timeout', 'never'], 1, /--timeout/],
    [['vote', H.sha256, '--verdict', 'harmless', '--bogus'], 1, /Unknown option '--bogus'/],
    [['vote', 'e'.repeat(64), '--verdict', 'harmless', '--api', api, '--apikey', ALICE], 2, /^virusmap: e{64}: not known to http/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', api, '--apikey', 'c3'.repeat(32)], 4, /API error WrongCredentialsError \(HTTP 401\)/],
    [['vote', H.sha256, '--verdict', 'harmless', '--api', 'http://127.0.0.1:9', '--apikey', ALICE], 4, /cannot reach http:\/\/127\.0\.0\.1:9/]
  ]
  for (const [argv, code, pattern, env] of cases) {
    const r = await run(argv, w.dir, env)
    t.equal(r.code, code, `${argv.join(' ').slice(0, 120)} exits ${code}`)
    t.match(r.err, pattern, argv.join(' ').slice(0, 120))
    t.notMatch(r.err, /\n\s+at /, 'no stack trace')
    t.equal(r.out, '', 'nothing on stdout')
  }
  const help = await run(['vote', '--help'], w.dir)
  t.match(help.out, /^usage: virusmap vote HASH --verdict harmless\|malicious \[--api URL\] \[--apikey KEY\]/)
})
