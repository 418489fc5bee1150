import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startCliWorld, runIn as run, type CliWorld } from '../fixtures/cli-world.ts'
import { CHAIN_ID, hashes, MEMBERS, MEMBERSHIP_BLOCK } from '../fixtures/signed-reports.ts'

const REPO = resolve(import.meta.dirname, '../../..')
const SAMPLE = new TextEncoder().encode('cli sample: X5O!P%@AP')
const H = hashes(SAMPLE)

/** the CLI world with sample.bin in its directory */
async function world (options: { complete?: boolean } = {}): Promise<CliWorld> {
  const w = await startCliWorld(t, options)
  await writeFile(join(w.dir, 'sample.bin'), SAMPLE)
  return w
}

const noStack = (st: Test, text: string): void => { st.notMatch(text, /\n\s+at /, 'no stack trace') }

t.test('submit: upload, wait, verify, print', async (st) => {
  const w = await world()
  const r = await run(['submit', 'sample.bin'], w.dir)
  st.equal(r.code, 0, r.err)
  st.equal(r.err, '', 'no progress line when stderr is not a terminal')
  st.match(r.out, `sha256: ${H.sha256.slice(2)} (sample.bin)`)
  st.match(r.out, /ENGINE\s+CATEGORY\s+RESULT\s+VERSION\s+UPDATE\s+AGREE\s+ANSWERED\s+ATTESTED/)
  st.match(r.out, /YARA\s+malicious\s+EICAR_Test_File\s+4\.5\.2\s+20261101\s+3\s+3\/4\s+yes/)
  st.match(r.out, /Heuristics\s+type-unsupported\s+-\s+0\.1\.0\s+20261102\s+3\s+3\/4\s+yes/)
  st.match(r.out, 'stats: malicious 1, suspicious 0, undetected 0, harmless 0, timeout 0, failure 0, type-unsupported 1')
  const attesters = MEMBERS.slice(0, 3).map((m) => m.address).toSorted().join(', ')
  st.match(r.out, `verified: yes — attested by 3 of 4 members at block ${MEMBERSHIP_BLOCK} (quorum 3): ${attesters}`)
  st.match(r.out, 'attested engines: Heuristics, YARA')
  st.match(r.out, `absent members: ${MEMBERS[3]?.address}`)
  st.match(r.out, 'withheld (committed, never revealed): none')

  const tty = await run(['submit', join(w.dir, 'sample.bin'), '--api', w.api, '--deployment', w.deployment], REPO, { tty: true })
  st.equal(tty.code, 0)
  st.match(tty.err, /analysis (queued|completed), \d\/4 verdicts/)

  const json = await run(['submit', 'sample.bin', '--json'], w.dir)
  st.equal(json.code, 0)
  const parsed = JSON.parse(json.out) as { data: { id: string, type: string }, verified: boolean, verification: { attesters: string[], quorum: number, problems: unknown[] } }
  st.equal(parsed.data.type, 'file')
  st.equal(parsed.data.id, H.sha256.slice(2))
  st.equal(parsed.verified, true)
  st.same(parsed.verification.attesters.length, 3)
  st.equal(parsed.verification.quorum, 3)
  st.same(parsed.verification.problems, [])
})

t.test('lookup: by any hash; unknown, pending and unverifiable reports', async (st) => {
  const w = await world({ complete: false })
  await w.node.addReported(SAMPLE, ['x.exe'])
  for (const hash of [H.sha256.slice(2), H.sha1.slice(2), H.md5, H.sha256.toUpperCase().replace('0X', '0x')]) {
    const r = await run(['lookup', hash], w.dir)
    st.equal(r.code, 0, `lookup ${hash}: ${r.err}`)
    st.match(r.out, /verified: yes/)
  }
  const unknown = await run(['lookup', 'f'.repeat(64)], w.dir)
  st.equal(unknown.code, 2)
  st.match(unknown.err, /^virusmap: f{64}: not known to http/)

  const other = new TextEncoder().encode('not yet scanned')
  await fetch(`${w.api}/api/v3/files`, { method: 'POST', body: (() => { const f = new FormData(); f.append('file', new Blob([other])); return f })() })
  const pending = await run(['lookup', hashes(other).sha256], w.dir)
  st.equal(pending.code, 2)
  st.match(pending.err, /no final report yet/)

  w.rpc.state.members = MEMBERS.slice(1).map((m) => m.address)
  const bad = await run(['lookup', H.sha256], w.dir)
  st.equal(bad.code, 3)
  st.match(bad.out, /verified: NO — .*MEMBER_COUNT_MISMATCH/)
  const badJson = await run(['lookup', H.sha256, '--json'], w.dir)
  st.equal(badJson.code, 3)
  st.equal((JSON.parse(badJson.out) as { verified: boolean }).verified, false)

  w.rpc.state.chainId = 1
  const wrongChain = await run(['lookup', H.sha256], w.dir)
  st.equal(wrongChain.code, 3)
  st.match(wrongChain.out, /WRONG_CHAIN/)
})

