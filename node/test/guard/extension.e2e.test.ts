// The MV3 extension in Debian's chromium (playwright-core, unpacked with --load-extension): a test
// dapp with an injected EIP-1193 wallet backed by anvil (window.ethereum and an EIP-6963-only one:
// transactions and signatures go to anvil's unlocked dev account, so what passes is mined or
// signed for real), the loopback
// guard service over a real anvil chain with the guard's test contracts. A draining approve is
// stopped with the reasons shown and 4001 returned; a benign approve reaches the wallet with no
// overlay; a blocked eth_sign goes through only on the user's explicit "proceed"; a guard that is
// down lets requests pass, unverified. The scenarios each end in their decision in the
// browser too, Permit2's against Uniswap's real Permit2 (a PermitSingle the wallet signs, spent by
// the router's swap), and frames are judged: a cross-origin dapp frame gets its own overlay, and a listed
// page framing a clean dapp blocks the dapp's request (named hosts resolve to 127.0.0.1).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import type { BrowserContext, Frame, Page, Worker } from 'playwright-core'
import { createGuardService, EXTENSION_ORIGIN, type GuardService } from '../../src/guard/service/guard-service.ts'
import { createGuardReporter, type GuardReporter, type ScriptUpload } from '../../src/guard/reporter.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { startGuardChain, type GuardChain } from './fixtures/guard-chain.ts'
import { createHash } from 'node:crypto'
import { getBytes, parseEther, verifyMessage } from 'ethers'
import { loadEthPhishingLists } from '../../src/intel/lists/eth-phishing-lists.ts'
import { call, ERC, MAX, MAX160, permit2Swap, permit2TypedData, permitTypedData, seaportTypedData, typed } from './fixtures/requests.ts'
import { dappHtml, frameHtml, KIT } from './fixtures/test-dapp.ts'
import { decided } from './fixtures/overlay-decision.ts'

/** the extension service worker's API, as far as the test calls it (evaluated in the worker) */
declare const chrome: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } }

