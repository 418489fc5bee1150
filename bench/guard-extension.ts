// The latency the browser extension adds to a wallet request (issue 15), end to end in Debian's
// chromium: the page's window.ethereum.request() timed in the page, from the call to the wallet's
// answer, with the unpacked extension (main world -> bridge -> service worker -> the loopback guard
// service on anvil -> back, then the wallet) and without it (the wallet alone), on the same test
// dapp whose wallet is backed by anvil. Every request is one the guard allows, so no overlay waits
// on a click. Targets from the issue: static p95 <= 100 ms; with simulation p50 <= 300 ms, p95 <= 1 s.
// Run: npx node bench/guard-extension.ts [--runs N]
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { BrowserContext, Page } from 'playwright-core'
import { createGuardService } from '../node/src/guard/service/guard-service.ts'
import { launchChromium } from '../node/test/fixtures/chromium.ts'
import { noChromium } from '../node/test/fixtures/system-packages.ts'
import { startGuardChain } from '../node/test/guard/fixtures/guard-chain.ts'
import { call } from '../node/test/guard/fixtures/requests.ts'
import { dappHtml } from '../node/test/guard/fixtures/test-dapp.ts'
import { quantile } from './latency.ts'

/** the extension service worker's API, as far as the bench calls it (evaluated in the worker) */
declare const chrome: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } }

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } })
const runs = Number(values.runs)
if (noChromium !== false) throw new Error(noChromium)
const EXTENSION = fileURLToPath(new URL('../node/src/guard/extension/', import.meta.url))

const chain = await startGuardChain()
const { user, token, router, pastRecipient } = chain
const service = createGuardService({ rpc: chain.anvil.rpcUrl })
service.store.allowlist.add(router)
service.store.pastRecipients.add(pastRecipient)
await service.start()
const dapp = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(dappHtml(user, chain.anvil.rpcUrl)) })
await new Promise<void>(resolve => dapp.listen(0, '127.0.0.1', resolve))
const dappUrl = `http://127.0.0.1:${(dapp.address() as AddressInfo).port}/`
const dir = await mkdtemp(join(tmpdir(), 'virusmap-guard-bench-'))

const open = async (name: string, args: string[]): Promise<{ browser: BrowserContext, page: Page }> => {
  const browser = await launchChromium(join(dir, name), { args })
  const page = browser.pages()[0] ?? await browser.newPage()
  return { browser, page }
}
const guarded = await open('guarded', [`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`])
const worker = guarded.browser.serviceWorkers()[0] ?? await guarded.browser.waitForEvent('serviceworker')
await worker.evaluate(async (url) => { await chrome.storage.local.set({ guardUrl: url }) }, service.url)
const bare = await open('bare', [])

/** milliseconds of each request, timed in the page; a request the guard did not let through fails the bench */
const time = async (page: Page, request: { method: string, params: unknown[] }): Promise<number[]> => await page.evaluate(async ({ asked, n }) => {
  const w = window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
  const times: number[] = []
  for (let i = 0; i < n + 3; i++) {
    const start = performance.now()
    await w.ethereum.request(asked)
    if (i >= 3) times.push(performance.now() - start)
  }
  return times
}, { asked: request, n: runs })

const cases: Array<[string, { method: string, params: unknown[] }]> = [
  ['personal_sign text (static rules)', { method: 'personal_sign', params: ['0x48656c6c6f', user] }],
  ['ETH to a past recipient (simulated)', { method: 'eth_sendTransaction', params: [{ from: user, to: pastRecipient, value: '0x1' }] }],
  ['approve exact to the router (simulated)', call(user, token, 'approve', [router, 10n ** 18n])]
]
const ms = (x: number): string => `${x.toFixed(1).padStart(7)} ms`
const out: string[] = [`extension latency in chromium, anvil-backed wallet, ${runs} runs each after 3 warm-up runs (node ${process.version})`]
for (const { page } of [guarded, bare]) await page.goto(dappUrl)
for (const [name, request] of cases) {
  const withIt = await time(guarded.page, request)
  const without = await time(bare.page, request)
  out.push(`${name}:`)
  out.push(`  wallet alone (no extension)     p50 ${ms(quantile(without, 0.5))}   p95 ${ms(quantile(without, 0.95))}`)
  out.push(`  with the extension and guard    p50 ${ms(quantile(withIt, 0.5))}   p95 ${ms(quantile(withIt, 0.95))}`)
  out.push(`  added by the extension          p50 ${ms(quantile(withIt, 0.5) - quantile(without, 0.5))}   p95 ${ms(quantile(withIt, 0.95) - quantile(without, 0.95))}`)
}
process.stdout.write(out.join('\n') + '\n')
await guarded.browser.close()
await bare.browser.close()
await new Promise<void>(resolve => { dapp.closeAllConnections(); dapp.close(() => { resolve() }) })
await service.stop()
await chain.stop()
await rm(dir, { recursive: true, force: true })
