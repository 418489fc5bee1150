/**
 * Governance from the web page with the user's own wallet, in Debian's chromium (playwright-core)
 * against VirusMap deployed on anvil: an EIP-1193 provider injected into the page announces itself
 * by EIP-6963 and forwards every request to this test, where an ethers wallet on an anvil account
 * signs and sends real transactions (and reads go to anvil as a wallet's node would answer them).
 * The page delegates, votes with a reason, queues and executes; the chain is checked for each.
 * Then wallets that refuse, answer garbage or sit on another chain get plain messages.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import { Contract, HDNodeWallet, Mnemonic, encodeBytes32String, parseEther } from 'ethers'
import { openGov, propose, setParamActions } from '#governance/index.ts'
import { governorArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { createGovernanceReader } from '../../src/chain/governance-reader.ts'
import { increaseTime, mineBlocks } from '#governance/anvil-time.ts'
import type { NetworkReader } from '../../src/api/ports/index.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { injectedWallet } from '../fixtures/injected-wallet.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { startApi } from '../fixtures/api-server.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import type { BrowserContext, Page } from 'playwright-core'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url))

/** What the test's wallet does with the next requests: an honest wallet, or one of the hostile ones. */
type Mode = 'honest' | 'reject-connect' | 'reject-sign' | 'garbage-accounts' | 'garbage-call' | 'garbage-hash' | 'refuse-switch' | 'unknown-chain'

/** an EIP-1193 error as the wallet would give it */
const fail = (code: number, message: string): { error: { code: number, message: string } } => ({ error: { code, message } })