const EXTENSION = fileURLToPath(new URL('../../src/guard/extension/', import.meta.url))
const TX_HASH = /^0x[0-9a-f]{64}$/
const SIGNATURE = /^0x[0-9a-f]{130}$/

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
  let phishing: Awaited<ReturnType<typeof loadEthPhishingLists>>
  let reporter: GuardReporter
  const uploaded: ScriptUpload[] = []
  /** the test server under a host name */
  const at = (host: string, path = '/'): string => `http://${host}:${(dapp.address() as AddressInfo).port}${path}`

  tap.before(async () => {
    chain = await startGuardChain()
    phishing = await loadEthPhishingLists()
    // as with --report-to: blocks are reported, and page scripts a block names are uploaded (here: kept)
    reporter = createGuardReporter({ submit: async () => {}, upload: async (script) => { uploaded.push(script) }, maxPerHour: 10_000 })
    reporter.start()
    service = createGuardService({ rpc: chain.anvil.rpcUrl, hardLimitMs: 3000, phishing, reporter })
    service.store.allowlist.add(chain.router)
    service.store.pastRecipients.add(chain.pastRecipient)
    service.store.malicious.domains.add('drain.example')
    service.store.malicious.scriptHashes.add(createHash('sha256').update(KIT).digest('hex'))
    await service.start()
    dapp = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/kit.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(KIT)
      if (path === '/frame.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(frameHtml(at('dapp.example')))
      res.writeHead(200, { 'content-type': 'text/html' }).end(dappHtml(chain.user, chain.anvil.rpcUrl, req.url === '/?kit' ? '<script src="/kit.js"></script>' : ''))
    })
    await new Promise<void>(resolve => dapp.listen(0, '127.0.0.1', resolve))
    dappUrl = `http://127.0.0.1:${(dapp.address() as AddressInfo).port}/`
    dir = await mkdtemp(join(tmpdir(), 'virusmap-guard-ext-'))
    // named hosts (a shop, a listed drainer, a phishing name) all reach the test server
    browser = await launchChromium(join(dir, 'profile'), { args: [`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`, '--host-resolver-rules=MAP * 127.0.0.1'] })
    worker = browser.serviceWorkers()[0] ?? await browser.waitForEvent('serviceworker')
    await worker.evaluate(async (url) => { await chrome.storage.local.set({ guardUrl: url }) }, service.url)
    page = browser.pages()[0] ?? await browser.newPage()
    await page.goto(dappUrl)
  })
  tap.teardown(async () => {
    await browser?.close()
    await new Promise<void>(resolve => { dapp?.closeAllConnections(); dapp?.close(() => { resolve() }) })
    await service?.stop()
    await reporter?.stop()
    await chain?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  const tx = (to: string, data: string): { from: string, to: string, data: string } => ({ from: chain.user, to, data })
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
    t.equal(await page.evaluate(() => (window as unknown as { ethereum: { isTestWallet: boolean } }).ethereum.isTestWallet), true, 'the provider is patched in place, not replaced')
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
    const { result } = await outcome()
    t.match(result, TX_HASH)
    t.same(await calls(), ['eth_sendTransaction'])
    t.equal((await chain.provider.getTransactionReceipt(result as string))?.status, 1, 'mined by anvil')
    t.equal(await chain.asUser(chain.token, 'GuardToken').getFunction('allowance')(chain.user, chain.router), 10n ** 18n, 'the approval is on chain')
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
    t.match(await outcome(), { result: SIGNATURE })
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
    const hello = await outcome() as { result: string }
    t.equal(verifyMessage(getBytes('0x48656c6c6f'), hello.result).toLowerCase(), chain.user, 'readable text passes, signed by the user\'s key')
    t.same(await calls(), ['personal_sign'], 'nothing but the allowed request reached the wallet')
  })

  tap.test('the guard down: requests pass within its limit, unverified', async (t) => {
    await worker.evaluate(async () => { await chrome.storage.local.set({ guardUrl: 'http://127.0.0.1:9' }) })
    await start('ethereum', { method: 'personal_sign', params: ['0x4869', chain.user] })
    t.match(await outcome(), { result: SIGNATURE })
    t.same(await calls(), ['personal_sign'])
    await worker.evaluate(async (url) => { await chrome.storage.local.set({ guardUrl: url }) }, service.url)
  })

  tap.test('connect prompts fired by script, without a click: the third warns, with the behaviour rule\'s evidence', async (t) => {
    // a fresh tab whose own script fires the prompts at load, before any input
    const fresh = await browser.newPage()
    t.teardown(() => fresh.close())
    // on a host of its own: prompts count per origin, and the other tests' page is 127.0.0.1
    await fresh.goto(at('prompts.example', '/?scripted'))
    const reason = fresh.locator('virusmap-guard-overlay li[data-id="scripted-prompts"]')
    await reason.waitFor({ timeout: 10_000 })
    t.match(await fresh.locator('virusmap-guard-overlay h2').textContent(), /warns/)
    await fresh.locator('virusmap-guard-overlay button.proceed').click()
    t.same(await fresh.evaluate(async () => await (window as unknown as { third: Promise<unknown> }).third), [chain.user], 'a warning lets the user continue')
    t.same(await fresh.evaluate(() => (window as unknown as { calls: string[] }).calls), ['eth_requestAccounts', 'wallet_switchEthereumChain', 'eth_requestAccounts'])
    // and a signature the page asks for next, still without a click: blocked
    await decided(t, fresh, { method: 'personal_sign', params: ['0x68656c6c6f', chain.user] }, 'block', 'scripted-prompts')
  })

  tap.test('the issue\'s scenarios, each to its decision in the browser', async (t) => {
    const { user, token, nft, stranger, lookalike, pastRecipient, drainer } = chain
    const approveEoa = tx(token, ERC.encodeFunctionData('approve', [stranger, MAX]))
    await decided(t, page, typed(user, permitTypedData(token, user, stranger, MAX, 2n ** 40n)), 'block', 'approval-to-eoa')
    await decided(t, page, typed(user, seaportTypedData(user, [{ itemType: 2, token: nft, identifierOrCriteria: 1n, startAmount: 1n, endAmount: 1n }], [{ itemType: 0, token: '0x0000000000000000000000000000000000000000', startAmount: 1n, endAmount: 1n, recipient: stranger }])), 'block', 'seaport-giveaway')
    await decided(t, page, { method: 'eth_sendTransaction', params: [{ from: user, to: lookalike, value: '0xde0b6b3a7640000' }] }, 'block', 'address-poisoning')
    await decided(t, page, { method: 'eth_sendTransaction', params: [{ from: user, to: pastRecipient, value: '0x1' }] }, 'allow')
    await decided(t, page, { method: 'eth_sendTransaction', params: [{ from: user, to: stranger, value: '0x1' }] }, 'allow', 'a new recipient is information, no overlay')
    await decided(t, page, call(user, drainer, 'claim', [], parseEther('0.5')), 'block', 'balance-drop')
    // odd hex encodings: upper-case digits, a padded value, an upper-case address
    await decided(t, page, { method: 'eth_sendTransaction', params: [{ ...approveEoa, to: token.toUpperCase().replace('0X', '0x'), data: `0x${approveEoa.data?.slice(2).toUpperCase() ?? ''}`, value: '0x0000' }] }, 'block', 'approval-to-eoa')
    await decided(t, page, { method: 'personal_sign', params: ['0x48656c6c6f', user] }, 'allow')
    await decided(t, page, call(user, token, 'approve', [chain.youngContract, MAX]), 'block', 'broad-approval-to-new-contract')
    await decided(t, page, call(user, token, 'increaseAllowance', [stranger, 10n ** 18n]), 'block', 'approval-to-eoa')
    await decided(t, page, call(user, token, 'transfer', [lookalike, 10n ** 18n]), 'block', 'address-poisoning')
    for (const to of [pastRecipient, stranger]) await decided(t, page, call(user, token, 'transfer', [to, 10n ** 18n]), 'allow', to === stranger ? 'tokens to a new address: information, no overlay' : undefined)
    // the benign approve-and-swap: the approval mined as the dapp would have it, then the swap passes quietly
    await (await chain.asUser(token, 'GuardToken').getFunction('approve')(chain.router, 10n ** 18n)).wait()
    await decided(t, page, call(user, chain.router, 'swapForEth', [token, 10n ** 18n]), 'allow')
  })

  tap.test('Permit2, the real contract: the approve to it, a PermitSingle to an EOA and a PermitBatch stopped, one to the router signed and spent by the swap', async (t) => {
    const { user, token, router, stranger } = chain
    const FAR = 2n ** 40n
    const erc20 = chain.asUser(token, 'GuardToken')
    await decided(t, page, call(user, token, 'approve', [chain.permit2, MAX]), 'allow', 'Uniswap\'s first step')
    t.equal(await erc20.getFunction('allowance')(user, chain.permit2), MAX, 'mined by anvil')
    await decided(t, page, typed(user, permit2TypedData([{ token, amount: MAX160, expiration: FAR }], stranger, FAR, false)), 'block', 'approval-to-eoa')
    const now = BigInt((await chain.provider.getBlock('latest'))?.timestamp ?? 0)
    await decided(t, page, typed(user, permit2TypedData([{ token, amount: 5n, expiration: now + 86_400n }, { token: chain.token2, amount: 5n, expiration: now + 86_400n }], chain.oldContract, now + 1800n, true)), 'warn', 'permit2-batch')
    // the dapp's swap: the wallet signs the PermitSingle, the router submits it to Permit2 and pulls the tokens
    const single = permit2TypedData([{ token, amount: 10n ** 18n, expiration: FAR }], router, FAR, false)
    const signature = await decided(t, page, typed(user, single), 'allow')
    t.match(signature, SIGNATURE)
    const before = await erc20.getFunction('balanceOf')(user) as bigint
    t.match(await decided(t, page, permit2Swap(user, router, single, signature as string, 10n ** 18n), 'allow'), TX_HASH)
    t.equal(await erc20.getFunction('balanceOf')(user), before - 10n ** 18n, 'the tokens left through Permit2')
  })

  tap.test('pages: a listed script and a phishing domain block on the visit, a look-alike warns, an ordinary dapp stays quiet', async (t) => {
    // one tab, navigated from page to page: a new tab each costs more than the visit
    const tab = await browser.newPage()
    t.teardown(() => tab.close())
    const visit = async (url: string): Promise<Page> => {
      await tab.goto(url)
      return tab
    }
    const kit = await visit(`${dappUrl}?kit`)
    await kit.locator('virusmap-guard-overlay li[data-id="malicious-script"]').waitFor({ timeout: 10_000 })
    t.match(await kit.locator('virusmap-guard-overlay h2').textContent(), /blocked/)
    // the block names the kit's script; the extension sends its body back for the network's YARA rules
    const kitHash = createHash('sha256').update(KIT).digest('hex')
    for (let waited = 0; !uploaded.some(u => u.sha256 === kitHash) && waited < 10_000; waited += 100) await new Promise(resolve => setTimeout(resolve, 100))
    t.same(uploaded.filter(u => u.sha256 === kitHash).map(u => new TextDecoder().decode(u.bytes)), [KIT], 'the kit\'s body, uploaded once')
    const phish = await visit(at([...phishing.block][0] ?? ''))
    await phish.locator('virusmap-guard-overlay li[data-id="malicious-domain"]').waitFor({ timeout: 10_000 })
    const lookalike = await visit(at('etherscann.xyz'))
    await decided(t, lookalike, { method: 'personal_sign', params: ['0x48656c6c6f', chain.user] }, 'warn', 'lookalike-domain')
    // one prompt on load, then the user's own click on Swap: no overlay at any point
    const dappPage = await visit(at('dapp.example', '/?onload'))
    t.same(await dappPage.evaluate(async () => await (window as unknown as { connected: Promise<unknown> }).connected), [chain.user])
    await dappPage.evaluate((swapTx) => { (window as unknown as { swapTx: unknown }).swapTx = swapTx }, tx(chain.token, ERC.encodeFunctionData('approve', [chain.router, 10n ** 18n])))
    await dappPage.locator('#swap').click()
    t.match(await dappPage.evaluate(async () => await (window as unknown as { outcome: Promise<unknown> }).outcome), { result: TX_HASH })
    t.equal(await dappPage.locator('virusmap-guard-overlay').count(), 0)
  })

  tap.test('frames: a cross-origin dapp frame is guarded in place; a listed page framing a clean dapp blocks it', async (t) => {
    const shop = await browser.newPage()
    t.teardown(() => shop.close())
    await shop.goto(at('shop.example', '/frame.html'))
    const frame = async (p: Page): Promise<Frame> => {
      await p.locator('#dapp').waitFor()
      const f = p.frames().find(x => x.url().startsWith(at('dapp.example')))
      if (f === undefined) throw new Error('no dapp frame')
      await f.waitForLoadState('load')
      return f
    }
    const inShop = await frame(shop)
    await decided(t, inShop, { method: 'eth_sendTransaction', params: [tx(chain.token, ERC.encodeFunctionData('approve', [chain.stranger, MAX]))] }, 'block', 'approval-to-eoa')
    t.same(await inShop.evaluate(() => (window as unknown as { calls: string[] }).calls), [], 'the frame\'s wallet never saw it')
    await decided(t, inShop, { method: 'personal_sign', params: ['0x48656c6c6f', chain.user] }, 'allow')
    const drain = shop
    await drain.goto(at('drain.example', '/frame.html'))
    const inDrain = await frame(drain)
    // the visit alone is blocked, on the top page (whose overlay covers the frame) and in the frame; dismissed, the frame's request is blocked as well
    for (const [where, why] of [[drain, /drain\.example is on the malicious list/], [inDrain, /drain\.example, which frames this page, is on the malicious list/]] as const) {
      const reason = where.locator('virusmap-guard-overlay li[data-id="malicious-domain"]')
      await reason.waitFor({ timeout: 10_000 })
      t.match(await reason.textContent(), why)
      await where.locator('virusmap-guard-overlay button.cancel').click()
    }
    await decided(t, inDrain, { method: 'personal_sign', params: ['0x48656c6c6f', chain.user] }, 'block', 'malicious-domain')
  })
}
