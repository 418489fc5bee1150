// `virusmap init` and the profile it writes: lookups from any directory, precedence (flags >
// profile > .devnet/devnet.json), and profiles that are malformed, oversized or planted by someone else.
import { execFileSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap, { type Test } from 'tap'
import { loadProfile, MAX_PROFILE_BYTES, parseProfile, profileDeployment, profilePath } from '../../src/cli/profile.ts'
import { runIn as run, startCliWorld } from '../fixtures/cli-world.ts'
import { hashes, REGISTRY } from '../fixtures/signed-reports.ts'

const SAMPLE = new TextEncoder().encode('profile sample: X5O!P%@AP')
const H = hashes(SAMPLE)
const KEY = 'ab'.repeat(32)

async function tempDir (t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** a world whose node holds SAMPLE's report, a config home and a working directory with no devnet in it */
async function setup (t: Test): Promise<{ w: Awaited<ReturnType<typeof startCliWorld>>, env: { XDG_CONFIG_HOME: string }, elsewhere: string }> {
  const w = await startCliWorld(t, { complete: false })
  await w.node.addReported(SAMPLE, ['x.exe'])
  const env = { XDG_CONFIG_HOME: join(await tempDir(t, 'vm-xdg-'), 'config') }
  return { w, env, elsewhere: await tempDir(t, 'vm-elsewhere-') }
}

tap.test('init --registry, then lookup from a directory with no devnet: the profile is used, mode 0600 in a 0700 dir', async (t) => {
  const { w, env, elsewhere } = await setup(t)
  const before = await run(['lookup', H.sha256], elsewhere, { env })
  t.equal(before.code, 1)
  t.match(before.err, /no deployment to verify against: pass --deployment FILE, run virusmap init/)

  const init = await run(['init', '--api', w.api, '--rpc', w.rpc.url, '--registry', REGISTRY.toUpperCase().replace('0X', '0x'), '--api-key', KEY, '--json'], elsewhere, { env })
  t.equal(init.code, 0, init.err)
  const out = JSON.parse(init.out) as { profile: string, chainId: number, contracts: { registry: string }, apiKey: boolean, gov: boolean }
  t.equal(out.profile, join(env.XDG_CONFIG_HOME, 'virusmap', 'config.json'))
  t.equal(out.chainId, 31337, 'the chain id the RPC serves')
  t.equal(out.contracts.registry, REGISTRY)
  t.equal(out.apiKey, true)
  t.equal(out.gov, false)
  t.notMatch(init.out, KEY, 'the key is not printed')
  t.equal((await stat(out.profile)).mode & 0o777, 0o600)
  t.equal((await stat(join(env.XDG_CONFIG_HOME, 'virusmap'))).mode & 0o777, 0o700)

  const lookup = await run(['lookup', H.sha256], elsewhere, { env })
  t.equal(lookup.code, 0, lookup.err)
  t.match(lookup.out, /verified: yes/)
  const json = await run(['lookup', H.md5, '--json'], elsewhere, { env })
  t.equal(JSON.parse(json.out).verified, true)

  const gov = await run(['gov', 'members'], elsewhere, { env })
  t.equal(gov.code, 1)
  t.match(gov.err, /^virusmap: PROFILE_INCOMPLETE: the profile .* names a registry alone; gov needs .*init --deployment FILE/)

  const human = await run(['init', '--api', w.api, '--rpc', w.rpc.url, '--registry', REGISTRY], elsewhere, { env: { HOME: join(elsewhere, 'home') } })
  t.equal(human.code, 0, human.err)
  t.match(human.out, `profile: ${join(elsewhere, 'home', '.config', 'virusmap', 'config.json')} (mode 600)`, 'HOME/.config without XDG_CONFIG_HOME')
  t.match(human.out, /api key: none/)
  t.match(human.out, /quorum rule: the protocol default/)
})

tap.test('init --deployment keeps the governance contracts; precedence: flags > profile > .devnet/devnet.json', async (t) => {
  const { w, env, elsewhere } = await setup(t)
  // a profile whose API answers nothing: where it is used, the lookup fails to connect
  const dead = 'http://127.0.0.1:9'
  const init = await run(['init', '--api', dead, '--rpc', w.rpc.url, '--deployment', w.deployment, '--json'], elsewhere, { env })
  t.equal(init.code, 0, init.err)
  const saved = await loadProfile(env)
  t.equal(saved?.profile.contracts.governor, REGISTRY, 'the governance contracts of the deployment file')
  t.equal(saved?.profile.contracts.evidence, REGISTRY, 'and the evidence contract, for virusmap evidence submit')
  t.equal(saved?.profile.deployBlock, 1)

  const inDevnetDir = await run(['lookup', H.sha256], w.dir, { env })
  t.equal(inDevnetDir.code, 4, 'the profile beats the devnet.json in the working directory')
  t.match(inDevnetDir.err, /127\.0\.0\.1:9/)
  const apiFlag = await run(['lookup', H.sha256, '--api', w.api], elsewhere, { env })
  t.equal(apiFlag.code, 0, `--api beats the profile: ${apiFlag.err}`)
  const deploymentFlag = await run(['lookup', H.sha256, '--deployment', w.deployment], elsewhere, { env })
  t.equal(deploymentFlag.code, 0, `--deployment replaces the profile (its API too): ${deploymentFlag.err}`)
  const rpcFlag = await run(['lookup', H.sha256, '--api', w.api, '--rpc', 'http://127.0.0.1:9'], elsewhere, { env })
  t.equal(rpcFlag.code, 4, '--rpc beats the profile\'s')
  const noProfile = await run(['lookup', H.sha256], w.dir, { env: {} })
  t.equal(noProfile.code, 0, 'without a profile, the devnet.json in the working directory')
})

tap.test('init refuses bad input with one line and the usage', async (t) => {
  const { w, env, elsewhere } = await setup(t)
  const base = ['--api', w.api, '--rpc', w.rpc.url]
  const cases: Array<[string[], number, RegExp, Record<string, string>?]> = [
    [['init', '--rpc', w.rpc.url, '--registry', REGISTRY], 1, /--api must be an http\(s\) URL/],
    [['init', '--api', 'javascript:alert(1)', '--rpc', w.rpc.url, '--registry', REGISTRY], 1, /--api must be an http/],
    [['init', '--api', w.api, '--rpc', `http://x/${'a'.repeat(3000)}`, '--registry', REGISTRY], 1, /--rpc must be an http/],
    [['init', ...base], 1, /pass one of --deployment FILE .* or --registry ADDR/],
    [['init', ...base, '--registry', REGISTRY, '--deployment', w.deployment], 1, /pass one of/],
    [['init', ...base, '--registry', '0x1234'], 1, /--registry must be a 0x address/],
    [['init', ...base, '--registry', REGISTRY, '--parameters', 'nope'], 1, /--parameters must be a 0x address/],
    [['init', ...base, '--deployment', w.deployment, '--parameters', REGISTRY], 1, /--parameters goes with --registry/],
    [['init', ...base, '--registry', REGISTRY, '--api-key', `${KEY}\n`], 1, /--api-key must be 64 lowercase hex/],
    [['init', ...base, '--registry', REGISTRY, '--apikey', 'A'.repeat(64)], 1, /--api-key must be 64 lowercase hex/],
    [['init', ...base, '--registry', REGISTRY, '--apikey', KEY, '--api-key', KEY], 1, /not both/],
    [['init', ...base, '--registry', REGISTRY, '--chain-id', '0'], 1, /--chain-id must be a positive integer/],
    [['init', ...base, '--registry', REGISTRY, '--chain-id', '5'], 1, /wrong chain: .* serves chain id 31337, expected 5/],
    [['init', ...base, '--registry', `0x${'12'.repeat(20)}`], 1, /no VirusMap registry at 0x1212/],
    [['init', ...base, '--deployment', join(elsewhere, 'missing.json')], 1, /cannot read deployment file/],
    [['init', '--api', w.api, '--rpc', 'http://127.0.0.1:9', '--registry', REGISTRY], 4, /cannot get the chain id from http:\/\/127\.0\.0\.1:9/],
    [['init', ...base, '--registry', REGISTRY], 1, /PROFILE_NO_HOME: no place for a profile: set HOME or XDG_CONFIG_HOME/, {}],
    [['init', ...base, '--registry', REGISTRY, 'extra'], 1, /init takes no arguments/],
    [['init', ...base, '--registry', REGISTRY, '--bogus'], 1, /Unknown option '--bogus'/]
  ]
  for (const [argv, code, pattern, caseEnv] of cases) {
    const r = await run(argv, elsewhere, { env: caseEnv ?? env })
    const what = argv.join(' ').slice(0, 140)
    t.equal(r.code, code, `${what}: exit ${code} (${r.err.trim()})`)
    t.match(r.err, pattern, what)
    t.notMatch(r.err, /\n\s+at /, 'no stack trace')
  }
  t.equal(await loadProfile(env), undefined, 'no profile written by a refused init')
})

tap.test('malformed, oversized and hostile profiles: commands stop with the code, never use them', async (t) => {
  const { w, env, elsewhere } = await setup(t)
  const file = profilePath(env)
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 })
  const good = { version: 1, api: w.api, chainId: 31337, rpcUrl: w.rpc.url, deployBlock: 0, contracts: { registry: REGISTRY } }
  const cases: Array<[string, string | undefined, string, RegExp]> = [
    ['not JSON', '{"version": 1,', 'PROFILE_MALFORMED', /not JSON/],
    ['an array', '[]', 'PROFILE_MALFORMED', /not a JSON object/],
    ['a future version', JSON.stringify({ ...good, version: 2 }), 'PROFILE_MALFORMED', /version must be 1/],
    ['a javascript: API', JSON.stringify({ ...good, api: 'javascript:alert(1)' }), 'PROFILE_MALFORMED', /api must be an http/],
    ['a file: RPC', JSON.stringify({ ...good, rpcUrl: 'file:///etc/passwd' }), 'PROFILE_MALFORMED', /rpcUrl must be an http/],
    ['a string chain id', JSON.stringify({ ...good, chainId: '31337' }), 'PROFILE_MALFORMED', /chainId/],
    ['a negative deploy block', JSON.stringify({ ...good, deployBlock: -1 }), 'PROFILE_MALFORMED', /deployBlock/],
    ['an API key with a line break', JSON.stringify({ ...good, apiKey: `${KEY}\r\nx-evil: 1` }), 'PROFILE_MALFORMED', /apiKey must be 64/],
    ['no registry', JSON.stringify({ ...good, contracts: {} }), 'PROFILE_MALFORMED', /contracts.registry must be a 0x address/],
    ['a registry without 0x', JSON.stringify({ ...good, contracts: { registry: REGISTRY.slice(2) } }), 'PROFILE_MALFORMED', /contracts.registry/],
    ['a bad governor', JSON.stringify({ ...good, contracts: { registry: REGISTRY, governor: 42 } }), 'PROFILE_MALFORMED', /contracts.governor/],
    ['a bad evidence contract', JSON.stringify({ ...good, contracts: { registry: REGISTRY, evidence: '0xnope' } }), 'PROFILE_MALFORMED', /contracts.evidence/],
    ['a bad anchors contract', JSON.stringify({ ...good, contracts: { registry: REGISTRY, anchors: 7 } }), 'PROFILE_MALFORMED', /contracts.anchors/],
    ['__proto__ keys', `{"__proto__": {"api": "${w.api}"}, "version": 1}`, 'PROFILE_MALFORMED', /api must be/],
    ['16 KiB and more', JSON.stringify({ ...good, pad: 'x'.repeat(MAX_PROFILE_BYTES) }), 'PROFILE_TOO_LARGE', /over 16384/]
  ]
  for (const [what, text, code, pattern] of cases) {
    await rm(file, { recursive: true, force: true })
    await writeFile(file, text ?? '', { mode: 0o600 })
    const r = await run(['lookup', H.sha256], elsewhere, { env })
    t.equal(r.code, 1, `${what}: exit 1`)
    t.match(r.err, new RegExp(`^virusmap: ${code}: `), `${what}: ${r.err.trim()}`)
    t.match(r.err, pattern, what)
    t.equal(r.out, '', `${what}: nothing looked up`)
  }

  await rm(file, { force: true })
  await writeFile(file, JSON.stringify(good), { mode: 0o600 })
  t.equal((await run(['lookup', H.sha256], elsewhere, { env })).code, 0, 'the good profile works')
  await chmod(file, 0o644)
  const loose = await run(['lookup', H.sha256], elsewhere, { env })
  t.equal(loose.code, 1)
  t.match(loose.err, /^virusmap: PROFILE_INSECURE: profile .* is open to other users \(mode 644\): chmod 600 /)
  await chmod(file, 0o620)
  t.match((await run(['gov', 'members'], elsewhere, { env })).err, /PROFILE_INSECURE/, 'gov refuses it too')

  await rm(file, { force: true })
  await mkdir(file)
  const dir = await run(['lookup', H.sha256], elsewhere, { env })
  t.match(dir.err, /^virusmap: PROFILE_UNREADABLE: profile .* is not a regular file/)
  await rm(file, { recursive: true })
  execFileSync('mkfifo', [file])
  const fifo = await run(['vote', H.sha256, '--verdict', 'harmless'], elsewhere, { env })
  t.equal(fifo.code, 1)
  t.match(fifo.err, /PROFILE_UNREADABLE: profile .* is not a regular file/, 'a FIFO does not hang the CLI')
  await rm(file)
  execFileSync('ln', ['-s', '/dev/zero', file])
  t.match((await run(['lookup', H.sha256], elsewhere, { env })).err, /PROFILE_UNREADABLE/, 'a link to a device is refused')
})

