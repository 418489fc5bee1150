/**
 * The web page in Debian's chromium (playwright-core, no browser download) against a real 4-node
 * devnet: upload EICAR by drag and drop, watch the progress bars, pin the deployment (the devnet's
 * own RPC) and read the report verified in the browser against the chain, search for it, open the
 * network and governance pages. Screenshots go to test-artifacts/web/ (gitignored).
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import { launchChromium } from '../fixtures/chromium.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { runCli } from '../../src/cli/run.ts'
import { startDevnet } from '../../src/devnet/devnet.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'
import type { BrowserContext, Page } from 'playwright-core'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url))

if (noChromium !== false) {
  tap.pass(noChromium)
} else {
  // EICAR's test string, assembled so this file is not itself a test virus
  const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')
  let devnet: Devnet
  let dir: string
  let browser: BrowserContext
  let page: Page
  const pageErrors: string[] = []
  const failedRequests: string[] = []

  tap.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'virusmap-web-'))
    await mkdir(ARTIFACTS, { recursive: true })
    // windows as wide as the e2e test's: tap runs two files at once, and two devnets share the CPUs
    devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000 })
    browser = await launchChromium(join(dir, 'chromium-profile'))
    page = browser.pages()[0] ?? await browser.newPage()
    page.on('pageerror', (err) => { pageErrors.push(err.message) })
    // failed requests are checked by URL below; every other console error counts
    page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text()) })
    page.on('response', (res) => { if (res.status() >= 400) failedRequests.push(`${res.status()} ${new URL(res.url()).pathname}`) })
  })
  tap.teardown(async () => {
    await browser?.close()
    await devnet?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const api = (): string => devnet.info.nodes[0]?.api ?? ''
  const shot = async (name: string): Promise<void> => { await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }) }
  let sha256 = ''
  /** the user's own choice in the badge's form: the devnet's RPC and NetworkParameters, which a node does not get to change afterwards */
  const pinDeployment = async (): Promise<void> => {
    await page.locator('#deployment-form').waitFor({ state: 'attached', timeout: 30_000 })
    if (await page.locator('details.deployment').getAttribute('open') === null) await page.click('details.deployment summary')
    await page.fill('#deployment-form input[name=rpcUrl]', devnet.info.rpcUrl)
    await page.fill('#deployment-form input[name=parameters]', devnet.info.contracts.parameters ?? '')
    await page.click('#deployment-form button[type=submit]')
    await page.waitForFunction(() => /the deployment you set in this browser/.test(document.querySelector('#deployment-note')?.textContent ?? ''))
  }

  tap.test('upload EICAR by drag and drop, with upload and quorum progress', async (t) => {
    await page.goto(`${api()}/`)
    await page.locator('#drop').waitFor()
    // without a key the node answers 401 and the page says what to do
    await page.locator('#recent .error').waitFor()
    t.match(await page.locator('#recent .error').innerText(), /AuthenticationRequiredError: this node needs an API key/)
    await page.click('.key summary')
    await page.fill('#apikey', devnet.info.apiKey)
    await page.press('#apikey', 'Enter')
    await page.locator('#recent .error').waitFor({ state: 'detached' })
    await shot('1-home')
    // a real drop event carrying a File, as a person's drag from the desktop would
    const dataTransfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer()
      dt.items.add(new File([text], 'eicar.com', { type: 'application/octet-stream' }))
      return dt
    }, EICAR)
    await page.dispatchEvent('#drop', 'dragover', { dataTransfer })
    await page.dispatchEvent('#drop', 'drop', { dataTransfer })
    await page.locator('#upload-status .progress').first().waitFor()
    await page.waitForFunction(() => document.querySelector('#upload-status .progress')?.getAttribute('aria-valuenow') === '100', null, { timeout: 30_000 })
    t.pass('the upload bar reached 100%')
    await page.locator('#upload-status .progress').nth(1).waitFor({ timeout: 30_000 })
    await shot('2-waiting-for-quorum')
    await page.waitForURL(/#\/file\/[0-9a-f]{64}$/, { timeout: 90_000 })
    sha256 = /#\/file\/([0-9a-f]{64})$/.exec(page.url())?.[1] ?? ''
    t.match(sha256, /^[0-9a-f]{64}$/)
  })

  tap.test('the report: the page pins the deployment this node suggests and says so; set to the devnet\'s own RPC, it verifies in the browser', async (t) => {
    await page.locator('#engines tbody tr').first().waitFor()
    await page.locator('#deployment-note').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#deployment-note').innerText(), /using the deployment this node suggests; set your own/)
    t.match(await page.locator('#deployment-note').innerText(), `Chain ${devnet.info.chainId}, registry ${devnet.info.contracts.registry.toLowerCase()}`)
    await pinDeployment()
    await page.locator('#verification.ok, #verification.fail').waitFor({ timeout: 30_000 })
    await shot('3-report')
    const engines = await page.locator('#engines tbody tr').allInnerTexts()
    const yara = engines.find((row) => row.startsWith('YARA'))
    t.ok(yara, 'a YARA row')
    t.match(yara, /malicious/)
    t.match(yara, /eicar/i)
    // ClamAV detects it too where the devnet runs clamd
    t.match(await page.locator('#stats').innerText(), `malicious: ${devnet.clamd === undefined ? 1 : 2}`)
    const text = await page.locator('main').innerText()
    t.match(text, sha256)
    for (const label of ['sha1', 'md5', 'file type', 'size', 'first seen', 'last seen']) t.match(text, label)
    t.match(text, '68 bytes')
    const badge = page.locator('#verification')
    t.equal(await badge.getAttribute('class'), 'badge ok', await badge.innerText())
    t.match(await badge.innerText(), /Verified in this browser: attested by [34] of 4 members \(quorum 3\)/)
    t.match(await badge.innerText(), /question: the signed job is about the file whose sha256 is in this page's address \(your file eicar\.com, hashed in this browser\)/)
    t.match(await badge.innerText(), new RegExp(`read from chain ${devnet.info.chainId} through ${devnet.info.rpcUrl.replaceAll('.', '\\.')} \\(not from this node\\)`))
    for (const name of ['deployment', 'job signature', 'commitments', 'verdicts', 'reveals', 'attestations', 'results shown', 'time', 'job age']) t.match(await badge.innerText(), `${name}: `)
    const attesters = await page.locator('#attesters .tag').allInnerTexts()
    const operators = devnet.info.nodes.map((n) => n.operator)
    t.ok(attesters.length >= 3, 'at least 3 attesters listed')
    t.ok(attesters.every((s) => operators.includes(s as `0x${string}`)), 'every listed attester is a devnet member')
    t.ok((await page.locator('#attested-engines .tag').allInnerTexts()).includes('YARA'), 'YARA is attested')
  })

  tap.test('search finds it by md5 and by sha256; nonsense gets a clear message', async (t) => {
    await page.goto(`${api()}/#/`)
    const md5 = (await (await fetch(`${api()}/api/v3/files/${sha256}`, { headers: { 'x-apikey': devnet.info.apiKey } })).json() as { data: { attributes: { md5: string } } }).data.attributes.md5
    await page.fill('#search-input', md5)
    await page.press('#search-input', 'Enter')
    await page.waitForURL(new RegExp(`#/file/${md5}$`))
    await page.locator('#verification.ok').waitFor({ timeout: 30_000 })
    t.match(await page.locator('main').innerText(), sha256)
    await shot('4-search-result')
    await page.fill('#search-input', '<script>alert(1)</script>')
    await page.press('#search-input', 'Enter')
    await page.locator('.error').waitFor()
    t.match(await page.locator('.error').innerText(), /is not a file hash \(sha256, sha1, md5\), URL, domain, IP address or wallet address/)
    await page.fill('#search-input', 'a'.repeat(64))
    await page.press('#search-input', 'Enter')
    await page.locator('.error').waitFor()
    t.match(await page.locator('.error').innerText(), /No file with hash/)
  })

  tap.test('a URL submitted through the API reaches quorum; the search box finds it and shows its verified report; the page\'s own form submits another', async (t) => {
    const headers = { 'x-apikey': devnet.info.apiKey }
    const url = 'http://paypal.com.account-verify.example/login?session=1'
    const res = await fetch(`${api()}/api/v3/urls`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ url }) })
    t.equal(res.status, 200)
    const { data } = await res.json() as { data: { type: string, id: string } }
    t.equal(data.type, 'analysis')
    let analysis: { data: { attributes: { status: string } }, meta: { url_info: { url: string, id: string } } } | undefined
    for (let i = 0; i < 120 && analysis?.data.attributes.status !== 'completed'; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500))
      analysis = await (await fetch(`${api()}/api/v3/analyses/${data.id}`, { headers })).json() as typeof analysis
    }
    t.equal(analysis?.data.attributes.status, 'completed')
    t.equal(analysis?.meta.url_info.url, url)

    await page.goto(`${api()}/#/`)
    await page.fill('#search-input', url)
    await page.press('#search-input', 'Enter')
    await page.waitForURL(/#\/indicator\/url\//)
    await page.locator('#verification.ok, #verification.fail').waitFor({ timeout: 30_000 })
    await page.locator('#related-files').waitFor()
    await shot('4b-url-report')
    const badge = page.locator('#verification')
    t.equal(await badge.getAttribute('class'), 'badge ok', await badge.innerText())
    t.match(await badge.innerText(), /Verified in this browser: attested by [34] of 4 members \(quorum 3\)/)
    t.match(await badge.innerText(), /submitter signature: submitted and signed by 0x[0-9a-f]{40}/)
    t.match(await badge.innerText(), /question: the signed job is about the url in this page's address/)
    t.match(await page.locator('#deployment-note').innerText(), /the deployment you set in this browser/, 'the pinned deployment holds across pages')
    t.match(await page.locator('#subject').innerText(), url)
    const engines = await page.locator('#engines tbody tr').allInnerTexts()
    t.ok(engines.length >= 1, `every engine the members run answered: ${engines.join(' | ')}`)
    const text = await page.locator('main').innerText()
    for (const label of ['first seen', 'last seen', 'submitted by', 'Files that contain it']) t.match(text, label)
    const attesters = await page.locator('#attesters .tag').allInnerTexts()
    const operators = devnet.info.nodes.map((n) => n.operator)
    t.ok(attesters.length >= 3 && attesters.every((s) => operators.includes(s as `0x${string}`)), 'the attesting members are devnet members')

    // the domain of the same name has no report of its own: the search says so instead of inventing one
    await page.fill('#search-input', 'account-verify.example')
    await page.press('#search-input', 'Enter')
    await page.locator('main .error').waitFor()
    t.match(await page.locator('main .error').innerText(), /Nothing is known of domain account-verify\.example/)

    await page.goto(`${api()}/#/`)
    await page.fill('#url-input', 'https://example.org/download/invoice.exe')
    await page.click('#url-form button')
    await page.locator('#url-status .progress').waitFor({ timeout: 30_000 })
    await page.waitForURL(/#\/indicator\/url\/https%3A%2F%2Fexample\.org%2Fdownload%2Finvoice\.exe$/, { timeout: 90_000 })
    await page.locator('#verification.ok').waitFor({ timeout: 30_000 })
    await shot('4c-url-form-report')
    t.match(await page.locator('#subject').innerText(), 'https://example.org/download/invoice.exe')
  })

  tap.test('the network page lists the members, their engines and the recent report', async (t) => {
    await page.click('#nav-network')
    await page.locator('#members tbody tr').first().waitFor()
    await page.locator('#recent-reports').waitFor({ timeout: 10_000 })
    await shot('5-network')
    const rows = await page.locator('#members tbody tr').allInnerTexts()
    t.equal(rows.length, 4)
    for (const n of devnet.info.nodes) t.ok(rows.some((r) => r.includes(n.operator)), `member ${n.index} listed`)
    for (const n of devnet.info.nodes) t.ok(n.engines.every((e) => rows.find((r) => r.includes(n.operator))?.includes(e)), `member ${n.index}'s engines, from its registry metadata`)
    t.ok(rows.some((r) => r.includes('this node')))
    t.match(await page.locator('#recent-reports').innerText(), sha256)
    t.match(await page.locator('#recent-reports').innerText(), 'http://paypal.com.account-verify.example/login?session=1', 'an indicator report is listed by its subject')
  })

  tap.test('the governance page: the devnet\'s election proposal Executed, the members with terms and engines', async (t) => {
    await page.click('#nav-governance')
    await page.locator('#proposals tbody tr').first().waitFor({ timeout: 30_000 })
    await page.locator('#gov-members tbody tr').first().waitFor()
    await shot('5b-governance')
    const proposals = await page.locator('#proposals tbody tr').allInnerTexts()
    t.ok(proposals.length >= 1, 'the election proposal is listed')
    t.ok(proposals.every((r) => /\bExecuted\b/.test(r)), `every devnet proposal shows Executed: ${proposals.join(' | ')}`)
    t.ok(proposals.some((r) => /admit/i.test(r)), 'its description names the admission')
    t.match(proposals[0], /\d[\d,.]* VMT/, 'tallies in VMT')
    t.match(proposals[0], /reached/, 'quorum reached')
    t.match(proposals[0], /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'the eta it was queued with')
    const members = await page.locator('#gov-members tbody tr').allInnerTexts()
    t.equal(members.length, 4)
    for (const n of devnet.info.nodes) t.ok(members.some((r) => r.includes(n.operator)), `member ${n.index} listed`)
    for (const n of devnet.info.nodes) t.ok(n.engines.every((e) => members.find((r) => r.includes(n.operator))?.includes(e)), `member ${n.index}'s engines from the registry metadata`)
    t.ok(members.every((r) => /no term limit|block \d+/.test(r)), 'each member\'s term')
    t.match(await page.locator('#nav-governance').getAttribute('href'), '#/governance')
  })

  tap.test('the vendor page lists the demo vendor\'s order of the uploaded sample with its status, read from the pinned RPC', async (t) => {
    const vendor = devnet.info.vendor!
    const err: string[] = []
    const code = await runCli(['buy', sha256, '--keystore', vendor.keystore, '--out', join(dir, 'bought.bin'), '--deployment', join(dir, 'devnet.json'), '--json'], {
      stdout: { write: () => true }, stderr: { write: (x: string) => err.push(x) }, signal: AbortSignal.timeout(120_000), env: { VIRUSMAP_KEYSTORE_PASSWORD: vendor.passphrase }, cwd: dir
    })
    t.equal(code, 0, err.join(''))
    await page.click('#nav-vendor')
    await page.fill('#vendor-form input[name=market]', devnet.info.contracts.market ?? '')
    await page.fill('#vendor-form input[name=wallet]', vendor.address)
    await page.fill('#vendor-form input[name=from]', String(devnet.info.deployBlock))
    await page.click('#vendor-form button[type=submit]')
    await page.locator('#vendor-orders tbody tr').first().waitFor({ timeout: 30_000 })
    await shot('5c-vendor')
    const rows = await page.locator('#vendor-orders tbody tr').allInnerTexts()
    t.equal(rows.length, 1)
    t.match(rows[0], /fulfilled/)
    t.match(rows[0], sha256)
    t.match(rows[0], /10 VMT/)
    t.equal(await page.locator('#vendor-orders tbody a').first().getAttribute('href'), `#/file/${sha256}`, 'a bought sample links to its report')
    await page.fill('#vendor-form input[name=wallet]', '0x1234')
    await page.click('#vendor-form button[type=submit]')
    await page.locator('#vendor-result .error').waitFor()
    t.match(await page.locator('#vendor-result .error').innerText(), /wallet must be an address/)
    await page.fill('#vendor-form input[name=wallet]', vendor.address)
    await page.fill('#vendor-form input[name=from]', 'soon')
    await page.click('#vendor-form button[type=submit]')
    await page.locator('#vendor-result .error', { hasText: 'first block' }).waitFor()
  })

  tap.test('rescan over the API: a new analysis of the held file reaches quorum; its item is the file', async (t) => {
    const headers = { 'x-apikey': devnet.info.apiKey }
    const node2 = devnet.info.nodes[2]?.api ?? ''
    // node 2 only scanned the sample as a member; it holds the ciphertext and its key all the same
    const res = await fetch(`${node2}/api/v3/files/${sha256}/analyse`, { method: 'POST', headers })
    t.equal(res.status, 200)
    const { data } = await res.json() as { data: { type: string, id: string } }
    t.equal(data.type, 'analysis')
    let status = ''
    for (let i = 0; i < 120 && status !== 'completed'; i++) {
      status = ((await (await fetch(`${node2}/api/v3/analyses/${data.id}`, { headers })).json()) as { data: { attributes: { status: string } } }).data.attributes.status
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 500))
    }
    t.equal(status, 'completed')
    const item = await (await fetch(`${node2}/api/v3/analyses/${data.id}/item`, { headers })).json() as { data: { id: string, attributes: { virusmap: { job_id: string }, last_analysis_stats: { malicious: number } } } }
    t.equal(item.data.id, sha256)
    t.equal(item.data.attributes.virusmap.job_id, data.id, 'the file now shows the rescan\'s report')
    t.equal(item.data.attributes.last_analysis_stats.malicious, devnet.clamd === undefined ? 1 : 2)

    const vote = await fetch(`${node2}/api/v3/files/${sha256}/votes`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ data: { type: 'vote', attributes: { verdict: 'malicious' } } }) })
    t.equal(vote.status, 200)
    // votes stay on the node that took them: look at node 2's page (its own origin, so the key again)
    await page.goto(`${node2}/#/file/${sha256}`)
    await page.locator('main .error').waitFor()
    await page.click('.key summary')
    await page.fill('#apikey', devnet.info.apiKey)
    await page.press('#apikey', 'Enter')
    // another node is another origin: its page has its own storage, so the user pins the deployment there too
    await pinDeployment()
    await page.locator('#verification.ok').waitFor({ timeout: 30_000 })
    t.match(await page.locator('main').innerText(), /community votes\s+1 malicious, 0 harmless/)
    await shot('6-after-rescan-and-vote')
  })

  tap.test('an operator grants a download key on a running node: it works at once, returns the sample, and stops when revoked', async (t) => {
    const node = devnet.info.nodes[1]
    if (node === undefined) throw new Error('no node 1')
    const out: string[] = []
    const err: string[] = []
    const cli = async (...argv: string[]): Promise<number> => await runCli(argv, {
      stdout: { write: (x: string) => out.push(x) }, stderr: { write: (x: string) => err.push(x) }, signal: AbortSignal.timeout(30_000), env: {}, cwd: dir
    })
    t.equal((await stat(join(node.dataDir, 'admin.cookie'))).mode & 0o777, 0o600, 'the running node wrote its admin cookie, 0600')
    t.equal(await cli('apikey', 'create', '--data-dir', node.dataDir, '--privilege', 'download', '--name', 'e2e', '--json'), 0, err.join(''))
    const { key } = JSON.parse(out.join('')) as { key: string }
    const download = `${node.api}/api/v3/files/${sha256}/download`
    const res = await fetch(download, { headers: { 'x-apikey': key } })
    t.equal(res.status, 200, 'the new key downloads without a restart')
    t.equal(await res.text(), EICAR, 'the member node decrypts the sample it scanned')
    t.equal((await fetch(download, { headers: { 'x-apikey': devnet.info.apiKey } })).status, 403, 'the devnet key holds no download privilege')
    t.equal(await cli('apikey', 'revoke', key, '--data-dir', node.dataDir), 0, err.join(''))
    t.equal((await fetch(download, { headers: { 'x-apikey': key } })).status, 401, 'revoked: refused at once')
  })

  tap.test('the page raised no script errors and asked for nothing missing', async (t) => {
    t.same(pageErrors, [])
    t.same(failedRequests, ['401 /api/virusmap/reports', `404 /api/v3/files/${'a'.repeat(64)}`, '404 /api/v3/domains/account-verify.example', `401 /api/v3/files/${sha256}`], 'only the keyless requests and the unknown hash and domain above')
  })
}
