// The epoch feed end to end on the 4-node devnet (issue 17, SPEC 18 feeds): the demo vendor, whose feed
// price the devnet's governance set, buys the feed of the epoch that anchored a submitted EICAR and a
// benign file, with `virusmap buy --feed`: the JSON lines f+1 members signed, checked, hold EICAR's line
// (malicious, with its anchor leaf) and not the benign file's, and f+1 members are paid.
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract } from 'ethers'
import tap from 'tap'
import { anchorsArtifact, marketArtifact } from '#governance/artifacts.ts'
import { FEED_PRODUCT, parseFeed } from '#protocol/feed/index.ts'
import { DEMO_FEED_PRICE } from '../../src/devnet/demo-vendor.ts'
import { endEpoch } from './end-epoch.ts'
import { vendorDevnet } from './vendor-devnet.ts'

const started = vendorDevnet('feed', 'market')
// EICAR's test string, assembled so this file is not itself a test virus
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')

tap.test('virusmap buy --feed returns the anchored epoch\'s checked JSON lines and pays f+1 members', async (t) => {
  const { devnet, dir, cli } = started()
  const deployment = ['--deployment', join(dir, 'devnet.json')]
  const market = new Contract(devnet.info.contracts.market!, marketArtifact.abi, devnet.provider)
  t.equal(await market.getFunction('priceOf')(FEED_PRODUCT) as bigint, DEMO_FEED_PRICE, 'governance priced the feed')
  const files = [{ name: 'eicar.com', bytes: Buffer.from(EICAR) }, { name: 'benign.txt', bytes: Buffer.from(`benign ${randomBytes(12).toString('hex')}\n`) }]
  for (const f of files) {
    await writeFile(join(dir, f.name), f.bytes)
    const res = await cli(['submit', join(dir, f.name), '--api', devnet.info.nodes[0]!.api, ...deployment, '--json'])
    t.equal(res.code, 0, res.stderr)
  }
  const [eicar, benign] = files.map((f) => createHash('sha256').update(f.bytes).digest('hex')) as [string, string]
  const anchors = new Contract(devnet.info.contracts.anchors!, anchorsArtifact.abi, devnet.provider)
  await endEpoch(devnet.provider, Number(await anchors.getFunction('epochBlocks')() as bigint))
  let epoch: number | undefined
  for (const deadline = AbortSignal.timeout(90_000); epoch === undefined && !deadline.aborted; await sleep(250)) {
    const res = await fetch(`${devnet.info.nodes[2]!.api}/api/v3/files/${eicar}`, { headers: { 'x-apikey': devnet.info.apiKey } })
    epoch = (await res.json() as { data?: { attributes?: { virusmap_anchor?: { epoch: number } } } }).data?.attributes?.virusmap_anchor?.epoch
  }
  t.ok(epoch !== undefined, `EICAR's report anchored in epoch ${epoch}`)
  const res = await cli(['buy', '--feed', String(epoch), '--keystore', devnet.info.vendor!.keystore, '--out', 'feed.jsonl', '--json', '--timeout', '120', ...deployment])
  t.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  const lines = parseFeed(await readFile(join(dir, 'feed.jsonl')), epoch!)
  t.equal(report.lines, lines.length)
  const line = lines.find((l) => l.sha256 === `0x${eicar}`)
  t.equal(line?.verdict, 'malicious', 'EICAR is in the feed, malicious')
  t.ok(line?.engines.some((e) => e.engine === 'YARA' && e.category === 'malicious'), 'with its engines\' verdicts')
  t.match(line?.leaf, /^0x[0-9a-f]{64}$/)
  t.notOk(lines.some((l) => l.sha256 === `0x${benign}`), 'the benign file is not')
  t.ok(report.fulfilled.members >= 2, `paid ${report.fulfilled.members} members (by ${report.fulfilled.by})`)
  t.equal((await market.getFunction('orderOf')(BigInt(report.orderId)))[3], 2n, 'fulfilled')
})
