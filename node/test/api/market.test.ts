// GET /api/virusmap/market/orders/{id}/delivery over HTTP: the stored delivery as signed; an order this
// node did not deliver is 404; ids that are not a decimal uint256 (negative, hex, leading zeros, 2^256,
// oversize, injected) are refused before any lookup; a node without a market answers 503.
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import type { MarketDelivery } from '../../src/db/delivery-repository.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import type { Hex } from '#protocol/messages.ts'

const KEY = 'a7'.repeat(32)
const MARKET = `0x${'4d'.repeat(20)}` as Hex
const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const get = async (url: string): Promise<Response> => await fetch(url, { headers: { 'x-apikey': KEY } })
const keys = { find: async (key: string) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined }

t.test('a delivery as stored; unknown orders 404; hostile ids 400', async (st) => {
  const db = await openDatabase({ path: st.testdir() })
  st.teardown(async () => { await db.close() })
  const repo = new DeliveryRepository(db)
  const big = 2n ** 256n - 1n
  const stored: MarketDelivery = {
    market: MARKET, orderId: big.toString(), sha256: hex('ab', 32), cid: 'bafyexample', member: hex('11', 20),
    wrap: { ephemeralPublicKey: hex('cd', 32), wrappedKey: hex('ef', 60) }, wrapHash: hex('12', 32), signature: hex('34', 65), signedAt: 5
  }
  await repo.getOrCreate(MARKET, big, async () => stored)
  const ports: ApiPorts = { ...createMemoryNode().ports, keys, market: { delivery: async (id) => await repo.get(MARKET, id) } }
  const server = await startApi(st, ports)
  const res = await get(`${server.url}/api/virusmap/market/orders/${big}/delivery`)
  st.equal(res.status, 200)
  st.same((await res.json() as { data: unknown }).data, {
    type: 'market_delivery',
    id: big.toString(),
    attributes: {
      market: MARKET, order_id: big.toString(), sha256: hex('ab', 32), cid: 'bafyexample', member: hex('11', 20), ephemeral_public_key: hex('cd', 32),
      wrapped_key: hex('ef', 60), wrap_hash: hex('12', 32), signature: hex('34', 65), signed_at: 5
    }
  })
  st.equal((await get(`${server.url}/api/virusmap/market/orders/0/delivery`)).status, 404, 'not delivered here')
  for (const bad of ['-1', '0x1', '01', '1.5', '1e3', (2n ** 256n).toString(), '9'.repeat(79), '9'.repeat(4000), '%00', '1%20', 'abc', '1;drop']) {
    const r = await get(`${server.url}/api/virusmap/market/orders/${bad}/delivery`)
    st.equal(r.status, 400, bad.slice(0, 20))
    st.equal((await r.json() as { error: { code: string } }).error.code, 'InvalidArgumentError', bad.slice(0, 20))
  }
  st.equal((await get(`${server.url}/api/virusmap/market/orders/${'9'.repeat(5000)}/delivery`)).status, 414, 'past the router\'s parameter bound')
  st.equal((await fetch(`${server.url}/api/virusmap/market/orders/1/delivery`)).status, 401, 'needs a key like every /api/virusmap route')
  const openapi = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, unknown> }
  st.ok(openapi.paths['/api/virusmap/market/orders/{id}/delivery'])
})

t.test('a node without a market answers 503', async (st) => {
  const server = await startApi(st, createMemoryNode().ports)
  st.equal((await fetch(`${server.url}/api/virusmap/market/orders/1/delivery`)).status, 503)
})
