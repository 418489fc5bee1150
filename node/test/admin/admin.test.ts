import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { adminCookiePath, buildAdminApp, createAdminServer, isLoopback, readAdminCookie } from '../../src/admin/index.ts'
import { createApiServer } from '../../src/api/server.ts'
import { runCli } from '../../src/cli/run.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import type { Database } from '../../src/db/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError } from '../fixtures/api-server.ts'
import { raw } from '../fixtures/raw-http.ts'
import type { Test } from 'tap'

const silent = pino({ level: 'silent' })

async function cli (argv: string[], cwd: string): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env: {}, cwd })
  return { code, out, err }
}

/** What a running supernode holds: its database (locked), the API with its key cache, the admin endpoint. */
async function runningNode (t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-admin-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let db: Database | undefined = await openDatabase({ path: join(dir, 'db') })
  t.teardown(async () => { await db?.close() })
  const repos = createRepositories(db)
  const api = createApiServer({
    ports: { ...createMemoryNode().ports, keys: { find: async (k) => await repos.apiKeys.find(k), onChange: (l) => repos.apiKeys.onChange(l) } },
    logger: silent,
    maxUploadBytes: 1024
  })
  await api.start()
  t.teardown(() => api.stop())
  const admin = createAdminServer({ keys: repos.apiKeys, dataDir: dir, logger: silent })
  await admin.start()
  t.teardown(() => admin.stop())
  const closeDb = async (): Promise<void> => { await db?.close(); db = undefined }
  return { dir, repos, api, admin, closeDb }
}

const lookup = async (api: string, key: string): Promise<Response> => await fetch(`${api}/api/v3/files/${'ab'.repeat(32)}`, { headers: { 'x-apikey': key } })

tap.test('virusmap apikey changes the keys of a running node, at once', async (t) => {
  const node = await runningNode(t)
  const info = await stat(adminCookiePath(node.dir))
  t.equal(info.mode & 0o777, 0o600, 'the cookie is readable by its owner only')
  const cookie = await readAdminCookie(node.dir)
  t.equal(cookie?.url, node.admin.url)
  t.match(cookie?.token, /^[0-9a-f]{64}$/)

  const created = await cli(['apikey', 'create', '--data-dir', node.dir, '--name', 'live', '--privilege', 'download', '--json'], node.dir)
  t.equal(created.code, 0, created.err)
  const made = JSON.parse(created.out) as { key: string, id: string, privileges: string[] }
  t.same(made.privileges, ['download'])
  await expectVtError(t, await lookup(node.api.url, made.key), 404, 'NotFoundError')
  t.pass('the new key works without a restart')

  const listed = await cli(['apikey', 'list', '--data-dir', node.dir], node.dir)
  t.equal(listed.code, 0, listed.err)
  t.match(listed.out, new RegExp(`${made.id}  active .* live  privileges: download`))
  t.notMatch(listed.out, made.key)

  const revoked = await cli(['apikey', 'revoke', made.key, '--data-dir', node.dir], node.dir)
  t.equal(revoked.code, 0, revoked.err)
  t.match(revoked.out, `revoked ${made.id} (live)`)
  await expectVtError(t, await lookup(node.api.url, made.key), 401, 'WrongCredentialsError')
  t.pass('the revoked key stops at once, though the API had it cached')

  for (const [argv, pattern] of [
    [['apikey', 'revoke', 'ffffffffffffffff'], /no API key with id/],
    [['apikey', 'revoke', 'not-an-id'], /a key id is 16 lowercase hex digits/],
    [['apikey', 'create', '--privilege', 'root'], /unknown --privilege "root" \(known: download\)/],
    [['apikey', 'create', '--name', 'n'.repeat(101)], /--name must be at most 100/]
  ] as const) {
    const r = await cli([...argv, '--data-dir', node.dir], node.dir)
    t.equal(r.code, 1, argv.join(' '))
    t.match(r.err, pattern)
    t.notMatch(r.err, /\n\s+at /)
  }

  // stopped: the cookie goes, and the command opens the database itself
  await node.admin.stop()
  await t.rejects(stat(adminCookiePath(node.dir)), { code: 'ENOENT' }, 'the cookie is deleted at stop')
  const locked = await cli(['apikey', 'list', '--data-dir', node.dir], node.dir)
  t.equal(locked.code, 1)
  t.match(locked.err, /in use and no admin.cookie/)
  await node.closeDb()
  const offline = await cli(['apikey', 'list', '--data-dir', node.dir, '--json'], node.dir)
  t.equal(offline.code, 0, offline.err)
  t.equal((JSON.parse(offline.out) as Array<{ id: string, revokedAt?: number }>).find((r) => r.id === made.id)?.revokedAt !== undefined, true)

  // a cookie a killed node left behind: noted, then the database is used
  await writeFile(adminCookiePath(node.dir), JSON.stringify({ url: 'http://127.0.0.1:9', token: 'ab'.repeat(32) }))
  const stale = await cli(['apikey', 'create', '--data-dir', node.dir], node.dir)
  t.equal(stale.code, 0, stale.err)
  t.match(stale.err, /stale admin.cookie/)
  await writeFile(adminCookiePath(node.dir), '{"url": "http://evil.example:80", "token": "x"}')
  const bad = await cli(['apikey', 'list', '--data-dir', node.dir], node.dir)
  t.equal(bad.code, 1)
  t.match(bad.err, /is not an admin cookie/)
})

