// Epoch anchors end to end (SPEC 15) on the 4-node devnet: files submitted in two epochs are anchored
// by the members themselves (proposer turns, EpochRoot signatures, one anchor() per epoch), every
// report verifies with its inclusion proof through the light client against ReportAnchors; and a
// member's proposal that lists a job no member holds a final report for is signed by nobody.
// Epochs are ended by mining their remaining blocks at once rather than waiting out the devnet's block a
// second: the members still find the ended epoch, take turns, sign and post it themselves.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract } from 'ethers'
import tap, { type Test } from 'tap'
import { anchorsArtifact } from '#governance/artifacts.ts'
import { epochTree, signAnchorProposal, signEpochRoot, treeLeaves } from '#protocol/index.ts'
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { DEVNET_CONFIRMATIONS, startDevnet } from '../../src/devnet/devnet.ts'
import { reportFromFileAttributes, verifyReport } from '../../src/light-client/index.ts'
import { loadOrCreateNodeKeys } from '../../src/supernode/node-keys.ts'
import { launchChromium } from '../fixtures/chromium.ts'
import { noChromium } from '../fixtures/system-packages.ts'
import { readCounter, startHostilePeer } from './hostile-peer.ts'
import { commentNodeLogs } from './node-logs.ts'
import { endEpoch } from './end-epoch.ts'
import type { AnchorProposal, AnchorSignature, Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'

let devnet: Devnet
let dir: string

tap.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'virusmap-anchors-'))
  devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000, clamav: false })
})
tap.teardown(async () => {
  await devnet?.stop()
  if (!tap.passing()) {
    await commentNodeLogs(devnet, /"component":"anchors"/)
  }
  await rm(dir, { recursive: true, force: true })
})

const api = (i: number): string => (devnet.info.nodes[i] as { api: string }).api
const key = (): { headers: Record<string, string> } => ({ headers: { 'x-apikey': devnet.info.apiKey } })
const anchorsAddress = (): Hex => {
  const address = devnet.info.contracts.anchors
  if (address === undefined) throw new Error('the devnet deployed no ReportAnchors')
  return address
}

interface FileAttributes { virusmap_anchor?: { epoch: number, root: Hex, proof: Hex[], block: number }, [k: string]: unknown }

/** node i's file object; undefined while it holds no report of the file (404) */
async function fileAttributes (i: number, sha256: string): Promise<FileAttributes | undefined> {
  const res = await fetch(`${api(i)}/api/v3/files/${sha256}`, key())
  if (res.status === 404) return undefined
  return (await res.json() as { data: { attributes: FileAttributes } }).data.attributes
}

/** uploads `count` files to node `i`; their analysis ids, sha256s and job blocks (known once the job exists) */
async function submitFiles (i: number, count: number): Promise<Array<{ id: string, sha256: string, block: number }>> {
  const client = createVtClient({ baseUrl: api(i), apiKey: devnet.info.apiKey })
  return await Promise.all(Array.from({ length: count }, async () => {
    const { id } = await client.uploadFile(Buffer.from(`anchored ${randomBytes(12).toString('hex')}\n`), { filename: 'a.txt' })
    const analysis = await client.getAnalysis(id)
    const sha256 = (analysis.meta as { file_info: { sha256: string } }).file_info.sha256
    return { id, sha256, block: (analysis.data.attributes as { virusmap: { membership_block: number } }).virusmap.membership_block }
  }))
}

let epochBlocks = 0
/** the reports the first test saw anchored, for the web page's test */
const anchoredFiles: Array<{ sha256: string, attributes: FileAttributes }> = []

/** two files submitted to node `i`, once their reports are served anchored by node 2 */
async function anchoredBatch (t: Test, i: number): Promise<Array<{ sha256: string, attributes: FileAttributes }>> {
  const files = await submitFiles(i, 2)
  const client = createVtClient({ baseUrl: api(i), apiKey: devnet.info.apiKey })
  for (const f of files) {
    const done = await client.waitForAnalysis(f.id, { intervalMs: 250, signal: AbortSignal.timeout(60_000) })
    t.equal((done.data.attributes as { status: string }).status, 'completed')
  }
  await endEpoch(devnet.provider, epochBlocks)
  const anchored = new Map<string, FileAttributes>()
  const deadline = AbortSignal.timeout(90_000)
  while (anchored.size < files.length && !deadline.aborted) {
    for (const f of files) {
      // node 2 stores the report once it holds the attestations, a moment after node i may
      const attributes = await fileAttributes(2, f.sha256)
      if (attributes?.virusmap_anchor !== undefined) anchored.set(f.sha256, attributes)
    }
    await sleep(250)
  }
  t.equal(anchored.size, files.length, 'every report of the batch anchored')
  return [...anchored].map(([sha256, attributes]) => ({ sha256, attributes }))
}

