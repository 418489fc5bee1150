// The MV3 extension in Debian's chromium (playwright-core, unpacked with --load-extension): a test
// dapp with a fake injected provider (window.ethereum and an EIP-6963-only one), the loopback
// guard service over a real anvil chain with the guard's test contracts. A draining approve is
// stopped with the reasons shown and 4001 returned; a benign approve reaches the wallet with no
// overlay; a blocked eth_sign goes through only on the user's explicit "proceed"; a guard that is
// down lets requests pass, unverified.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import type { BrowserContext, Page, Worker } from 'playwright-core'
import { createGuardService, EXTENSION_ORIGIN, type GuardService } from '../../src/guard/service/guard-service.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { startGuardChain, type GuardChain } from './fixtures/guard-chain.ts'
import { ERC, MAX } from './fixtures/requests.ts'

/** the extension service worker's API, as far as the test calls it (evaluated in the worker) */
declare const chrome: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } }

const EXTENSION = fileURLToPath(new URL('../../src/guard/extension/', import.meta.url))

/** the dapp: a fake wallet that records what reaches it, as window.ethereum and announced by EIP-6963 only */
const dappHtml = (user: string): string => `<!doctype html><html><head><title>test dapp</title><script>
  window.calls = []
  const answer = (tag) => async ({ method }) => {
    window.calls.push(tag + method)
    if (method === 'eth_requestAccounts') return ['${user}']
    if (method === 'eth_sendTransaction') return '0x' + 'ab'.repeat(32)
    if (method === 'eth_sign' || method === 'personal_sign') return '0x' + '11'.repeat(65)
    throw Object.assign(new Error('unsupported'), { code: 4200 })
  }
  window.ethereum = {
    isFakeWallet: true,
    request: answer(''),
    // the legacy callback API some dapps still use
    send (method, params) { return answer('legacy:')({ method, params }) },
    sendAsync (payload, callback) { answer('legacy:')(payload).then((result) => callback(null, { id: payload.id, jsonrpc: '2.0', result }), (err) => callback(err)) }
  }
  const announced = { request: answer('6963:') }
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info: { uuid: '1', name: 'Only6963', icon: 'data:,', rdns: 'test.only6963' }, provider: announced }) }))
  window.addEventListener('eip6963:requestProvider', announce)
  announce()
  window.only6963 = announced
  // a drainer kit's habit: wallet prompts fired by the page's own script, nobody having clicked
  if (location.search === '?scripted') window.addEventListener('load', async () => {
    await window.ethereum.request({ method: 'eth_requestAccounts' })
    await window.ethereum.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x1' }] }).catch(() => {})
    window.third = window.ethereum.request({ method: 'eth_requestAccounts' })
  })
</script></head><body><button id="swap">Swap</button></body></html>`

