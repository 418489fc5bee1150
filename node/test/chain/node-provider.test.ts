import { once } from 'node:events'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import type { Test } from 'tap'
import { NodeProvider } from '../../src/chain/node-provider.ts'
import type { AddressInfo } from 'node:net'

interface Call { id: number, method: string, params: unknown[] }

const hash = (block: number, branch: string): string => `0x${branch.repeat(2)}${block.toString(16).padStart(62, '0')}`
/** block `n` of `branch` (one letter), its parent of `parentBranch` */
const header = (n: number, branch: string, parentBranch = branch): object => ({
  number: `0x${n.toString(16)}`, hash: hash(n, branch), parentHash: hash(n - 1, parentBranch), timestamp: `0x${(1000 + n).toString(16)}`,
  nonce: '0x0000000000000000', difficulty: '0x0', gasLimit: '0x1c9c380', gasUsed: '0x0', miner: `0x${'00'.repeat(20)}`, extraData: '0x', baseFeePerGas: '0x1', transactions: []
})

/**
 * an RPC endpoint that counts the JSON-RPC calls it answers (ethers may batch several in one HTTP request), a head
 * read as 'head'; `headers` answers eth_getBlockByNumber (the test may change it between reads), the head's too
 * (branch a when it answers none), and `logs` eth_getLogs
 */
async function rpc (t: Test, failHeads = 0, headers: (n: number) => object | null = () => null, logs: (filter: Record<string, unknown>) => unknown[] = () => []): Promise<{ url: string, calls: string[], setHead: (n: number) => void }> {
  const calls: string[] = []
  let head = 100
  let failures = failHeads
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      const parsed = JSON.parse(body) as Call | Call[]
      const answer = (c: Call): object => {
        const latest = c.method === 'eth_getBlockByNumber' && c.params[0] === 'latest'
        calls.push(latest ? 'head' : c.method === 'eth_getBlockByNumber' ? `${c.method} ${Number(c.params[0])}` : c.method)
        if (latest && failures > 0) {
          failures--
          return { jsonrpc: '2.0', id: c.id, error: { code: -32000, message: 'upstream busy' } }
        }
        if (latest) return { jsonrpc: '2.0', id: c.id, result: headers(head) ?? header(head, 'a') }
        if (c.method === 'eth_getBlockByNumber') return { jsonrpc: '2.0', id: c.id, result: headers(Number(c.params[0])) }
        if (c.method === 'eth_getLogs') return { jsonrpc: '2.0', id: c.id, result: logs(c.params[0] as Record<string, unknown>) }
        return { jsonrpc: '2.0', id: c.id, result: '0x7' }
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

function provider (t: Test, url: string, headMaxAgeMs: number, headerMaxAgeMs = headMaxAgeMs): NodeProvider {
  const p = new NodeProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1, headMaxAgeMs, headerMaxAgeMs })
  t.teardown(() => { p.destroy() })
  return p
}

const heads = (calls: string[]): number => calls.filter((m) => m === 'head').length

