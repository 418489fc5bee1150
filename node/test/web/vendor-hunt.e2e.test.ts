/**
 * Hunting on the vendor page (#/vendor), in Debian's chromium (playwright-core), against a member whose real
 * hunt service follows a DataMarket on anvil: the page's injected wallet (the vendor's ethers key here) signs
 * the EIP-712 HuntAccess the page builds, and the node's own check accepts it; the page then lists the vendor's
 * ruleset, this member's signed match (the signature checked in the browser), and sets and removes the webhook.
 * A wallet that refuses to sign, or signs as another account, gets a plain message; no page error either way.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import { Wallet } from 'ethers'
import type { TypedDataField } from 'ethers'
import type { Page } from 'playwright-core'
import type { NetworkReader } from '../../src/api/ports/index.ts'
import { HuntWebhookRepository } from '../../src/db/hunt-webhook-repository.ts'
import { openDatabase } from '../../src/db/database.ts'
import { createWebhookDispatcher } from '../../src/hunt/webhook-dispatcher.ts'
import { createHuntPort } from '../../src/supernode/hunt-port.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { injectedWallet } from '../fixtures/injected-wallet.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { logger, startHuntChain } from '../hunt/hunt-fixture.ts'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url))

type Mode = 'honest' | 'refuse' | 'other-account'

if (noChromium !== false) {
  tap.pass(noChromium)
} else {
  const h = await startHuntChain(50)
  const { c, vendor, vendorSigner } = h
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-web-hunt-'))
  tap.teardown(async () => { await c.stop(); await rm(dir, { recursive: true, force: true }) })
  const m = await h.member(tap, 0, dir)
  await m.service.start()
  const db = await openDatabase({ path: join(dir, 'webhooks') })
  tap.teardown(async () => { await db.close() })
  const webhooks = createWebhookDispatcher({ allowPrivate: true }, {
    self: m.self, webhooks: new HuntWebhookRepository(db), hunts: m.hunts, logger,
    subscribe: (v, l) => m.service.subscribe(v, l), hasRuleset: (v) => m.service.rulesets(v).length > 0
  })
  await webhooks.start()
  tap.teardown(async () => { await webhooks.stop() })
  const network: NetworkReader = {
    info: () => ({ chainId: c.chainId, registry: c.registryAddress, self: m.self, suggested: { rpcUrl: c.anvil.rpcUrl }, followedBlock: 0, members: [] }),
    membersAt: () => [],
    recentReports: async () => []
  }
  const server = await startApi(tap, { ...createMemoryNode().ports, network, hunt: createHuntPort(m.service, { self: m.self, chainId: c.chainId, registry: c.registryAddress, webhooks }) })

  // the vendor's ruleset, and one sample it matched
  const reg = await h.registration('rule page_rule { strings: $a = "PAGE-HUNT-93d1" condition: $a }\n')
  const registered = await fetch(`${server.url}/api/virusmap/hunt/rulesets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reg) })
  if (registered.status !== 200) throw new Error(`registration refused: ${await registered.text()}`)
  await h.submit(m, new TextEncoder().encode('a sample carrying PAGE-HUNT-93d1'))
  await m.service.tick()
  const [match] = await m.service.matches(vendor, 0, 1)
  if (match === undefined) throw new Error('the sample did not match')

  let mode: Mode = 'honest'
  const other = Wallet.createRandom()
  async function answer (method: string, params: unknown[]): Promise<unknown> {
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: [vendor] }
    if (method === 'eth_chainId') return { result: `0x${c.chainId.toString(16)}` }
    if (method === 'eth_signTypedData_v4') {
      if (mode === 'refuse') return { error: { code: 4001, message: 'User rejected the request.' } }
      const typed = JSON.parse(params[1] as string) as { types: Record<string, TypedDataField[]>, domain: Record<string, unknown>, primaryType: string, message: Record<string, unknown> }
      const { EIP712Domain: _, ...types } = typed.types
      const signer = mode === 'other-account' ? other : vendorSigner
      return { result: await signer.signTypedData(typed.domain, types, typed.message) }
    }
    return { error: { code: 4200, message: `unsupported ${method}` } }
  }

  await mkdir(ARTIFACTS, { recursive: true })
  const browser = await launchChromium(join(dir, 'chromium-profile'), { viewport: { width: 1280, height: 1100 } })
  tap.teardown(async () => { await browser.close() })
  const pageErrors: string[] = []
  const page: Page = browser.pages()[0] ?? await browser.newPage()
  page.on('pageerror', (err) => { pageErrors.push(err.message) })
  await page.exposeFunction('testWalletRequest', async (method: string, params: string) => JSON.stringify(await answer(method, JSON.parse(params) as unknown[])))
  await page.addInitScript(injectedWallet)
  const signIn = async (): Promise<void> => {
    await page.goto(`${server.url}/#/vendor`)
    await page.reload()
    await page.click('#hunt-connect')
  }

  tap.test('the wallet signs a HuntAccess the node accepts; the page lists the ruleset and the member\'s signed match', async (t) => {
    await signIn()
    await page.locator('#hunt-rulesets tbody tr').first().waitFor({ timeout: 30_000 })
    const rulesets = await page.locator('#hunt-rulesets tbody tr').allInnerTexts()
    t.equal(rulesets.length, 1)
    t.match(rulesets[0], reg.rulesetId)
    t.match(rulesets[0], reg.orderId)
    const matches = await page.locator('#hunt-matches tbody tr').allInnerTexts()
    t.equal(matches.length, 1)
    t.match(matches[0], match.notification.match.sha256)
    t.match(matches[0], 'page_rule')
    t.match(matches[0], /member's/, 'the member\'s signature verifies in the browser')
    t.equal(await page.locator('#hunt-matches tbody a').first().getAttribute('href'), `#/file/${match.notification.match.sha256.slice(2)}`, 'the sample links to its report')
    t.match(await page.locator('#hunt-webhook').innerText(), /No webhook/)
    t.notMatch(await page.locator('#hunt-card').innerText(), /PAGE-HUNT-93d1/, 'the rules\' source is nowhere on the page')
    await page.screenshot({ path: join(ARTIFACTS, 'vendor-hunt.png'), fullPage: true })
  })

  tap.test('the webhook is set and removed from the page; a refused one says why', async (t) => {
    const url = 'http://127.0.0.1:9/virusmap'
    await page.fill('#hunt-webhook-form input[name=url]', url)
    await page.click('#hunt-webhook-form button[type=submit]')
    await page.waitForFunction(() => /POSTs each new notification/.test(document.querySelector('#hunt-webhook')?.textContent ?? ''))
    t.equal((await webhooks.get(vendor))?.url, url, 'stored at the member')
    t.match(await page.locator('#hunt-webhook').innerText(), `${url} (delivered up to #1)`)
    await page.fill('#hunt-webhook-form input[name=url]', 'ftp://example.com/')
    await page.click('#hunt-webhook-form button[type=submit]')
    await page.locator('#hunt-webhook-status .error').waitFor()
    t.match(await page.locator('#hunt-webhook-status .error').innerText(), /InvalidArgumentError: BAD_URL/)
    await page.click('#hunt-webhook-remove')
    await page.waitForFunction(() => /No webhook/.test(document.querySelector('#hunt-webhook')?.textContent ?? ''))
    t.equal(await webhooks.get(vendor), undefined, 'removed at the member')
  })

  tap.test('a wallet that refuses to sign, or signs as another account, gets a plain message', async (t) => {
    mode = 'refuse'
    await signIn()
    await page.locator('#hunt-result .error').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#hunt-result .error').innerText(), /reject|refus|denied/i)
    mode = 'other-account'
    await signIn()
    await page.locator('#hunt-result .error').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#hunt-result .error').innerText(), /WrongCredentialsError/)
    t.equal(await page.locator('#hunt-rulesets').count(), 0, 'nothing listed')
    t.same(pageErrors, [], 'no page error')
  })
}