tap.test('reports from two epochs are anchored by the members and verify with their proofs', async (t) => {
  const anchors = new Contract(anchorsAddress(), anchorsArtifact.abi, devnet.provider)
  epochBlocks = Number(await anchors.getFunction('epochBlocks')() as bigint)
  t.equal(epochBlocks, 30, 'the devnet\'s short epochs')
  // a batch, then another once the first is anchored: the second's jobs are from blocks after the first's
  // epoch was anchored, so they are anchored in a later epoch
  const first = await anchoredBatch(t, 0)
  const second = await anchoredBatch(t, 1)
  const files = [...first, ...second]
  anchoredFiles.push(...files)
  const epochs = new Set<number>()
  const target = { provider: devnet.provider, registry: devnet.info.contracts.registry, chainId: devnet.info.chainId, anchors: anchorsAddress(), ...(devnet.info.contracts.parameters === undefined ? {} : { parameters: devnet.info.contracts.parameters }) }
  for (const f of files) {
    const { attributes } = f
    const rebuilt = reportFromFileAttributes(attributes)
    t.ok(rebuilt.ok, `the served report of ${f.sha256.slice(0, 12)} rebuilds`)
    if (!rebuilt.ok) continue
    const result = await verifyReport(rebuilt.report, { hash: f.sha256 }, target, { anchor: attributes.virusmap_anchor })
    t.same(result.problems, [], 'no problem')
    t.equal(result.verified, true)
    t.equal(result.anchor.status, 'anchored', 'anchored, proven against the chain\'s root')
    if (result.anchor.status === 'anchored') epochs.add(result.anchor.epoch)
  }
  t.ok(epochs.size >= 2, `anchored in ${epochs.size} epochs: ${[...epochs].join(', ')}`)

  const listed = await (await fetch(`${api(3)}/api/virusmap/anchors`, key())).json() as { data: Array<{ attributes: { epoch: number, leaf_count: number, tx: Hex } }> }
  for (const epoch of epochs) {
    const row = listed.data.find((d) => d.attributes.epoch === epoch)
    t.ok(row, `node 3 lists epoch ${epoch}`)
    const [, leafCount] = await anchors.getFunction('anchorOf')(epoch) as [string, bigint, bigint]
    t.equal(row?.attributes.leaf_count, Number(leafCount), 'with the chain\'s leaf count')
  }
})

tap.test('the web page shows an anchored report\'s epoch and proof, and the epoch\'s page agrees with the chain', { skip: noChromium }, async (t) => {
  const [file] = anchoredFiles
  if (file === undefined) throw new Error('no anchored report to show')
  const browser = await launchChromium(join(dir, 'chromium-profile'))
  t.teardown(async () => { await browser.close() })
  const page = browser.pages()[0] ?? await browser.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => { pageErrors.push(err.message) })
  await page.goto(`${api(2)}/`)
  await page.evaluate((k) => { localStorage.setItem('virusmap.apikey', k) }, devnet.info.apiKey)
  await page.goto(`${api(2)}/#/file/${file.sha256}`)
  // the user's own chain: the devnet's RPC and NetworkParameters; ReportAnchors as the node suggests it
  await page.locator('#deployment-form').waitFor({ state: 'attached', timeout: 30_000 })
  if (await page.locator('details.deployment').getAttribute('open') === null) await page.click('details.deployment summary')
  await page.fill('#deployment-form input[name=rpcUrl]', devnet.info.rpcUrl)
  await page.fill('#deployment-form input[name=parameters]', devnet.info.contracts.parameters ?? '')
  await page.click('#deployment-form button[type=submit]')
  await page.locator('#verification.ok, #verification.fail').waitFor({ timeout: 30_000 })
  t.equal(await page.locator('#verification').getAttribute('class'), 'badge ok', await page.locator('#verification').innerText())
  const served = file.attributes.virusmap_anchor
  if (served === undefined) throw new Error('the file was served anchored')
  t.equal(await page.locator('#anchor').innerText(), `anchored in epoch ${served.epoch} (root posted in block ${served.block})`)
  await page.click('#anchor-proof summary')
  const proof = await page.locator('#anchor-proof').innerText()
  t.match(proof, `inclusion proof (${served.proof.length} hashes), checked in this browser`)
  for (const sibling of served.proof) t.match(proof, sibling, 'every sibling the node served')
  t.match(proof, `root on chain: ${served.root}`)
  await page.click('#anchor-link')
  await page.locator('#anchor-check.ok, #anchor-check.fail').waitFor({ timeout: 30_000 })
  t.equal(await page.locator('#anchor-check').getAttribute('class'), 'badge ok', await page.locator('#anchor-check').innerText())
  t.equal(await page.locator('#anchor-root').innerText(), served.root)
  const [, leafCount] = await new Contract(anchorsAddress(), anchorsArtifact.abi, devnet.provider).getFunction('anchorOf')(served.epoch) as [string, bigint, bigint]
  t.equal(await page.locator('#anchor-jobs li').count(), Number(leafCount), 'the epoch\'s jobs, as many as the chain\'s leaves')
  t.same(pageErrors, [], 'no script errors')
})

