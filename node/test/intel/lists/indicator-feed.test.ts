import tap from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { renameSync, writeFileSync } from 'node:fs'
import pino from 'pino'
import { Registry } from 'prom-client'
import { createIndicatorFeed } from '../../../src/intel/lists/indicator-feed.ts'
import { createIntelMetrics } from '../../../src/metrics/registry.ts'

/** a pino logger whose lines the test reads */
function recordingLogger (): { logger: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, { write (s: string) { lines.push(JSON.parse(s) as Record<string, unknown>) } })
  return { logger, lines }
}

interface ListServer { url: string, body: string, etag: string, requests: Array<Record<string, string | undefined>>, close: () => Promise<void> }

async function listServer (t: Test): Promise<ListServer> {
  const state = { body: '', etag: '"v1"' }
  const requests: Array<Record<string, string | undefined>> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ inm: req.headers['if-none-match'], url: req.url })
    if (req.url === '/huge') {
      // no content-length: the cap must hold while the body streams
      res.writeHead(200, { 'content-type': 'text/plain' })
      const chunk = `${'a'.repeat(60)}.example\n`.repeat(1000)
      let sent = 0
      const push = (): void => { while (sent < 40 && res.write(chunk)) sent++; if (sent < 40) res.once('drain', push); else res.end() }
      push()
      return
    }
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) })
      res.end()
      return
    }
    if (req.url === '/500') { res.writeHead(500); res.end('no'); return }
    if (req.headers['if-none-match'] === state.etag) { res.writeHead(304, { etag: state.etag }); res.end(); return }
    res.writeHead(200, { etag: state.etag, 'content-type': 'text/plain' })
    res.end(state.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => { resolve() }))
  }
  t.teardown(close)
  return {
    url: `http://127.0.0.1:${port}/list.txt`,
    get body () { return state.body },
    set body (b: string) { state.body = b },
    get etag () { return state.etag },
    set etag (e: string) { state.etag = e },
    requests,
    close
  }
}

tap.test('http feed: diff logged, ETag 304, server down keeps the old list, metrics', async (t) => {
  const server = await listServer(t)
  server.body = '# v1\nevil.example\nurl:http://phish.example/login\nbad line here\n'
  const registry = new Registry()
  const metrics = createIntelMetrics([registry])
  const { logger, lines } = recordingLogger()
  const feed = createIndicatorFeed({ name: 'ops', source: server.url, refreshSeconds: 3600 }, { logger, metrics })
  await feed.start()
  t.teardown(async () => { await feed.stop() })
  t.ok(feed.has('domain', 'evil.example'))
  t.ok(feed.has('url', 'http://phish.example/login'))
  t.equal(feed.size, 2)
  t.ok(lines.some(l => l.msg === 'indicator feed: lines skipped' && l.bad === 1), 'bad lines logged with a count')

  t.same(await feed.refresh(), { result: 'unchanged' }, 'same ETag: 304, nothing re-read')
  t.equal(server.requests.at(-1)?.inm, '"v1"', 'the ETag was sent back')

  server.body = ['evil.example', 'new-1.example', 'new-2.example', 'ip:10.6.6.6'].join('\n')
  server.etag = '"v2"'
  const changed = await feed.refresh()
  t.match(changed, { result: 'changed', entries: 4, added: 3, removed: 1, bad: 0 })
  const diff = lines.findLast(l => l.msg === 'indicator feed refreshed')
  t.match(diff, { feed: 'ops', entries: 4, added: 3, removed: 1, removedExamples: ['url:http://phish.example/login'] })
  t.equal((diff?.addedExamples as string[] | undefined)?.length, 3)
  t.notOk(feed.has('url', 'http://phish.example/login'), 'a removed entry is gone')
  t.ok(feed.has('ip', '10.6.6.6'))

  await server.close()
  const down = await feed.refresh()
  t.match(down, { result: 'error', code: 'SOURCE_UNREADABLE' })
  t.ok(feed.has('domain', 'new-2.example'), 'server down: the old list is kept')
  t.equal(feed.size, 4)

  const text = await registry.metrics()
  t.match(text, /virusmap_intel_feed_entries\{feed="ops"\} 4/)
  t.match(text, /virusmap_intel_feed_refreshes_total\{feed="ops",result="changed"\} 2/)
  t.match(text, /virusmap_intel_feed_refreshes_total\{feed="ops",result="unchanged"\} 1/)
  t.match(text, /virusmap_intel_feed_refreshes_total\{feed="ops",result="error"\} 1/)
})

