// GET /api/virusmap/blocks/{cid} over HTTP from a real blockstore: the sealed blocks of a sample come back
// byte for byte and open with its key to the sample; a CID this node does not hold is 404; ids that are
// not a CID (paths, oversize, injected, another multibase's punctuation) are 400; no store: 503.
import t from 'tap'
import { sha256 } from '@noble/hashes/sha2.js'
import { decryptSample, encryptSample } from '../../src/crypto/convergent.ts'
import { deriveContentKey } from '../../src/crypto/sample-digest.ts'
import { createDurableBlockstore, getBlock } from '../../src/ipfs/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'

const KEY = 'a7'.repeat(32)
const get = async (url: string): Promise<Response> => await fetch(url, { headers: { 'x-apikey': KEY } })
const keys = { find: async (key: string) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined }

t.test('held blocks come back as stored and decrypt to the sample; hostile ids refused', async (st) => {
  const blockstore = createDurableBlockstore({ path: st.testdir() })
  await blockstore.open()
  st.teardown(async () => { await blockstore.close() })
  const sample = new TextEncoder().encode('ciphertext a buyer fetches')
  const contentKey = deriveContentKey(sample)
  const blocks = [...encryptSample([sample], sample.length, contentKey)]
  for (const b of blocks) await blockstore.put(b.cid, b.bytes)
  const ports: ApiPorts = { ...createMemoryNode().ports, keys, blocks: { get: async (cid, o) => await blockstore.has(cid) ? await getBlock(blockstore, cid, o) : undefined } }
  const server = await startApi(st, ports)

  const fetched = new Map<string, Uint8Array>()
  for (const b of blocks) {
    const res = await get(`${server.url}/api/virusmap/blocks/${b.cid.toString()}`)
    st.equal(res.status, 200)
    st.equal(res.headers.get('content-type'), 'application/vnd.ipld.raw')
    fetched.set(b.cid.toString(), new Uint8Array(await res.arrayBuffer()))
  }
  const opened = await decryptSample(blocks.at(-1)!.cid, contentKey, async (cid) => fetched.get(cid.toString())!)
  st.same(sha256(opened), sha256(sample), 'the fetched ciphertext opens to the sample')

  const other = new TextEncoder().encode('a sample never stored here')
  const absent = [...encryptSample([other], other.length, deriveContentKey(other))].at(-1)!.cid
  st.equal((await get(`${server.url}/api/virusmap/blocks/${absent.toString()}`)).status, 404, 'not held here')
  for (const bad of ['x', 'bafy', '..%2F..%2Fetc%2Fpasswd', `b${'a'.repeat(200)}`, 'bafk!!!!!!!!', '%00%00%00%00%00%00%00%00', 'zzzzzzzzzzzzzzzz', blocks[0]!.cid.toString().slice(0, -3)]) {
    const res = await get(`${server.url}/api/virusmap/blocks/${bad}`)
    st.equal(res.status, 400, bad.slice(0, 24))
    st.equal((await res.json() as { error: { code: string } }).error.code, 'InvalidArgumentError', bad.slice(0, 24))
  }
  st.equal((await fetch(`${server.url}/api/virusmap/blocks/${blocks[0]!.cid.toString()}`)).status, 401, 'needs a key like every /api/virusmap route')
  const openapi = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, unknown> }
  st.ok(openapi.paths['/api/virusmap/blocks/{cid}'])
})

t.test('a node without a block store answers 503', async (st) => {
  const server = await startApi(st, createMemoryNode().ports)
  st.equal((await fetch(`${server.url}/api/virusmap/blocks/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`)).status, 503)
})