tap.test('a proposal listing a job no member holds a report for gets no signature', async (t) => {
  // an ended epoch with no report in it and the members elected at its first block: nobody else proposes it
  const anchors = new Contract(anchorsAddress(), anchorsArtifact.abi, devnet.provider)
  const liar = devnet.info.nodes[1] as { dataDir: string, operator: Hex }
  const emptyEpoch = async (): Promise<number | undefined> => {
    for (let e = Math.floor((await blockNumber(devnet.provider) - 3) / epochBlocks) - 1; e >= 0; e--) {
      const [, leaves] = await anchors.getFunction('anchorOf')(e) as [string, bigint, bigint]
      const members = await (await fetch(`${api(0)}/api/virusmap/members/${e * epochBlocks}`, key())).json() as { data?: { attributes: { members: Array<{ operator: string }> } } }
      if (leaves === 0n && members.data?.attributes.members.some((m) => m.operator === liar.operator) === true) return e
    }
    return undefined
  }
  // two epochs with no job in them, ended at once
  await mineBlocks(devnet.provider, 2 * epochBlocks + DEVNET_CONFIRMATIONS)
  let epoch = await emptyEpoch()
  for (let i = 0; i < 80 && epoch === undefined; i++) {
    await sleep(500)
    epoch = await emptyEpoch()
  }
  if (epoch === undefined) throw new Error('no empty epoch ended')
  // a member judges a proposal only once its follower knows the epoch's membership (else it is not a member there yet)
  const follows = async (i: number): Promise<boolean> => (await fetch(`${api(i)}/api/virusmap/members/${(epoch as number) * epochBlocks}`, key())).status === 200
  for (let i = 0; i < 80 && !(await Promise.all([0, 2, 3].map(follows))).every(Boolean); i++) await sleep(250)
  // node 1's operator key proposes (a member that lies) a leaf of a job that never was
  const keys = await loadOrCreateNodeKeys(liar.dataDir)
  const listed = await (await fetch(`${api(0)}/api/virusmap/reports?limit=1`, key())).json() as { data: Array<{ attributes: { sha256: string } }> }
  const real = reportFromFileAttributes(await fileAttributes(0, listed.data[0]?.attributes.sha256 as string) ?? {})
  if (!real.ok) throw new Error('no report to copy')
  const ghost: Report = { ...real.report, jobId: `0x${randomBytes(32).toString('hex')}` }
  const tree = epochTree([ghost])
  const proposed = { epoch, root: tree.root as Hex, leafCount: 1, jobIds: [ghost.jobId] }
  const { chainId } = devnet.info
  const { registry } = devnet.info.contracts
  const proposal: AnchorProposal = { type: 'anchor-proposal', proposer: liar.operator, ...proposed, leaves: treeLeaves(tree), signature: await signAnchorProposal(proposed, chainId, registry, keys.operator) }
  const own: AnchorSignature = { type: 'anchor-signature', epoch, member: liar.operator, root: proposed.root, leafCount: 1, signature: await signEpochRoot(proposed, chainId, registry, keys.operator) }
  const members = [0, 2, 3]
  const count = async (i: number): Promise<number> => await readCounter(api(i), 'virusmap_anchors_refused_total', { code: 'MISSING_REPORT' })
  const before = await Promise.all(members.map(count))
  const peer = await startHostilePeer(devnet.info.nodes.flatMap((n) => n.multiaddrs))
  t.teardown(async () => { await peer.stop() })
  await peer.publish('anchors', proposal)
  await peer.publish('anchors', own)
  let refused = 0
  for (let i = 0; i < 80 && refused < members.length; i++) {
    await sleep(250)
    const now = await Promise.all(members.map(count))
    refused = now.filter((n, j) => n > (before[j] as number)).length
  }
  t.equal(refused, members.length, 'every other member refused it: none holds the listed job\'s final report')
  const [, leafCount] = await anchors.getFunction('anchorOf')(epoch) as [string, bigint, bigint]
  t.equal(leafCount, 0n, 'and the epoch stays unanchored')
})