tap.test('http feed: oversize bodies and bad statuses are refused, the list kept', async (t) => {
  const server = await listServer(t)
  server.body = 'keep.example\n'
  const base = server.url.replace('/list.txt', '')
  const { logger } = recordingLogger()
  const good = createIndicatorFeed({ name: 'g', source: server.url, refreshSeconds: 3600, maxBytes: 64 * 1024 }, { logger })
  t.match(await good.refresh(), { result: 'changed', entries: 1 })
  for (const [path, code] of [['/huge', 'SOURCE_TOO_LARGE'], ['/declared', 'SOURCE_TOO_LARGE'], ['/500', 'SOURCE_HTTP_STATUS']] as const) {
    const feed = createIndicatorFeed({ name: 'x', source: `${base}${path}`, refreshSeconds: 3600, maxBytes: 64 * 1024 }, { logger })
    t.match(await feed.refresh(), { result: 'error', code }, path)
    t.equal(feed.size, 0)
  }
  const aborted = createIndicatorFeed({ name: 'a', source: server.url, refreshSeconds: 3600 }, { logger })
  t.match(await aborted.refresh({ signal: AbortSignal.abort() }), { result: 'error', code: 'SOURCE_UNREADABLE' }, 'an aborted read is an error, not a throw')
})

tap.test('file feed: mtime reload, missing file keeps the list, timer refreshes', async (t) => {
  const dir = t.testdir({ 'list.txt': 'wallet:0x52908400098527886e0f7030069857d2e4169ee7\n' })
  const path = `${dir}/list.txt`
  const { logger } = recordingLogger()
  const feed = createIndicatorFeed({ name: 'f', source: path, refreshSeconds: 0.05 }, { logger })
  await feed.start()
  t.teardown(async () => { await feed.stop() })
  t.ok(feed.has('wallet', '0x52908400098527886e0f7030069857d2e4169ee7'))
  t.same(await feed.refresh(), { result: 'unchanged' }, 'same size and mtime: not re-read')

  writeFileSync(`${dir}/next.txt`, `script:${'ab'.repeat(32)}\n`)
  renameSync(`${dir}/next.txt`, path)
  // the timer picks it up on its own
  while (!feed.has('script', 'ab'.repeat(32))) await new Promise(resolve => setTimeout(resolve, 20))
  t.notOk(feed.has('wallet', '0x52908400098527886e0f7030069857d2e4169ee7'))
  t.ok(feed.changedAt > 0)

  renameSync(path, `${dir}/gone.txt`)
  t.match(await feed.refresh(), { result: 'error', code: 'SOURCE_UNREADABLE' })
  t.ok(feed.has('script', 'ab'.repeat(32)), 'missing file: the old list is kept')

  const binary = createIndicatorFeed({ name: 'b', source: `${dir}/bin`, refreshSeconds: 3600 }, { logger })
  writeFileSync(`${dir}/bin`, Buffer.from([0xff, 0xfe, 0x00, 0xc3]))
  t.match(await binary.refresh(), { result: 'error', code: 'SOURCE_NOT_TEXT' })
  const dirFeed = createIndicatorFeed({ name: 'd', source: dir, refreshSeconds: 3600 }, { logger })
  t.match(await dirFeed.refresh(), { result: 'error', code: 'SOURCE_UNREADABLE' }, 'a directory is refused')
  const small = createIndicatorFeed({ name: 's', source: `${dir}/gone.txt`, refreshSeconds: 3600, maxBytes: 10 }, { logger })
  t.match(await small.refresh(), { result: 'error', code: 'SOURCE_TOO_LARGE' })
})

tap.test('a shared feed keeps running until its last user stops', async (t) => {
  const dir = t.testdir({ 'list.txt': 'a.example\n' })
  const { logger } = recordingLogger()
  const feed = createIndicatorFeed({ name: 'shared', source: `${dir}/list.txt`, refreshSeconds: 3600 }, { logger })
  const first = feed.start()
  await feed.start()
  t.ok(feed.has('domain', 'a.example'), 'a second concurrent start() waits for the first read')
  await first
  await feed.stop()
  t.ok(feed.has('domain', 'a.example'))
  await feed.stop()
  await feed.stop()
  t.pass('extra stops are harmless')
})
