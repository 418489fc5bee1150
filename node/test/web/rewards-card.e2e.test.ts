/**
 * The rewards line of the governance page's wallet card, in Debian's chromium against VirusMap deployed on
 * anvil with a RewardsDistributor whose root of an epoch has settled: the page proves the wallet's amount
 * against that root and shows it claimable, with the node's newer epoch as pending; Claim sends
 * RewardsDistributor.claim through the wallet and the VMT arrives. A node whose amount does not lead to the
 * chain's root gets a plain message and no Claim button.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'
import { Contract, HDNodeWallet, Mnemonic, parseEther } from 'ethers'
import { vmtArtifact } from '#governance/artifacts.ts'
import { createGovernanceReader } from '../../src/chain/governance-reader.ts'
import type { Hex } from '#protocol/messages.ts'
import type { NetworkReader } from '../../src/api/ports/index.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { injectedWallet } from '../fixtures/injected-wallet.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { startApi } from '../fixtures/api-server.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { recordOf, settledRewards } from '../fixtures/settled-rewards.ts'
import type { Page } from 'playwright-core'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url))

if (noChromium !== false) {
  tap.pass(noChromium)
} else {
  const chain = await startGovernedChain(tap, 0)
  const { provider, deployer, deployment, rpcUrl } = chain
  const { contracts } = deployment
  const chainId = Number((await provider.getNetwork()).chainId)
  // anvil's well-known dev account 6: the rewarded wallet behind the page
  const holder = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase('test test test test test test test test test test test junk'), 'm/44\'/60\'/0\'/0/6').connect(provider)
  const account = holder.address.toLowerCase() as Hex
  const other = `0x${'77'.repeat(20)}` as Hex
  const settled = new Map([[account, parseEther('12.5')], [other, parseEther('3')]])
  const { rewards, epoch, records } = await settledRewards(provider, deployer, contracts.vmt, [settled, new Map([[account, parseEther('20')], [other, parseEther('3')]])])
  const vmt = new Contract(contracts.vmt, vmtArtifact.abi, provider)

  const apiFor = async (stored: typeof records): Promise<string> => {
    const node = createMemoryNode()
    for (const r of stored) node.rewards.set(r.epoch, r)
    const network: NetworkReader = {
      info: () => ({ chainId, registry: contracts.registry, self: account, suggested: { rpcUrl, governor: contracts.governor, rewards }, followedBlock: 0, members: [] }),
      membersAt: () => [],
      recentReports: async () => []
    }
    return (await startApi(tap, { ...node.ports, network, governance: createGovernanceReader({ provider, contracts, deployBlock: deployment.deployBlock }) })).url
  }
  const honest = await apiFor(records)
  // a node that says the wallet earned twice as much in the settled epoch: its tree, and so its proof, is not the chain's
  const lying = await apiFor([recordOf(epoch, new Map([[account, parseEther('25')], [other, parseEther('3')]])), records[1]!])

  /** an honest wallet on the chain: anvil answers its reads, the holder's key signs */
  async function answer (method: string, params: unknown[]): Promise<unknown> {
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: [holder.address] }
    if (method === 'eth_sendTransaction') {
      const tx = params[0] as { to: string, data: string }
      return { result: (await holder.sendTransaction({ to: tx.to, data: tx.data })).hash }
    }
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    const body = await res.json() as { result?: unknown, error?: unknown }
    return body.error === undefined ? { result: body.result } : { error: body.error }
  }

  const dir = await mkdtemp(join(tmpdir(), 'virusmap-web-rewards-'))
  await mkdir(ARTIFACTS, { recursive: true })
  const browser = await launchChromium(join(dir, 'chromium-profile'))
  tap.teardown(async () => {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  })
  const pageErrors: string[] = []
  const page: Page = browser.pages()[0] ?? await browser.newPage()
  page.on('pageerror', (err) => { pageErrors.push(err.message) })
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()) })
  page.on('response', (res) => { if (res.status() >= 400) pageErrors.push(`${res.status()} ${res.url()}`) })
  await page.exposeFunction('testWalletRequest', async (method: string, params: string) => JSON.stringify(await answer(method, JSON.parse(params) as unknown[])))
  await page.addInitScript(injectedWallet)
  const connected = async (api: string): Promise<void> => {
    await page.goto(`${api}/#/governance`)
    await page.click('#wallet button.connect-wallet', { timeout: 30_000 })
    await page.locator('#wallet-rewards #rewards-line, #wallet-rewards .error').waitFor({ timeout: 30_000 })
  }

  tap.test('the wallet\'s amount proven against the settled root is claimable, the newer epoch pending; Claim pays it', async (t) => {
    await connected(honest)
    const line = page.locator('#rewards-line')
    t.equal(await line.innerText(), `Rewards: claimable 12.50 VMT (proven against the on-chain root of epoch ${epoch}), pending 7.50 VMT (the node's word)`)
    t.match(await page.locator('#wallet #deployment-note').innerText(), `RewardsDistributor ${rewards}`, 'the distributor the node suggested, pinned')
    await page.screenshot({ path: join(ARTIFACTS, 'rewards-1-claimable.png'), fullPage: true })
    const before = await vmt.getFunction('balanceOf')(account) as bigint
    await page.click('#claim-rewards')
    await page.locator('#wallet-status .tx-done').waitFor({ timeout: 30_000 })
    const receipt = await provider.getTransactionReceipt(await page.locator('#wallet-status .tx-hash').innerText())
    t.equal(receipt?.to?.toLowerCase(), rewards, 'the claim went to RewardsDistributor')
    t.equal(await vmt.getFunction('balanceOf')(account) as bigint, before + parseEther('12.5'), 'and paid the wallet its amount')
    await line.filter({ hasText: 'claimed so far' }).waitFor({ timeout: 30_000 })
    t.equal(await line.innerText(), `Rewards: claimable 0 VMT (proven against the on-chain root of epoch ${epoch}; 12.50 VMT claimed so far), pending 7.50 VMT (the node's word)`)
    t.equal(await page.locator('#claim-rewards').count(), 0, 'nothing left to claim')
  })

  tap.test('a node whose amount does not lead to the chain\'s root: said plainly, nothing offered to sign', async (t) => {
    await connected(lying)
    t.match(await page.locator('#wallet-rewards .error').innerText(), `this node's amount for you in epoch ${epoch} does not match the root RewardsDistributor holds on chain, so nothing is offered to claim`)
    t.equal(await page.locator('#claim-rewards').count(), 0, 'no Claim button')
    await page.screenshot({ path: join(ARTIFACTS, 'rewards-2-not-proven.png'), fullPage: true })
  })

  tap.test('no script errors', async (t) => {
    t.same(pageErrors.filter((e) => !e.startsWith('Failed to load resource')), [])
  })
}