if (noChromium !== false) {
  tap.pass(noChromium)
} else {
  const chain = await startGovernedChain(tap, 0)
  const { provider, deployer, deployment } = chain
  const { contracts } = deployment
  const chainId = Number((await provider.getNetwork()).chainId)
  const { rpcUrl } = chain
  // anvil's well-known dev account 5: the token holder behind the page's wallet
  const holder = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase('test test test test test test test test test test test junk'), 'm/44\'/60\'/0\'/0/5').connect(provider)
  const HOLDING = parseEther('100000')
  await (await (new Contract(contracts.vmt, vmtArtifact.abi, deployer).getFunction('transfer'))(holder.address, HOLDING)).wait()
  const governor = new Contract(contracts.governor, governorArtifact.abi, provider)
  const gov = openGov(contracts, provider, deployment.deployBlock)

  const network: NetworkReader = {
    info: () => ({ chainId, registry: contracts.registry, self: holder.address.toLowerCase() as `0x${string}`, suggested: { rpcUrl, governor: contracts.governor, ...(contracts.parameters === undefined ? {} : { parameters: contracts.parameters }) }, followedBlock: 0, members: [] }),
    membersAt: () => [],
    recentReports: async () => []
  }
  // ttl 0: the page's listing is the chain's as soon as a test step has mined
  const server = await startApi(tap, { ...createMemoryNode().ports, network, governance: createGovernanceReader({ provider, contracts, deployBlock: deployment.deployBlock, ttlMs: 0 }) })

  let mode: Mode = 'honest'
  /** the chain the test's wallet is on; it starts elsewhere, so the page has to ask it to switch */
  let walletChain = 1
  const requests: string[] = []
  async function answer (method: string, params: unknown[]): Promise<unknown> {
    requests.push(method)
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') {
      if (mode === 'reject-connect') return fail(4001, 'User rejected the request.')
      if (mode === 'garbage-accounts') return { result: [{ address: '<img src=x onerror=alert(1)>' }] }
      return { result: [holder.address] }
    }
    if (method === 'eth_chainId') return { result: `0x${walletChain.toString(16)}` }
    if (method === 'wallet_switchEthereumChain') {
      if (mode === 'refuse-switch') return fail(4001, 'User rejected the request.')
      const wanted = Number(BigInt((params[0] as { chainId: string }).chainId))
      if (mode === 'unknown-chain' || wanted !== chainId) return fail(4902, `Unrecognized chain ID "${(params[0] as { chainId: string }).chainId}".`)
      walletChain = wanted
      return { result: null }
    }
    if (method === 'eth_sendTransaction') {
      if (mode === 'reject-sign') return fail(4001, 'User denied transaction signature.')
      if (mode === 'garbage-hash') return { result: 'not a hash' }
      const tx = params[0] as { from: string, to: string, data: string }
      if (tx.from.toLowerCase() !== holder.address.toLowerCase()) return fail(4100, 'unknown account')
      return { result: (await holder.sendTransaction({ to: tx.to, data: tx.data })).hash }
    }
    if (mode === 'garbage-call' && method === 'eth_call') return { result: '0x1234' }
    // what a wallet's node answers: the JSON-RPC result or error, as anvil gives it
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    const body = await res.json() as { result?: unknown, error?: unknown }
    return body.error === undefined ? { result: body.result } : { error: body.error }
  }

  const dir = await mkdtemp(join(tmpdir(), 'virusmap-web-gov-'))
  await mkdir(ARTIFACTS, { recursive: true })
  const browser: BrowserContext = await launchChromium(join(dir, 'chromium-profile'), { viewport: { width: 1280, height: 1000 } })
  tap.teardown(async () => {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  })
  const pageErrors: string[] = []
  const watch = (p: Page): Page => {
    p.on('pageerror', (err) => { pageErrors.push(err.message) })
    p.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()) })
    p.on('response', (res) => { if (res.status() >= 400) pageErrors.push(`${res.status()} ${res.url()}`) })
    return p
  }
  const page = watch(browser.pages()[0] ?? await browser.newPage())
  await page.exposeFunction('testWalletRequest', async (method: string, params: string) => JSON.stringify(await answer(method, JSON.parse(params) as unknown[])))
  await page.addInitScript(injectedWallet)
  const shot = async (name: string): Promise<void> => { await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true }) }
  const openGovernance = async (): Promise<void> => {
    await page.goto(`${server.url}/#/governance`)
    await page.reload()
    await page.locator('#wallet h2').waitFor()
  }
  const connectWallet = async (): Promise<void> => {
    await page.click('#wallet button.connect-wallet')
    await page.locator('#wallet-info').waitFor({ timeout: 30_000 })
  }
  const row = (id: bigint) => page.locator(`#proposals tr[data-id="${id}"]`)
  const panel = (id: bigint) => page.locator(`#proposals tr.act-row[data-for="${id}"]`)
  const walletText = async (): Promise<string> => await page.locator('#wallet').innerText()
  const newProposal = async (name: string, value: bigint): Promise<bigint> => (await propose(gov, deployer, setParamActions(contracts, name, value), `Set ${name} to ${value}`)).id

  tap.test('the page finds the wallet by EIP-6963, asks it to switch to the pinned chain, and shows its tokens', async (t) => {
    await openGovernance()
    t.match(await page.locator('#wallet button.connect-wallet').innerText(), 'Connect Test Wallet')
    await connectWallet()
    t.equal(walletChain, chainId, 'the wallet was asked to switch from chain 1')
    t.ok(requests.includes('wallet_switchEthereumChain'))
    await page.waitForFunction(() => /voting power/.test(document.querySelector('#wallet-info')?.textContent ?? ''))
    const text = await walletText()
    t.match(text, holder.address.toLowerCase())
    t.match(text, /VMT\s+100,000 VMT/)
    t.match(text, /voting power\s+0 VMT/)
    t.match(text, /delegated to\s+nobody/)
    t.match(text, contracts.vmt.toLowerCase(), 'the token, read from the Governor')
    t.equal(await page.locator('#wallet-rewards').count(), 0, 'no RewardsDistributor in the deployment: no rewards line')
    t.match(await page.locator('#wallet #deployment-note').innerText(), `Governor ${contracts.governor.toLowerCase()}`)
    await shot('gov-1-wallet-connected')
  })

  let early = 0n
  tap.test('a vote without voting power at the snapshot is refused by the page, before the wallet is asked to sign', async (t) => {
    early = await newProposal('webEarly', 1n)
    await mineBlocks(provider, 2)
    await openGovernance()
    await connectWallet()
    await row(early).locator('button.act-button').click()
    await panel(early).locator('textarea').fill('too early')
    const sent = requests.filter((m) => m === 'eth_sendTransaction').length
    await panel(early).locator('button[type=submit]').click()
    await panel(early).locator('.error').waitFor({ timeout: 30_000 })
    t.match(await panel(early).locator('.error').innerText(), /Vote for failed: 0x[0-9a-f]{40} had no voting power at the proposal's snapshot block \d+: tokens count only once delegated/)
    t.equal(requests.filter((m) => m === 'eth_sendTransaction').length, sent, 'nothing was sent')
  })

  tap.test('delegating: a rejection in the wallet and a garbage hash are said plainly; then the delegation is mined and the votes count', async (t) => {
    mode = 'reject-sign'
    await page.click('#delegate-self')
    await page.locator('#wallet-status .error').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#wallet-status').innerText(), /You rejected the request in your wallet \(eth_sendTransaction\)/)
    mode = 'garbage-hash'
    await page.click('#delegate-self')
    await page.waitForFunction(() => /not what it asks for/.test(document.querySelector('#wallet-status')?.textContent ?? ''), null, { timeout: 30_000 })
    t.match(await page.locator('#wallet-status').innerText(), /Your wallet answered eth_sendTransaction with something that is not what it asks for \(not a hash\)/)
    t.equal(await governor.getFunction('getVotes')(holder.address, await provider.getBlockNumber() - 1), 0n, 'still no votes')
    mode = 'honest'
    await page.click('#delegate-self')
    await page.locator('#wallet-status .tx-done').waitFor({ timeout: 30_000 })
    const hash = await page.locator('#wallet-status .tx-hash').innerText()
    t.match(hash, /^0x[0-9a-f]{64}$/)
    const receipt = await provider.getTransactionReceipt(hash)
    t.equal(receipt?.status, 1, 'the shown transaction is mined')
    t.equal(receipt?.from.toLowerCase(), holder.address.toLowerCase())
    t.equal(await (new Contract(contracts.vmt, vmtArtifact.abi, provider).getFunction('delegates'))(holder.address), holder.address, 'delegated to itself on chain')
    await page.waitForFunction(() => /voting power\s+100,000 VMT/.test((document.querySelector('#wallet-info') as HTMLElement | null)?.innerText ?? ''), null, { timeout: 30_000 })
    t.match(await walletText(), /delegated to\s+yourself/)
    await shot('gov-2-delegated')
  })

  let proposal = 0n
  tap.test('a vote with a reason on a real proposal: mined, counted on chain, and the row shows the chain\'s tally', async (t) => {
    proposal = await newProposal('webVote', 42n)
    await mineBlocks(provider, 2)
    await openGovernance()
    await connectWallet()
    t.match(await row(proposal).innerText(), /Active/)
    await row(proposal).locator('button.act-button').click()
    await panel(proposal).locator('input[value=for]').check()
    const reason = 'Runs YARA well — \u00fcn\u00efcode <b>and</b> markup stay text'
    await panel(proposal).locator('textarea').fill(reason)
    await panel(proposal).locator('button[type=submit]').click()
    await panel(proposal).locator('.tx-done').waitFor({ timeout: 30_000 })
    const hash = await panel(proposal).locator('.tx-hash').innerText()
    const [against, forVotes, abstain] = await governor.getFunction('proposalVotes')(proposal) as [bigint, bigint, bigint]
    t.same([against, forVotes, abstain], [0n, HOLDING, 0n], 'the tally on chain')
    const cast = await governor.queryFilter(governor.filters.VoteCast!(holder.address), (await provider.getTransactionReceipt(hash))?.blockNumber)
    t.equal(cast.length, 1)
    t.equal((cast[0] as unknown as { args: unknown[] }).args[4], reason, 'castVoteWithReason carried the reason')
    await row(proposal).locator('td.votes-for', { hasText: '100,000 VMT' }).waitFor({ timeout: 30_000 })
    t.pass('the row shows the tally read from the chain')
    t.match(await row(proposal).locator('td.quorum').innerText(), /\(reached\)/, 'and that it reached quorum')
    t.equal(await panel(proposal).locator('b').count(), 0, 'the reason stayed text')
    await shot('gov-3-voted')
  })

  tap.test('a proposal the page still shows as Active after its vote ended: the page says it is not active', async (t) => {
    await mineBlocks(provider, 6)
    await row(proposal).locator('button.act-button').click()
    await panel(proposal).locator('button[type=submit]').click()
    await panel(proposal).locator('.error').waitFor({ timeout: 30_000 })
    t.match(await panel(proposal).locator('.error').innerText(), /is Succeeded: votes are taken only while it is Active/)
  })

  tap.test('queue, execute too early (refused with the time), anvil time travel, execute: the parameter is set on chain', async (t) => {
    await openGovernance()
    await connectWallet()
    t.match(await row(proposal).innerText(), /Succeeded/)
    t.match(await row(early).innerText(), /Defeated/, 'the proposal without votes failed')
    await row(proposal).locator('button.act-button').click()
    await panel(proposal).locator('.tx-done').waitFor({ timeout: 30_000 })
    await row(proposal).locator('.state-Queued').waitFor({ timeout: 30_000 })
    await row(proposal).locator('button.act-button', { hasText: 'Execute' }).waitFor()
    t.equal(await governor.getFunction('state')(proposal), 5n, 'Queued on chain')
    await row(proposal).locator('button.act-button').click()
    await panel(proposal).locator('.error').waitFor({ timeout: 30_000 })
    t.match(await panel(proposal).locator('.error').innerText(), /The timelock delay ends at \d{4}-\d\d-\d\dT/)
    await increaseTime(provider, 61)
    await row(proposal).locator('button.act-button').click()
    await panel(proposal).locator('.tx-done').waitFor({ timeout: 30_000 })
    await row(proposal).locator('.state-Executed').waitFor({ timeout: 30_000 })
    t.equal(await row(proposal).locator('button.act-button').count(), 0, 'nothing more to do')
    t.equal(await chain.params.getFunction('get')(encodeBytes32String('webVote')), 42n, 'NetworkParameters has the value the proposal set')
    await shot('gov-4-executed')
  })

  tap.test('hostile wallets: rejected, garbage, wrong or unknown chain each get a clear message and the page goes on working', async (t) => {
    const cases: Array<[Mode, number, RegExp]> = [
      ['reject-connect', chainId, /You rejected the request in your wallet \(eth_requestAccounts\)/],
      ['garbage-accounts', chainId, /Your wallet answered eth_requestAccounts with something that is not what it asks for/],
      ['refuse-switch', 1, /Your wallet is on chain 1, this network is chain \d+, and the switch was declined/],
      ['unknown-chain', 5, /Your wallet does not know chain \d+: add it to the wallet/]
    ]
    for (const [m, on, message] of cases) {
      mode = m
      walletChain = on
      await openGovernance()
      await page.click('#wallet button.connect-wallet')
      await page.locator('#wallet-status .error').waitFor({ timeout: 30_000 })
      t.match(await page.locator('#wallet-status').innerText(), message, m)
      t.ok(await page.locator('#proposals tbody tr').count() >= 2, `${m}: the proposals are still shown`)
    }
    mode = 'garbage-call'
    walletChain = chainId
    await openGovernance()
    await page.click('#wallet button.connect-wallet')
    await page.locator('#wallet .error').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#wallet .error').innerText(), /Your wallet's answer to (timelock|owner) at 0x[0-9a-f]{40} is not what that contract returns/)
    // the wallet moves to another chain after connecting: the card says so and offers the switch
    mode = 'honest'
    await openGovernance()
    await connectWallet()
    walletChain = 10
    await page.evaluate(() => { (window as unknown as { testWalletEmit: (e: string, v: unknown) => void }).testWalletEmit('chainChanged', '0xa') })
    await page.locator('#switch-chain').waitFor({ timeout: 30_000 })
    t.match(await walletText(), /Your wallet is on chain 10; this network is chain \d+/)
    await page.click('#switch-chain')
    await page.locator('#wallet-info').filter({ hasText: 'voting power' }).waitFor({ timeout: 30_000 })
    t.equal(walletChain, chainId)
    // a Governor pinned by mistake (here the token's address) is refused before anything is signed
    await page.click('#wallet details.deployment summary')
    await page.fill('#wallet #deployment-form input[name=governor]', contracts.vmt)
    await page.click('#wallet #deployment-form button[type=submit]')
    await connectWallet()
    await page.locator('#wallet .error').waitFor({ timeout: 30_000 })
    t.match(await page.locator('#wallet .error').innerText(), new RegExp(`${contracts.vmt.toLowerCase()} does not answer as a Governor \\(timelock\\(\\) failed`))
    await shot('gov-5-hostile')
    await page.click('#wallet details.deployment summary')
    await page.click('#wallet #deployment-reset')
  })

  tap.test('a page without any wallet says how to take part instead', async (t) => {
    const bare = watch(await browser.newPage())
    await bare.goto(`${server.url}/#/governance`)
    await bare.locator('#no-wallet').waitFor({ timeout: 30_000 })
    t.match(await bare.locator('#no-wallet').innerText(), /No wallet found in this browser .* virusmap gov delegate \| vote \| queue \| execute/)
    await bare.close()
  })

  tap.test('no script errors on any page', async (t) => {
    t.same(pageErrors.filter((e) => !e.startsWith('Failed to load resource')), [])
  })
}