tap.test('heads asked together or within headMaxAgeMs share one request (the newest block\'s header); a later one asks again', async (t) => {
  const { url, calls, setHead } = await rpc(t)
  // an age a loaded machine cannot outrun between two awaits
  const p = provider(t, url, 1500)
  const answers = await Promise.all(Array.from({ length: 12 }, async () => await p.getBlockNumber()))
  t.same(new Set(answers), new Set([100]))
  t.equal(heads(calls), 1, 'twelve services, one request')
  t.equal((await p.getBlock('latest'))?.hash, hash(100, 'a'), 'the head\'s header: the same answer')
  setHead(101)
  t.equal(await p.send('eth_blockNumber', []), '0x64', 'within the age: the shared answer')
  t.equal(heads(calls), 1)
  t.notOk(calls.includes('eth_blockNumber'), 'no eth_blockNumber sent')
  await sleep(1600)
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

const headerReads = (calls: string[], n: number): number => calls.filter((m) => m === `eth_getBlockByNumber ${n}`).length

tap.test('an older header is answered from the headers read since, within headerMaxAgeMs; the newest is read each time', async (t) => {
  const { url, calls } = await rpc(t, 0, (n) => header(n, 'a'))
  const p = provider(t, url, 100, 1500)
  for (const n of [10, 11, 12]) t.equal((await p.getBlock(n))?.hash, hash(n, 'a'))
  t.equal((await p.getBlock(10))?.timestamp, 1010, 'block 10 again: from the headers 11 and 12 vouch for')
  t.equal((await p.getBlock(11))?.hash, hash(11, 'a'))
  t.equal(headerReads(calls, 10) + headerReads(calls, 11), 2, 'each read once')
  await p.getBlock(12)
  t.equal(headerReads(calls, 12), 2, 'the newest block is read again: its own read never vouches for it')
  await sleep(1600)
  await p.getBlock(10)
  t.equal(headerReads(calls, 10), 2, 'older than headerMaxAgeMs: read again')
  const full = await p.send('eth_getBlockByNumber', ['0xa', true]) as unknown
  t.equal(headerReads(calls, 10), 3, 'a block with its transactions always goes to the RPC')
  t.same(full, header(10, 'a'))
})

tap.test('a reorg replaces a kept header: once a read shows the new branch, the old headers are not answered', async (t) => {
  let branch = 'a'
  const { url, calls } = await rpc(t, 0, (n) => n <= 10 ? header(n, 'a') : header(n, branch, n === 11 ? 'a' : branch))
  const p = provider(t, url, 60_000)
  for (const n of [10, 11, 12, 13]) await p.getBlock(n)
  branch = 'b'
  // the follower reads the next block: its parent is b's 13, not the kept one
  t.equal((await p.getBlock(14))?.hash, hash(14, 'b'))
  t.equal((await p.getBlock(12))?.hash, hash(12, 'b'), 'block 12 is read again, from the new branch')
  t.equal(headerReads(calls, 12), 2)
  // the run is only 14 now: 13 joins it as 14's parent, then 12 as 13's
  t.equal((await p.getBlock(13))?.hash, hash(13, 'b'))
  await p.getBlock(12)
  t.equal(headerReads(calls, 12), 3, 'linked to the run now')
  t.equal((await p.getBlock(12))?.hash, hash(12, 'b'), 'and then answered from the new branch\'s headers')
  t.equal(headerReads(calls, 12), 3)
})

tap.test('a hostile header answer is refused and not kept', async (t) => {
  let lie: ((n: number) => object) | undefined
  const { url, calls } = await rpc(t, 0, (n) => n >= 100 ? null : lie?.(n) ?? header(n, 'a'))
  const p = provider(t, url, 60_000)
  lie = (n) => header(n + 1, 'a')
  await t.rejects(p.getBlock(10), { code: 'WRONG_BLOCK' }, 'the header of another block')
  lie = (n) => ({ ...header(n, 'a'), hash: 'not a hash' })
  await t.rejects(p.getBlock(11), { code: 'MALFORMED_HEADER' })
  lie = undefined
  for (const n of [10, 11, 12]) t.equal((await p.getBlock(n))?.hash, hash(n, 'a'), `block ${n} read afresh once the RPC behaves`)
  t.equal(headerReads(calls, 10), 2)
  t.equal(await p.getBlock(200), null, 'no such block: null, and nothing kept')
})

tap.test('headerMaxAgeMs defaults to the polling interval, else to headMaxAgeMs', async (t) => {
  const { url, calls } = await rpc(t, 0, (n) => header(n, 'a'))
  const polled = new NodeProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1, headMaxAgeMs: 1, pollingInterval: 60_000 })
  t.teardown(() => { polled.destroy() })
  for (const n of [10, 11, 10]) await polled.getBlock(n)
  await sleep(20)
  await polled.getBlock(10)
  t.equal(headerReads(calls, 10), 1, 'a read of 11 vouches for 10 for the polling interval')
  const unpolled = provider(t, url, 1)
  for (const n of [20, 21]) await unpolled.getBlock(n)
  await sleep(20)
  await unpolled.getBlock(20)
  t.equal(headerReads(calls, 20), 2, 'without one, for headMaxAgeMs')
})

tap.test('a head read vouches for the blocks below it that the run links to it; a jump starts the run again', async (t) => {
  const { url, calls, setHead } = await rpc(t, 0, (n) => header(n, 'a'))
  const p = provider(t, url, 1, 60_000)
  // the follower reads a block two under the head, then the heads come in one at a time
  await p.getBlock(98)
  for (const n of [99, 100]) {
    setHead(n)
    await sleep(5)
    await p.getBlockNumber()
  }
  await p.getBlock(98)
  await p.getBlock(99)
  t.equal(headerReads(calls, 98) + headerReads(calls, 99), 1, 'read once: the head read of 100 vouches for 98 and 99')
  setHead(103)
  await sleep(5)
  t.equal(await p.getBlockNumber(), 103)
  await p.getBlock(99)
  t.equal(headerReads(calls, 99), 1, 'the run starts again at 103: 99 is read afresh')
})

const log = (n: number, address: string, topic: string, branch = 'a'): object => ({
  address, topics: [topic], data: '0x', blockNumber: `0x${n.toString(16)}`, blockHash: hash(n, branch), logIndex: '0x0', transactionIndex: '0x0', transactionHash: hash(n, 'f'), removed: false
})
const A = `0x${'aa'.repeat(20)}`
const B = `0x${'bb'.repeat(20)}`
const T1 = `0x${'01'.repeat(32)}`
const T2 = `0x${'02'.repeat(32)}`

