import { once } from 'node:events'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import type { Test } from 'tap'
import { NodeProvider } from '../../src/chain/node-provider.ts'
import type { AddressInfo } from 'node:net'

interface Call { id: number, method: string }

/** an RPC endpoint that counts the JSON-RPC calls it answers (ethers may batch several in one HTTP request) */
async function rpc (t: Test, failHeads = 0): Promise<{ url: string, calls: string[], setHead: (n: number) => void }> {
  const calls: string[] = []
  let head = 100
  let failures = failHeads
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      const parsed = JSON.parse(body) as Call | Call[]
      const answer = (c: Call): object => {
        calls.push(c.method)
        if (c.method === 'eth_blockNumber' && failures > 0) {
          failures--
          return { jsonrpc: '2.0', id: c.id, error: { code: -32000, message: 'upstream busy' } }
        }
        return { jsonrpc: '2.0', id: c.id, result: c.method === 'eth_blockNumber' ? `0x${head.toString(16)}` : '0x7' }
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, setHead: (n) => { head = n } }
}

function provider (t: Test, url: string, headMaxAgeMs: number): NodeProvider {
  const p = new NodeProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1, headMaxAgeMs })
  t.teardown(() => { p.destroy() })
  return p
}

const heads = (calls: string[]): number => calls.filter((m) => m === 'eth_blockNumber').length

tap.test('heads asked together or within headMaxAgeMs share one request; a later one asks again', async (t) => {
  const { url, calls, setHead } = await rpc(t)
  const p = provider(t, url, 200)
  const answers = await Promise.all(Array.from({ length: 12 }, async () => await p.getBlockNumber()))
  t.same(new Set(answers), new Set([100]))
  t.equal(heads(calls), 1, 'twelve services, one request')
  setHead(101)
  t.equal(await p.send('eth_blockNumber', []), '0x64', 'within the age: the shared answer')
  t.equal(heads(calls), 1)
  await sleep(250)
  t.equal(await p.getBlockNumber(), 101, 'older than headMaxAgeMs: asked again')
  t.equal(heads(calls), 2)
})

tap.test('every other request goes through each time (a nonce must be fresh)', async (t) => {
  const { url, calls } = await rpc(t)
  const p = provider(t, url, 60_000)
  for (let i = 0; i < 3; i++) await p.send('eth_getTransactionCount', ['0x' + '11'.repeat(20), 'latest'])
  t.equal(calls.filter((m) => m === 'eth_getTransactionCount').length, 3)
})

tap.test('a failed head is not kept: the next ask goes to the RPC again', async (t) => {
  const { url, calls } = await rpc(t, 1)
  const p = provider(t, url, 60_000)
  const failed = await p.send('eth_blockNumber', []).then(() => undefined, (err: unknown) => err as { error?: { code?: number } })
  t.equal(failed?.error?.code, -32000, 'the RPC\'s error')
  t.equal(await p.getBlockNumber(), 100)
  t.equal(heads(calls), 2)
})