t.test('one-line errors and exit codes', async (st) => {
  const w = await world({ complete: false })
  const cases: Array<[string[], number, RegExp, string?]> = [
    [['submit', 'missing.bin'], 1, /^virusmap: cannot read missing\.bin: ENOENT\n/],
    [['submit', '.devnet'], 1, /not a regular file/],
    [['submit'], 1, /expected one FILE/],
    [['lookup', 'xyz'], 1, /not a valid domain/],
    [['lookup', 'a'.repeat(63), '--kind', 'file'], 1, /not a sha256/],
    [['lookup', H.sha256, '--bogus'], 1, /Unknown option '--bogus'/],
    [['lookup', H.sha256, '--timeout', 'soon'], 1, /--timeout/],
    [['lookup', H.sha256, '--api', 'ftp://x'], 1, /--api must be an http/],
    [['lookup', H.sha256, '--api', 'http://127.0.0.1:9'], 4, /cannot reach http:\/\/127\.0\.0\.1:9/],
    [['lookup', H.sha256, '--deployment', 'nope.json'], 1, /cannot read deployment file .*nope\.json: ENOENT/],
    [['lookup', H.sha256, '--deployment', 'sample.bin'], 1, /bad deployment file .*: not JSON/],
    [['lookup', H.sha256, '--deployment', 'broken.json'], 1, /contracts\.registry must be an address/],
    [['submit', 'sample.bin', '--timeout', '0.3'], 4, /timed out/],
    [['nope'], 1, /unknown command "nope"/],
    [[], 1, /usage: virusmap <command>/]
  ]
  await writeFile(join(w.dir, 'broken.json'), JSON.stringify({ chainId: 1, rpcUrl: 'http://127.0.0.1:1', contracts: {} }))
  for (const [argv, code, pattern] of cases) {
    const r = await run(argv, w.dir)
    st.equal(r.code, code, `${argv.join(' ')} exits ${code}`)
    st.match(r.err, pattern, argv.join(' '))
    noStack(st, r.err)
  }

  const nowhere = await mkdtemp(join(tmpdir(), 'virusmap-cli-empty-'))
  st.teardown(() => rm(nowhere, { recursive: true, force: true }))
  const noDeployment = await run(['lookup', H.sha256], nowhere)
  st.equal(noDeployment.code, 1)
  st.match(noDeployment.err, /pass --deployment FILE, run virusmap init, or run where \.devnet\/devnet\.json exists/)

  await w.node.addReported(SAMPLE)
  const deadRpc = await run(['lookup', H.sha256, '--rpc', 'http://127.0.0.1:9'], w.dir)
  st.equal(deadRpc.code, 4)
  st.match(deadRpc.err, /cannot reach RPC/)

  await writeFile(join(w.dir, 'elsewhere.json'), JSON.stringify({ chainId: CHAIN_ID, rpcUrl: w.rpc.url, contracts: { registry: `0x${'cd'.repeat(20)}` }, nodes: [{ api: w.api }] }))
  const noRegistry = await run(['lookup', H.sha256, '--deployment', 'elsewhere.json'], w.dir)
  st.equal(noRegistry.code, 4)
  st.match(noRegistry.err, /^virusmap: registry 0xcdcd.* did not answer/)

  const controller = new AbortController()
  setTimeout(() => { controller.abort() }, 100)
  const interrupted = await run(['submit', 'sample.bin', '--json'], w.dir, { signal: controller.signal })
  st.equal(interrupted.code, 4)
  st.match(interrupted.err, /interrupted/)
})

t.test('help', async (st) => {
  const main = await run(['--help'], REPO)
  st.equal(main.code, 0)
  for (const name of ['devnet', 'supernode', 'submit', 'lookup']) st.match(main.out, new RegExp(`\\n  ${name}\\s`))
  const sub = await run(['lookup', '--help'], REPO)
  st.equal(sub.code, 0)
  st.match(sub.out, /^usage: virusmap lookup HASH\|URL\|DOMAIN\|IP\|WALLET \[--kind /)
})

t.test('the executable runs under Node 24 type stripping', async (st) => {
  const exec = promisify(execFile)
  const help = await exec('npx', ['node', 'node/src/cli/main.ts', '--help'], { cwd: REPO })
  st.match(help.stdout, /usage: virusmap <command>/)
  const bad = await exec('npx', ['node', 'node/bin/virusmap.js', 'lookup', 'zz'], { cwd: REPO }).then(() => undefined, (err: { code: number, stderr: string }) => err)
  st.equal(bad?.code, 1)
  st.match(bad?.stderr, /virusmap: not a valid domain: domain: needs at least two labels/)
  noStack(st, bad?.stderr ?? '')
})
