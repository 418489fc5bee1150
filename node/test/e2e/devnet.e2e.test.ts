import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract, encodeBytes32String } from 'ethers'
import tap from 'tap'
import { proposeAndExecute, removeMembers } from '#governance/index.ts'
import { evidenceArtifact } from '#governance/artifacts.ts'
import { mineBlocks } from '#governance/anvil-time.ts'
import { parametersInterface } from '../../src/chain/registry-abi.ts'
import { computeCommitment, signCommitment, signVerdict } from '#protocol/index.ts'
import { runIn } from '../fixtures/run-cli.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { DEVNET_CONFIRMATIONS, startDevnet } from '../../src/devnet/devnet.ts'
import { loadOrCreateNodeKeys } from '../../src/supernode/node-keys.ts'
import { noClamd } from '../fixtures/system-packages.ts'
import { readCounter, startHostilePeer } from './hostile-peer.ts'
import { commentNodeLogs } from './node-logs.ts'
import type { Hex, Verdict } from '#protocol/messages.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'

// EICAR's test string, assembled so this file is not itself a test virus
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')

let devnet: Devnet
let dir: string
const out: string[] = []
const cli = async (argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
  const run = await runIn(argv, dir, { signal: AbortSignal.timeout(120_000) })
  return { code: run.code, stdout: run.out, stderr: run.err }
}

tap.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'virusmap-e2e-'))
  devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000, log: (l) => out.push(l) })
})
tap.teardown(async () => {
  await devnet?.stop()
  if (!tap.passing()) {
    // the nodes' warnings and errors say why a report did not come
    await commentNodeLogs(devnet, /"component":"(quorum|registry)"/)
  }
  await rm(dir, { recursive: true, force: true })
})

const node = (i: number): { api: string, multiaddrs: string[], operator: Hex, dataDir: string } => {
  const n = devnet.info.nodes[i]
  if (n == null) throw new Error(`no node ${i}`)
  return n
}
const deploymentArgs = (): string[] => ['--deployment', join(dir, 'devnet.json')]

let eicarSha256: string
let eicarVerdicts: Verdict[] = []
/**
 * mines the nodes' confirmation depth on top of the newest block, so they follow a transaction just mined (a removal,
 * a parameter) at their next poll instead of after the devnet's block a second has buried it
 */
const buryHead = async (): Promise<void> => { await mineBlocks(devnet.provider, DEVNET_CONFIRMATIONS) }

tap.test('EICAR submitted to one node gets a quorum report that verifies against the chain', async (t) => {
  const path = join(dir, 'eicar.com')
  await writeFile(path, EICAR)
  const res = await cli(['submit', path, '--api', node(0).api, ...deploymentArgs(), '--json'])
  t.equal(res.code, 0, res.stderr)
  const body = JSON.parse(res.stdout)
  t.equal(body.verified, true)
  const attrs = body.data.attributes
  eicarSha256 = attrs.sha256
  t.equal(attrs.last_analysis_results.YARA.category, 'malicious')
  t.match(attrs.last_analysis_results.YARA.result, /eicar/i)
  // ClamAV detects it too where the devnet runs clamd
  t.equal(attrs.last_analysis_stats.malicious, devnet.clamd === undefined ? 1 : 2)
  t.ok(attrs.virusmap.verdicts.length >= 3, 'at least 3 of 4 members signed')
  eicarVerdicts = (attrs.virusmap.verdicts as Array<{ verdict: Verdict }>).map((v) => v.verdict)
  t.equal(typeof attrs.last_analysis_date, 'number')
})

/** the sample blocks node `i` read from `source` (local, inline, fetched) */
const blocksRead = async (i: number, source: string): Promise<number> => await readCounter(node(i).api, 'virusmap_samples_blocks_read_total', { source })

tap.test('the members scanned EICAR from the blocks its job carried, fetching none (SPEC section 9, inline blocks)', async (t) => {
  t.ok(await blocksRead(0, 'local') >= 2, 'the origin read its own manifest and chunk')
  for (const i of [1, 2, 3]) {
    t.equal(await blocksRead(i, 'inline'), 2, `member ${i}: the manifest and the chunk, inline`)
    t.equal(await blocksRead(i, 'fetched'), 0, `member ${i}: nothing by bitswap`)
  }
})

