import t from 'tap'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { memoryVotes } from '../fixtures/memory-votes.ts'
import { hashes } from '../fixtures/signed-reports.ts'
import { openDatabase, VoteRepository } from '../../src/db/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'

const ALICE = 'a1'.repeat(32)
const BOB = 'b2'.repeat(32)
const SAMPLE = new TextEncoder().encode('vote on me\n')

const vote = (verdict: unknown): string => JSON.stringify({ data: { type: 'vote', attributes: { verdict } } })

t.test('votes: one per key per file, totals on the file object, VT errors for bad input', async (st) => {
  const node = createMemoryNode()
  await node.addReported(SAMPLE)
  const h = hashes(SAMPLE)
  const server = await startApi(t, {
    ...node.ports,
    votes: memoryVotes(),
    keys: { find: async (k) => k === ALICE ? { id: 'alice', perMinute: 1000, perDay: 1000 } : k === BOB ? { id: 'bob', perMinute: 1000, perDay: 1000 } : undefined }
  })
  const url = `${server.url}/api/v3/files/${h.sha256.slice(2)}/votes`
  const post = (key: string, body: string, type = 'application/json'): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'x-apikey': key, 'content-type': type }, body })

  const first = await post(ALICE, vote('malicious'))
  st.equal(first.status, 200)
  const created = await first.json() as { data: { type: string, id: string, attributes: { verdict: string, value: number, date: number } } }
  st.match(created.data, { type: 'vote', id: `f-${h.sha256.slice(2)}-alice`, attributes: { verdict: 'malicious', value: 1 } })
  st.ok(Number.isSafeInteger(created.data.attributes.date))
  await expectVtError(st, await post(ALICE, vote('harmless')), 409, 'AlreadyExistsError')
  st.equal((await post(BOB, vote('harmless'))).status, 200)

  const list = await (await fetch(`${url}?limit=5`, { headers: { 'x-apikey': ALICE } })).json() as { data: unknown[], meta: { count: number } }
  st.equal(list.meta.count, 2)
  const file = await (await fetch(`${server.url}/api/v3/files/${h.md5.slice(2)}`, { headers: { 'x-apikey': BOB } })).json() as { data: { attributes: { total_votes: unknown } } }
  st.same(file.data.attributes.total_votes, { harmless: 1, malicious: 1 })

  await expectVtError(st, await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: vote('malicious') }), 401, 'AuthenticationRequiredError')
  for (const bad of ['{}', '[]', 'null', '{"data":{"type":"comment","attributes":{"verdict":"malicious"}}}', '{"data":{"type":"vote"}}', '{"data":{"type":"vote","attributes":null}}', '{"__proto__":{"data":1}}']) {
    await expectVtError(st, await post(ALICE, bad), 400, 'BadRequestError')
  }
  for (const bad of ['evil', 1, null, ['malicious'], 'Malicious']) await expectVtError(st, await post(ALICE, vote(bad)), 400, 'InvalidArgumentError')
  await expectVtError(st, await post(ALICE, '{"data":'), 400, 'BadRequestError')
  await expectVtError(st, await post(ALICE, vote('x'.repeat(70_000))), 413, 'RequestEntityTooLargeError')
  await expectVtError(st, await post(ALICE, vote('malicious'), 'text/plain'), 400, 'BadRequestError')
  const wrongType = await post(ALICE, vote('malicious'), 'application/xml')
  st.equal(wrongType.status, 415)
  st.equal(((await wrongType.json()) as { error: { code: string } }).error.code, 'BadRequestError')
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${'ee'.repeat(32)}/votes`, { headers: { 'x-apikey': ALICE } }), 404, 'NotFoundError')
  await expectVtError(st, await post(ALICE, vote('malicious')).then(async () => await fetch(`${server.url}/api/v3/files/nothex/votes`, { headers: { 'x-apikey': ALICE } })), 400, 'BadRequestError')
  for (const bad of ['0', '41', 'x', '-1']) await expectVtError(st, await fetch(`${url}?limit=${bad}`, { headers: { 'x-apikey': ALICE } }), 400, 'InvalidArgumentError')
})

t.test('a node that takes no keys refuses votes (they are counted per key)', async (st) => {
  const node = createMemoryNode()
  await node.addReported(SAMPLE)
  const server = await startApi(t, { ...node.ports, votes: memoryVotes() })
  await expectVtError(st, await fetch(`${server.url}/api/v3/files/${hashes(SAMPLE).sha256.slice(2)}/votes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: vote('harmless') }), 401, 'AuthenticationRequiredError')
})

t.test('vote repository: first vote stands, totals, newest first', async (st) => {
  const db = await openDatabase({ path: st.testdir() })
  st.teardown(() => db.close())
  const repo = new VoteRepository(db)
  const sha = `0x${'ab'.repeat(32)}` as Hex
  st.equal(await repo.add({ sha256: sha, voter: 'a', verdict: 'malicious', date: 1 }), true)
  st.equal(await repo.add({ sha256: sha, voter: 'a', verdict: 'harmless', date: 2 }), false)
  st.equal(await repo.add({ sha256: sha, voter: 'b', verdict: 'harmless', date: 3 }), true)
  st.equal(await repo.add({ sha256: `0x${'cd'.repeat(32)}`, voter: 'a', verdict: 'harmless', date: 4 }), true)
  st.same(await repo.totals(sha), { harmless: 1, malicious: 1 })
  st.equal(await repo.add({ sha256: sha, voter: 'c', verdict: 'malicious', date: 5 }), true)
  st.same(await repo.totals(sha), { harmless: 1, malicious: 2 }, 'cached totals follow new votes')
  st.same(await new VoteRepository(db).totals(sha), { harmless: 1, malicious: 2 }, 'and match the database')
  st.same((await repo.list(sha, 10)).map((v) => v.voter), ['c', 'b', 'a'])
  st.same((await repo.list(sha, 1)).map((v) => v.voter), ['c'])
})

t.test('vote repository: a file and indicators with the same sha256 keep their votes apart', async (st) => {
  const db = await openDatabase({ path: st.testdir() })
  st.teardown(() => db.close())
  const repo = new VoteRepository(db)
  const sha = `0x${'ab'.repeat(32)}` as Hex
  st.equal(await repo.add({ sha256: sha, voter: 'a', verdict: 'malicious', date: 1 }), true)
  st.equal(await repo.add({ kind: 'url', sha256: sha, voter: 'a', verdict: 'harmless', date: 2 }), true, 'the same key votes on the URL too')
  st.equal(await repo.add({ kind: 'domain', sha256: sha, voter: 'a', verdict: 'harmless', date: 3 }), true)
  st.equal(await repo.add({ kind: 'url', sha256: sha, voter: 'a', verdict: 'malicious', date: 4 }), false)
  st.same(await repo.totals(sha), { harmless: 0, malicious: 1 })
  st.same(await repo.totals(sha, 'file'), { harmless: 0, malicious: 1 })
  st.same(await repo.totals(sha, 'url'), { harmless: 1, malicious: 0 })
  st.same(await new VoteRepository(db).totals(sha, 'domain'), { harmless: 1, malicious: 0 })
  st.same((await repo.list(sha, 10, 'url')).map((v) => v.date), [2])
  st.same((await repo.list(sha, 10)).map((v) => v.date), [1])
})