if (noChromium !== false) {
  tap.pass(noChromium)
} else {
  let chain: GuardChain
  let service: GuardService
  let dapp: Server
  let dappUrl: string
  let dir: string
  let browser: BrowserContext
  let worker: Worker
  let page: Page

  tap.before(async () => {
    chain = await startGuardChain()
    service = createGuardService({ rpc: chain.anvil.rpcUrl, hardLimitMs: 3000 })
    service.store.allowlist.add(chain.router)
    await service.start()
    dapp = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end(dappHtml(chain.user)) })
    await new Promise<void>(resolve => dapp.listen(0, '127.0.0.1', resolve))
    dappUrl = `http://127.0.0.1:${(dapp.address() as AddressInfo).port}/`
    dir = await mkdtemp(join(tmpdir(), 'virusmap-guard-ext-'))
    browser = await launchChromium(join(dir, 'profile'), { args: [`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`] })
    worker = browser.serviceWorkers()[0] ?? await browser.waitForEvent('serviceworker')
    await worker.evaluate(async (url) => { await chrome.storage.local.set({ guardUrl: url }) }, service.url)
    page = browser.pages()[0] ?? await browser.newPage()
    await page.goto(dappUrl)
  })
  tap.teardown(async () => {
    await browser?.close()
    await new Promise<void>(resolve => { dapp?.closeAllConnections(); dapp?.close(() => { resolve() }) })
    await service?.stop()
    await chain?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  const tx = (to: string, data: string): Record<string, string> => ({ from: chain.user, to, data })
  /** starts a request in the page; its outcome is read later, after the overlay is handled */
  const start = async (target: 'ethereum' | 'only6963', args: { method: string, params: unknown[] }): Promise<void> => {
    await page.evaluate(([t, a]) => {
      const w = window as unknown as Record<string, any>
      w.outcome = w[t].request(a).then((result: unknown) => ({ result }), (err: { code?: number, message?: string }) => ({ code: err.code, message: err.message }))
    }, [target, args] as const)
  }
  const outcome = async (): Promise<{ result?: unknown, code?: number }> => await page.evaluate(async () => await (window as unknown as { outcome: Promise<{ result?: unknown, code?: number }> }).outcome)
  const calls = async (): Promise<string[]> => await page.evaluate(() => (window as unknown as { calls: string[] }).calls.splice(0))

  tap.test('the extension loads under the id the guard serves', async (t) => {
    t.ok(worker.url().startsWith(`${EXTENSION_ORIGIN}/`), worker.url())
    t.equal(await page.evaluate(() => (window as unknown as { ethereum: { isFakeWallet: boolean } }).ethereum.isFakeWallet), true, 'the provider is patched in place, not replaced')
  })

  tap.test('a draining approve is blocked with its reasons, and the page gets 4001', async (t) => {
    await start('ethereum', { method: 'eth_sendTransaction', params: [tx(chain.token, ERC.encodeFunctionData('approve', [chain.stranger, MAX]))] })
    const reasons = page.locator('virusmap-guard-overlay .findings li')
    await reasons.first().waitFor({ timeout: 10_000 })
    t.match(await page.locator('virusmap-guard-overlay h2').textContent(), /blocked/)
    t.ok((await reasons.evaluateAll(els => els.map(e => (e as HTMLElement).dataset.id))).includes('approval-to-eoa'))
    await page.locator('virusmap-guard-overlay button.cancel').click()
    t.same(await outcome(), { code: 4001, message: 'VirusMap guard: the user rejected the request' })
    t.same(await calls(), [], 'the wallet never saw it')
    t.equal(await page.locator('virusmap-guard-overlay').count(), 0)
  })

  tap.test('a benign approve to an allowlisted router passes with no overlay', async (t) => {
    await start('ethereum', { method: 'eth_sendTransaction', params: [tx(chain.token, ERC.encodeFunctionData('approve', [chain.router, 10n ** 18n]))] })
    t.same(await outcome(), { result: `0x${'ab'.repeat(32)}` })
    t.same(await calls(), ['eth_sendTransaction'])
    t.equal(await page.locator('virusmap-guard-overlay').count(), 0)
  })

  tap.test('eth_sign on an EIP-6963-only provider: blocked, then forwarded on the user\'s explicit proceed', async (t) => {
    await start('only6963', { method: 'eth_sign', params: [chain.user, `0x${'12'.repeat(32)}`] })
    await page.locator('virusmap-guard-overlay li[data-id="eth-sign"]').waitFor({ timeout: 10_000 })
    // a page script cannot click through: only trusted clicks count
    const clicked = await page.evaluate(() => {
      const button = document.querySelector('virusmap-guard-overlay')?.shadowRoot?.querySelector<HTMLButtonElement>('button.proceed')
      button?.click()
      return button !== undefined && button !== null
    })
    t.ok(clicked, 'the page found the button and clicked it')
    t.equal(await page.locator('virusmap-guard-overlay').count(), 1, 'a scripted click is ignored')
    await page.locator('virusmap-guard-overlay button.proceed').click()
    t.same(await outcome(), { result: `0x${'11'.repeat(65)}` })
    t.same(await calls(), ['6963:eth_sign'])
  })

  tap.test('legacy sendAsync and send(method, params) are judged too', async (t) => {
    await page.evaluate(([to, data, from]) => {
      const w = window as unknown as Record<string, any>
      w.outcome = new Promise((resolve) => {
        w.ethereum.sendAsync({ id: 7, jsonrpc: '2.0', method: 'eth_sendTransaction', params: [{ from, to, data }] }, (err: { code?: number } | null, res: unknown) => { resolve({ err: err?.code, res }) })
      })
    }, [chain.token, ERC.encodeFunctionData('setApprovalForAll', [chain.stranger, true]), chain.user] as const)
    await page.locator('virusmap-guard-overlay li[data-id="approval-to-eoa"]').waitFor({ timeout: 10_000 })
    await page.locator('virusmap-guard-overlay button.cancel').click()
    t.match(await outcome(), { err: 4001, res: { id: 7, error: { code: 4001 } } })
    await page.evaluate(([from]) => {
      const w = window as unknown as Record<string, any>
      w.outcome = w.ethereum.send('personal_sign', ['0x48656c6c6f', from]).then((result: unknown) => ({ result }))
    }, [chain.user] as const)
    t.same(await outcome(), { result: `0x${'11'.repeat(65)}` }, 'readable text passes')
    t.same(await calls(), ['personal_sign'], 'nothing but the allowed request reached the wallet')
  })

  tap.test('the guard down: requests pass within its limit, unverified', async (t) => {
    await worker.evaluate(async () => { await chrome.storage.local.set({ guardUrl: 'http://127.0.0.1:9' }) })
    await start('ethereum', { method: 'personal_sign', params: ['0x4869', chain.user] })
    t.same(await outcome(), { result: `0x${'11'.repeat(65)}` })
    t.same(await calls(), ['personal_sign'])
    await worker.evaluate(async (url) => { await chrome.storage.local.set({ guardUrl: url }) }, service.url)
  })

  tap.test('connect prompts fired by script, without a click: the third warns, with the behaviour rule\'s evidence', async (t) => {
    // a fresh tab whose own script fires the prompts at load, before any input
    const fresh = await browser.newPage()
    t.teardown(() => fresh.close())
    await fresh.goto(`${dappUrl}?scripted`)
    const reason = fresh.locator('virusmap-guard-overlay li[data-id="scripted-prompts"]')
    await reason.waitFor({ timeout: 10_000 })
    t.match(await fresh.locator('virusmap-guard-overlay h2').textContent(), /warns/)
    await fresh.locator('virusmap-guard-overlay button.proceed').click()
    t.same(await fresh.evaluate(async () => await (window as unknown as { third: Promise<unknown> }).third), [chain.user], 'a warning lets the user continue')
    t.same(await fresh.evaluate(() => (window as unknown as { calls: string[] }).calls), ['eth_requestAccounts', 'wallet_switchEthereumChain', 'eth_requestAccounts'])
  })
}