tap.test('with clamd installed the devnet runs one clamd, and EICAR is detected by ClamAV and by YARA on different members', { skip: noClamd }, async (t) => {
  t.ok(devnet.clamd, 'the devnet started its clamd')
  t.ok(out.some((l) => /^clamav: ClamAV \S+ \(pid \d+\)/.test(l)), 'and said so')
  const holders = devnet.info.nodes.filter((n) => n.engines.includes('ClamAV'))
  t.ok(holders.length >= 2 && holders.length < devnet.info.nodes.length, 'ClamAV on some members, not all')
  const detects = (engine: string): Hex[] => eicarVerdicts.filter((v) => v.results.some((r) => r.engine === engine && r.category === 'malicious')).map((v) => v.member)
  const clamav = detects('ClamAV')
  const yara = detects('YARA')
  t.ok(clamav.some((m) => !yara.includes(m)) && yara.some((m) => !clamav.includes(m)), `ClamAV detected it on ${clamav.join(', ')}, YARA on ${yara.join(', ')}`)
  const label = eicarVerdicts.flatMap((v) => v.results).find((r) => r.engine === 'ClamAV')?.result
  t.equal(label, 'VirusMap.Test.EICAR', 'the project\'s signature, without clamd\'s .UNOFFICIAL')
})

tap.test('a benign file is undetected; another node serves the same verified report', async (t) => {
  const path = join(dir, 'hello.txt')
  await writeFile(path, `hello from the virusmap e2e test ${randomBytes(8).toString('hex')}\n`)
  const res = await cli(['submit', path, '--api', node(1).api, ...deploymentArgs(), '--json'])
  t.equal(res.code, 0, res.stderr)
  const body = JSON.parse(res.stdout)
  t.equal(body.data.attributes.last_analysis_results.YARA.category, 'undetected')
  t.equal(body.verified, true)
  const lookup = await cli(['lookup', eicarSha256, '--api', node(2).api, ...deploymentArgs(), '--json'])
  t.equal(lookup.code, 0, lookup.stderr)
  t.equal(JSON.parse(lookup.stdout).verified, true)
})

tap.test('a member that signs a second, different verdict for a job leaves evidence anyone can fetch, and the members prove it on chain: it is removed', async (t) => {
  const client = createVtClient({ baseUrl: node(0).api, apiKey: devnet.info.apiKey })
  const bytes = Buffer.from(`equivocation target ${randomBytes(8).toString('hex')}\n`)
  const { id } = await client.uploadFile(bytes, { filename: 'equivocation.txt' })
  const done = await client.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(60_000) })
  t.equal(done.data.attributes.status, 'completed')
  const file = await (await fetch(`${node(0).api}/api/v3/files/${createHash('sha256').update(bytes).digest('hex')}`, { headers: { 'x-apikey': devnet.info.apiKey as string } })).json() as { data: { attributes: { virusmap: { verdicts: Array<{ verdict: Verdict }> } } } }
  const liar = node(3)
  const first = file.data.attributes.virusmap.verdicts.find((v) => v.verdict.member === liar.operator)
  t.ok(first, 'node 3 revealed a verdict')
  // node 3's key signs a contradicting verdict for the same job, inside the reveal window
  const keys = await loadOrCreateNodeKeys(liar.dataDir)
  const second: Verdict = { ...(first as { verdict: Verdict }).verdict, results: [{ engine: 'YARA', engineVersion: '4.2.3', engineUpdate: '20260101', category: 'malicious', result: 'Contradiction', method: 'blacklist' }] }
  const peer = await startHostilePeer(node(0).multiaddrs)
  t.teardown(async () => { await peer.stop() })
  await peer.publish('verdicts', await signVerdict(second, `0x${randomBytes(32).toString('hex')}`, devnet.info.chainId, devnet.info.contracts.registry, keys.operator))
  let evidence: Array<{ attributes: { kind: string, job_id: string } }> = []
  for (let i = 0; i < 50 && evidence.length === 0; i++) {
    await sleep(100)
    const res = await fetch(`${node(0).api}/api/virusmap/evidence/${liar.operator}`, { headers: { 'x-apikey': devnet.info.apiKey as string } })
    evidence = (await res.json() as { data: typeof evidence }).data
  }
  t.equal(evidence.length, 1)
  t.equal(evidence[0]?.attributes.kind, 'verdict')
  t.equal(evidence[0]?.attributes.job_id, id)
  // the contradicting verdict went to node 0 alone and was ignored there, never forwarded: the pair
  // reaches the others on the evidence topic, so any node can submit it (SPEC 16)
  for (const other of [1, 2]) {
    let held: Array<{ attributes: { kind: string, job_id: string } }> = []
    for (let i = 0; i < 100 && held.length === 0; i++) {
      await sleep(100)
      const res = await fetch(`${node(other).api}/api/virusmap/evidence/${liar.operator}`, { headers: { 'x-apikey': devnet.info.apiKey as string } })
      held = (await res.json() as { data: typeof held }).data
    }
    t.same(held.map((e) => [e.attributes.kind, e.attributes.job_id]), [['verdict', id]], `node ${other} holds the evidence by gossip`)
  }
  // the honest members prove it in turn, unasked: one transaction slashes and removes node 3 (SPEC 16)
  const evidenceContract = new Contract(devnet.info.contracts.evidence as string, evidenceArtifact.abi, devnet.provider)
  for (let i = 0; i < 240 && !(await evidenceContract.getFunction('proven')(liar.operator, id) as boolean); i++) await sleep(250)
  t.equal(await evidenceContract.getFunction('proven')(liar.operator, id), true, 'proven on chain by the members')
  await buryHead()
  for (const n of [0, 1, 2]) {
    let members = 0
    for (let i = 0; i < 120 && members !== 3; i++) {
      members = (await (await fetch(`${node(n).api}/healthz`)).json() as { members: number }).members
      if (members !== 3) await sleep(250)
    }
    t.equal(members, 3, `node ${n} follows the removal`)
  }
  // the prover counts its proof once its receipt is read (ethers polls for it), which can come after the
  // others already follow the removal
  let proofs = 0
  for (let i = 0; i < 120 && proofs === 0; i++) {
    if (i > 0) await sleep(250)
    proofs = 0
    for (const n of [0, 1, 2]) proofs += await readCounter(node(n).api, 'virusmap_evidence_proofs_total', { outcome: 'proven' })
  }
  t.equal(proofs, 1, 'one member sent the proof; the others saw it proven')
})