tap.test('a range read of logs is answered from whole blocks\' logs read by hash, while the run vouches for them', async (t) => {
  // every block has a log of A (topic 1) and one of B (topic 2)
  const { url, calls, setHead } = await rpc(t, 0, (n) => header(n, 'a'), (f) => {
    const n = typeof f.blockHash === 'string' ? Number.parseInt(f.blockHash.slice(-8), 16) : Number(f.fromBlock)
    return [log(n, A, T1), log(n, B, T2)]
  })
  const p = provider(t, url, 1, 60_000)
  const getLogs = (): number => calls.filter((m) => m === 'eth_getLogs').length
  for (const n of [98, 99]) {
    await p.getBlock(n)
    await p.send('eth_getLogs', [{ blockHash: hash(n, 'a'), address: [A, B] }])
  }
  setHead(100)
  await p.getBlockNumber()
  t.equal(getLogs(), 2)
  const ofA = await p.getLogs({ address: A, topics: [T1], fromBlock: 98, toBlock: 99 })
  t.same(ofA.map((l) => [l.blockNumber, l.address.toLowerCase()]), [[98, A], [99, A]], 'A\'s logs of both blocks, none of B\'s')
  t.same(await p.getLogs({ address: B, topics: [T1], fromBlock: 98, toBlock: 99 }), [], 'B has no log of topic 1')
  t.equal((await p.getLogs({ address: [A, B], fromBlock: 99, toBlock: 99 })).length, 2)
  t.equal(getLogs(), 2, 'no request')
  await p.getLogs({ address: A, fromBlock: 98, toBlock: 100 })
  t.equal(getLogs(), 3, 'a block whose logs were not read (100): the range goes to the RPC')
  await p.getLogs({ address: `0x${'cc'.repeat(20)}`, fromBlock: 98, toBlock: 99 })
  t.equal(getLogs(), 4, 'an address not read with the blocks: to the RPC')
  await p.getLogs({ fromBlock: 98, toBlock: 99 })
  t.equal(getLogs(), 5, 'every address: to the RPC')
})

tap.test('logs read by hash are not answered once the run no longer vouches for their block', async (t) => {
  let branch = 'a'
  const { url, calls, setHead } = await rpc(t, 0, (n) => header(n, n <= 98 ? 'a' : branch, n === 99 ? 'a' : branch), (f) => {
    const n = typeof f.blockHash === 'string' ? Number.parseInt(f.blockHash.slice(-8), 16) : Number(f.fromBlock)
    return [log(n, A, T1, typeof f.blockHash === 'string' ? f.blockHash.slice(2, 4) === 'bb' ? 'b' : 'a' : branch)]
  })
  const p = provider(t, url, 1, 60_000)
  const getLogs = (): number => calls.filter((m) => m === 'eth_getLogs').length
  await p.getBlock(99)
  await p.send('eth_getLogs', [{ blockHash: hash(99, 'a'), address: [A] }])
  // a head read answers eth_getLogs's blocks only once a block above them is read
  t.equal((await p.getLogs({ address: A, fromBlock: 99, toBlock: 99 })).length, 1)
  t.equal(getLogs(), 2, 'the newest block: to the RPC')
  setHead(100)
  await p.getBlockNumber()
  await p.getLogs({ address: A, fromBlock: 99, toBlock: 99 })
  t.equal(getLogs(), 2, 'vouched for by the head: from the kept logs')
  branch = 'b'
  setHead(101)
  await sleep(5)
  await p.getBlockNumber()
  const after = await p.getLogs({ address: A, fromBlock: 99, toBlock: 99 })
  t.equal(getLogs(), 3, 'the head is on another branch: read again')
  t.equal(after[0]?.blockHash, hash(99, 'b'))
})

tap.test('a blockHash read with topics, or without addresses, or with a log of another block is not kept', async (t) => {
  const { url, calls, setHead } = await rpc(t, 0, (n) => header(n, 'a'), (f) => {
    const n = typeof f.blockHash === 'string' ? Number.parseInt(f.blockHash.slice(-8), 16) : Number(f.fromBlock)
    return [log(n === 97 ? 96 : n, A, T1)]
  })
  const p = provider(t, url, 1, 60_000)
  for (const n of [97, 98, 99]) await p.getBlock(n)
  await p.send('eth_getLogs', [{ blockHash: hash(97, 'a'), address: [A] }])
  await p.send('eth_getLogs', [{ blockHash: hash(98, 'a'), address: [A], topics: [T1] }])
  await p.send('eth_getLogs', [{ blockHash: hash(99, 'a') }])
  setHead(100)
  await p.getBlockNumber()
  const getLogs = (): number => calls.filter((m) => m === 'eth_getLogs').length
  for (const n of [97, 98, 99]) {
    await p.send('eth_getLogs', [{ address: A, fromBlock: `0x${n.toString(16)}`, toBlock: `0x${n.toString(16)}` }]).catch(() => {})
  }
  t.equal(getLogs(), 6, 'each range read went to the RPC')
})