tap.test('the admin endpoint: token, loopback, and hostile requests answer VirusTotal errors', async (t) => {
  const node = await runningNode(t)
  const cookie = await readAdminCookie(node.dir)
  const token = cookie?.token ?? ''
  const url = `${node.admin.url}/admin/apikeys`
  const auth = { authorization: `Bearer ${token}` }
  await expectVtError(t, await fetch(url), 401, 'AuthenticationRequiredError')
  for (const header of [`Bearer ${'0'.repeat(64)}`, `Bearer ${token}0`, token, `Basic ${token}`, 'Bearer ', `bearer ${token}`]) {
    await expectVtError(t, await fetch(url, { headers: { authorization: header } }), 401, 'WrongCredentialsError')
  }
  await expectVtError(t, await fetch(`${node.admin.url}/admin/secret-route`), 401, 'AuthenticationRequiredError')
  await expectVtError(t, await fetch(`${node.admin.url}/admin/secret-route`, { headers: auth }), 404, 'NotFoundError')
  t.equal((await fetch(url, { headers: auth })).status, 200)

  const post = async (body: string, type = 'application/json'): Promise<Response> => await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': type }, body })
  const good = { name: 'x', perMinute: 1, perDay: 1, privileges: [] }
  t.equal((await post(JSON.stringify(good))).status, 200)
  for (const body of ['[]', 'null', '"x"']) await expectVtError(t, await post(body), 400, 'BadRequestError')
  await expectVtError(t, await post('{"name":'), 400, 'BadRequestError')
  for (const bad of [{ ...good, privileges: ['root'] }, { ...good, privileges: 'download' }, { ...good, perMinute: 0 }, { ...good, perDay: 1.5 }, { ...good, perDay: '5' },
    { ...good, name: 7 }, { ...good, name: 'n'.repeat(101) }, { ...good, key: 'ab'.repeat(32) }, { ...good, __proto__: { admin: true }, extra: 1 }]) {
    await expectVtError(t, await post(JSON.stringify(bad)), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await post(JSON.stringify({ ...good, name: 'x'.repeat(20_000) })), 413, 'RequestEntityTooLargeError')
  for (const id of ['zz', 'F'.repeat(16), '1'.repeat(17), '%00']) await expectVtError(t, await fetch(`${url}/${id}`, { method: 'DELETE', headers: auth }), 400, 'InvalidArgumentError')
  await expectVtError(t, await fetch(`${url}/${'0'.repeat(16)}`, { method: 'DELETE', headers: auth }), 404, 'NotFoundError')
  const huge = await raw(node.admin.url, `GET /admin/apikeys HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${token}\r\nx-junk: ${'j'.repeat(10_000)}\r\nConnection: close\r\n\r\n`)
  t.match(huge, /^HTTP\/1\.1 431/)

  // from anywhere but loopback the right token does not help
  const app = buildAdminApp({ keys: node.repos.apiKeys, token, logger: silent })
  t.teardown(() => app.close())
  for (const remoteAddress of ['10.0.0.7', '::ffff:192.168.1.2', '2001:db8::1']) {
    const res = await app.inject({ method: 'GET', url: '/admin/apikeys', remoteAddress, headers: auth })
    t.equal(res.statusCode, 403, remoteAddress)
    t.equal((res.json() as { error: { code: string } }).error.code, 'ForbiddenError')
  }
  t.equal((await app.inject({ method: 'GET', url: '/admin/apikeys', remoteAddress: '127.0.0.1', headers: auth })).statusCode, 200)
})

tap.test('loopback addresses', async (t) => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a)
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1', '127.0.0.1.evil', '0.0.0.0', '::', '', undefined]) t.notOk(isLoopback(a), String(a))
})