tap.test('unknown hashes and bad ids answer VT error objects', async (t) => {
  const key = { headers: { 'x-apikey': devnet.info.apiKey } }
  const unknown = await fetch(`${node(0).api}/api/v3/files/${'ab'.repeat(32)}`, key)
  t.equal(unknown.status, 404)
  t.same(Object.keys(((await unknown.json()) as { error: object }).error), ['code', 'message'])
  const bad = await fetch(`${node(0).api}/api/v3/files/not-a-hash`, key)
  t.equal(bad.status, 400)
  // the devnet's nodes want a key; a wrong one is told apart from none
  t.equal(((await (await fetch(`${node(1).api}/api/v3/files/${'ab'.repeat(32)}`)).json()) as { error: { code: string } }).error.code, 'AuthenticationRequiredError')
  t.equal(((await (await fetch(`${node(1).api}/api/v3/files/${'ab'.repeat(32)}`, { headers: { 'x-apikey': 'cd'.repeat(32) } })).json()) as { error: { code: string } }).error.code, 'WrongCredentialsError')
  const lookup = await cli(['lookup', 'ab'.repeat(32), '--api', node(0).api, ...deploymentArgs()])
  t.equal(lookup.code, 2)
})

tap.test('malformed and forged gossip is rejected and nothing crashes', async (t) => {
  const peer = await startHostilePeer(node(0).multiaddrs)
  tap.teardown(async () => { await peer.stop() })
  const before = await readCounter(node(0).api, 'virusmap_gossip_messages_total', { result: 'reject' })
  await peer.publishRaw('jobs', new TextEncoder().encode('{"type":"scan-job","job":'))
  await peer.publishRaw('verdicts', randomBytes(4096))
  await peer.publishRaw('commits', new TextEncoder().encode('{"__proto__":{"x":1}}'))
  for (let i = 0; i < 40; i++) {
    if (await readCounter(node(0).api, 'virusmap_gossip_messages_total', { result: 'reject' }) >= before + 3) break
    await sleep(100)
  }
  t.ok(await readCounter(node(0).api, 'virusmap_gossip_messages_total', { result: 'reject' }) >= before + 3)
  const health = await fetch(`${node(0).api}/healthz`)
  t.equal(health.status, 200)
})