tap.test('parseProfile keeps known fields only; profilePath follows XDG, then HOME', async (t) => {
  const text = JSON.stringify({ version: 1, api: 'https://vm.example', chainId: 1, rpcUrl: 'https://rpc.example', deployBlock: 5, contracts: { registry: REGISTRY, extra: 1 }, other: true })
  t.same(parseProfile(text, 'f'), { version: 1, api: 'https://vm.example', chainId: 1, rpcUrl: 'https://rpc.example', deployBlock: 5, contracts: { registry: REGISTRY } })
  const anchored = parseProfile(JSON.stringify({ ...JSON.parse(text) as object, contracts: { registry: REGISTRY, anchors: REGISTRY } }), 'f')
  t.equal(profileDeployment(anchored).anchors, REGISTRY, 'the ReportAnchors address reaches the client\'s deployment')
  t.equal(profilePath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/virusmap/config.json')
  t.equal(profilePath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }), '/h/.config/virusmap/config.json', 'a relative XDG_CONFIG_HOME is ignored, as the spec says')
  t.throws(() => profilePath({ HOME: 'relative' }), { code: 'PROFILE_NO_HOME' })
  t.equal(await loadProfile({}), undefined, 'no home, no profile')
  const dir = await tempDir(t, 'vm-xdg-')
  t.equal(await loadProfile({ XDG_CONFIG_HOME: dir }), undefined, 'no file, no profile')
  await writeFile(join(dir, 'virusmap'), 'a file where the directory should be')
  t.equal(await loadProfile({ XDG_CONFIG_HOME: dir }), undefined, 'ENOTDIR: no profile')
})
