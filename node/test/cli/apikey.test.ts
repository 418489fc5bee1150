import t from 'tap'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runIn, type CliRun } from '../fixtures/run-cli.ts'
import { ApiKeyRepository, openDatabase } from '../../src/db/index.ts'

const run = async (argv: string[], cwd: string): Promise<CliRun> => await runIn(argv, cwd)

t.test('apikey create, list, revoke against a node data dir', async (st) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-apikey-'))
  st.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(join(dir, 'node'))

  const created = await run(['apikey', 'create', '--data-dir', 'node', '--name', 'soc team', '--per-minute', '10', '--per-day', '1000'], dir)
  st.equal(created.code, 0, created.err)
  const key = /^api key: ([0-9a-f]{64})$/m.exec(created.out)?.[1] ?? ''
  st.match(key, /^[0-9a-f]{64}$/, 'the key is printed once')
  st.match(created.out, /quota: 10\/minute, 1000\/day/)

  const json = JSON.parse((await run(['apikey', 'create', '--data-dir', 'node', '--json'], dir)).out) as { key: string, id: string, perMinute: number }
  st.equal(json.perMinute, 240, 'default per-minute quota')

  const listed = await run(['apikey', 'list', '--data-dir', 'node'], dir)
  st.equal(listed.code, 0)
  st.equal(listed.out.trim().split('\n').length, 2)
  st.notMatch(listed.out, key, 'list never shows a key')

  const revoked = await run(['apikey', 'revoke', json.id, '--data-dir', 'node'], dir)
  st.equal(revoked.code, 0, revoked.err)
  st.match(revoked.out, `revoked ${json.id}`)
  const after = JSON.parse((await run(['apikey', 'list', '--data-dir', 'node', '--json'], dir)).out) as Array<{ id: string, revokedAt?: number }>
  st.type(after.find((r) => r.id === json.id)?.revokedAt, 'number')

  const db = await openDatabase({ path: join(dir, 'node', 'db') })
  const repo = new ApiKeyRepository(db)
  st.ok(await repo.find(key), 'the first key works')
  st.equal(await repo.find(json.key), undefined, 'the revoked key does not')

  // the running node holds the lock: say so instead of a LevelDB error
  const locked = await run(['apikey', 'list', '--data-dir', 'node'], dir)
  await db.close()
  st.equal(locked.code, 1)
  st.match(locked.err, /in use and no admin.cookie says how to reach the node: stop the supernode/)
})

t.test('apikey usage errors exit 1 with one line', async (st) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-apikey-'))
  st.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const argv of [
    ['apikey', 'create'],
    ['apikey', 'explode', '--data-dir', dir],
    ['apikey', 'revoke', '--data-dir', dir],
    ['apikey', 'list', '--data-dir', join(dir, 'missing')],
    ['apikey', 'create', '--data-dir', dir, '--per-minute', '0'],
    ['apikey', 'create', '--data-dir', dir, '--per-day', 'lots'],
    ['apikey', 'create', 'extra', '--data-dir', dir]
  ]) {
    const r = await run(argv, dir)
    st.equal(r.code, 1, argv.join(' '))
    st.notMatch(r.err, /\n\s+at /, 'no stack trace')
  }
  await run(['apikey', 'create', '--data-dir', dir], dir)
  const unknown = await run(['apikey', 'revoke', 'ffffffffffffffff', '--data-dir', dir], dir)
  st.equal(unknown.code, 1)
  st.match(unknown.err, /no API key with id/)
})