tap.test('governance removes a member mid-run: later jobs exclude it and its verdicts are rejected', async (t) => {
  // node 3 was removed on evidence above; governance now removes node 2
  const removed = node(2)
  const proposer = await devnet.provider.getSigner(0)
  const { executionBlock } = await removeMembers({
    governor: devnet.info.contracts.governor,
    timelock: devnet.info.contracts.timelock,
    registry: devnet.info.contracts.registry,
    proposer,
    voters: [proposer],
    operators: [removed.operator],
    provider: devnet.provider
  })
  t.ok(executionBlock > 0)
  await buryHead()
  // every node follows the removal once it is buried under the confirmation depth
  for (const n of devnet.info.nodes.slice(0, 2)) {
    for (let i = 0; i < 120; i++) {
      const h = await (await fetch(`${n.api}/healthz`)).json() as { members: number }
      if (h.members === 2) break
      await sleep(250)
    }
  }
  // the removed member's key still signs: forge its commitment inside the commit window and its
  // verdict inside the reveal window of a job created after the removal
  const keys = await loadOrCreateNodeKeys(removed.dataDir)
  const peer = await startHostilePeer(node(0).multiaddrs)
  tap.teardown(async () => { await peer.stop() })
  const client = createVtClient({ baseUrl: node(0).api, apiKey: devnet.info.apiKey })
  const bytes = Buffer.from(`submitted after the removal ${randomBytes(8).toString('hex')}\n`)
  const sha256 = `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex
  const before = await readCounter(node(0).api, 'virusmap_gossip_messages_total', { result: 'reject' })
  const { id } = await client.uploadFile(bytes, { filename: 'after-removal.txt' })
  const jobId = id as Hex
  const queued = await client.getAnalysis(jobId)
  const verdict: Verdict = {
    jobId,
    member: removed.operator,
    sha256,
    membershipBlock: queued.data.attributes.virusmap?.membership_block ?? -1,
    scannedAt: Date.now(),
    results: [{ engine: 'YARA', engineVersion: '4.2.3', engineUpdate: '20260101', category: 'malicious', result: 'Forged', method: 'blacklist' }]
  }
  const salt = `0x${randomBytes(32).toString('hex')}` as Hex
  const { chainId, contracts } = devnet.info
  await peer.publish('commits', await signCommitment({ jobId, member: removed.operator, commitment: computeCommitment(verdict, salt) }, chainId, contracts.registry, keys.operator))
  await sleep(5500) // past the commit window (4 s + 1 s skew), inside the reveal window (8 s)
  await peer.publish('verdicts', await signVerdict(verdict, salt, chainId, contracts.registry, keys.operator))
  await client.waitForAnalysis(jobId, { intervalMs: 200, signal: AbortSignal.timeout(60_000) })
  t.ok(await readCounter(node(0).api, 'virusmap_gossip_messages_total', { result: 'reject' }) >= before + 2, 'forged commitment and verdict rejected')

  const res = await cli(['lookup', sha256.slice(2), '--api', node(1).api, ...deploymentArgs(), '--json'])
  t.equal(res.code, 0, res.stderr)
  const vm = JSON.parse(res.stdout).data.attributes.virusmap
  t.equal(vm.member_count, 2)
  t.equal(vm.verdicts.length, 2, 'both remaining members signed')
  t.notOk(vm.verdicts.some((v: { verdict: { member: string } }) => v.verdict.member === removed.operator), 'removed member did not sign')
})

tap.test('a commit window set through governance applies to jobs created after it', async (t) => {
  const proposer = await devnet.provider.getSigner(0)
  const { executionBlock } = await proposeAndExecute({
    governor: devnet.info.contracts.governor,
    timelock: devnet.info.contracts.timelock,
    proposer,
    voters: [proposer],
    targets: [devnet.info.contracts.parameters as string],
    values: [0n],
    calldatas: [parametersInterface.encodeFunctionData('set', [encodeBytes32String('commitWindowMs'), 3000])],
    description: 'commit window of 3 s',
    provider: devnet.provider
  })
  await buryHead()
  for (let i = 0; i < 120; i++) {
    const h = await (await fetch(`${node(0).api}/healthz`)).json() as { followedBlock: number }
    if (h.followedBlock >= executionBlock) break
    await sleep(250)
  }
  const path = join(dir, 'after-parameter.txt')
  const text = `submitted after the parameter change ${randomBytes(8).toString('hex')}\n`
  await writeFile(path, text)
  const res = await cli(['submit', path, '--api', node(0).api, ...deploymentArgs(), '--json'])
  t.equal(res.code, 0, res.stderr)
  const { job } = JSON.parse(res.stdout).data.attributes.virusmap.job as { job: { createdAt: number, commitDeadline: number, membershipBlock: number } }
  t.ok(job.membershipBlock >= executionBlock)
  t.equal(job.commitDeadline - job.createdAt, 3000 + Math.ceil(200 * Buffer.byteLength(text) / (1024 * 1024)))
})
