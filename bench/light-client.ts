// What a verified lookup costs a light client (SPEC section 12): JSON-RPC calls and milliseconds
// of verifyReport against anvil with a real deployment and four elected members, cold (a new
// provider, as one `virusmap lookup` run) and with the membership view of the job's block already
// read (same provider), and as the CLI runs it on a served object (rebuild, then verify), beside
// protocol's checkReport alone in the same run.
// Run: npx node bench/light-client.ts [--runs N]
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { JsonRpcProvider, hexlify, parseEther, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import { deployVirusMap, electMembers, registerCandidate } from '#governance/index.ts'
import {
  attestationFor, checkReport, computeCommitment, DEFAULT_FAULT_DIVISOR, deriveReport, indicatorDigests, scanJobId, signAttestation, signCommitment,
  signScanJob, signSubmission, signVerdict, ZERO_BYTES32
} from '#protocol/index.ts'
import type { Hex, Report, ScanJob } from '#protocol/index.ts'
import { mineBlocks } from '#governance/anvil-time.ts'
import { startAnvil } from '../node/src/chain/anvil.ts'
import { indicatorObject } from '../node/src/api/vt-indicator-objects.ts'
import { connectProvider, reportFromFileAttributes, verifyReport } from '../node/src/light-client/index.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } })
const runs = Number(values.runs)
const ENGINES = ['ClamAV', 'VirusMap-Heuristics', 'YARA']

function median (xs: number[]): number {
  const s = xs.toSorted((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

/** A JSON-RPC proxy in front of anvil that counts requests (a batch counts each call) and HTTP round trips. */
async function countingProxy (upstream: string): Promise<{ url: string, counts: { calls: number, http: number }, stop(): Promise<void> }> {
  const counts = { calls: 0, http: 0 }
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const json = JSON.parse(body.toString('utf8')) as unknown
      counts.http++
      counts.calls += Array.isArray(json) ? json.length : 1
      void fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array(body) }).then(async (res) => {
        response.writeHead(res.status, { 'content-type': 'application/json' })
        response.end(await res.text())
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    stop: async () => await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) })
  }
}

/** A job at `block` run to a final report by `members`: each commits, reveals and attests (protocol's flow). */
async function finalReport (submitter: JsonRpcSigner, members: JsonRpcSigner[], addresses: Hex[], block: number, chainId: number, registry: Hex): Promise<Report> {
  const createdAt = Date.now() - 60_000
  const subject = 'http://bench.example/light-client'
  const digests = indicatorDigests(subject)
  const submittedAt = createdAt - 1000
  const submitterSignature = await signSubmission({ kind: 'url', sha256: digests.sha256, context: '', submittedAt }, chainId, registry, submitter)
  const job: ScanJob = {
    kind: 'url', subject, context: '', ...digests, fileType: 'url', cid: '', membershipBlock: block, origin: addresses[0] as Hex,
    createdAt, commitDeadline: createdAt + 10_000, revealDeadline: createdAt + 20_000, ephemeralPublicKey: ZERO_BYTES32, keyWraps: [],
    submitter: (await submitter.getAddress()).toLowerCase() as Hex, submittedAt, submitterSignature
  }
  const signed = await signScanJob(job, chainId, registry, members[0] as JsonRpcSigner)
  const jobId = scanJobId(job, chainId, registry)
  const opened = await Promise.all(members.map(async (m, i) => {
    const verdict = {
      jobId, member: addresses[i] as Hex, sha256: job.sha256, membershipBlock: block, scannedAt: createdAt + 1000,
      results: ENGINES.map((engine) => ({ engine, engineVersion: '1', engineUpdate: '20261201', category: 'undetected' as const, result: '', method: 'bench' }))
    }
    const salt = hexlify(randomBytes(32)) as Hex
    return { commit: await signCommitment({ jobId, member: verdict.member, commitment: computeCommitment(verdict, salt) }, chainId, registry, m), reveal: await signVerdict(verdict, salt, chainId, registry, m) }
  }))
  const commitments = opened.map((o) => o.commit)
  const verdicts = opened.map((o) => o.reveal)
  const content = attestationFor(signed, commitments, verdicts, chainId, registry)
  const attestations = await Promise.all(members.map(async (m) => await signAttestation(content, chainId, registry, m)))
  return deriveReport({
    job: signed, commitments, verdicts, attestations: attestations.map((a) => ({ member: a.member, signature: a.signature })),
    members: addresses, registrations: Object.fromEntries(ENGINES.map((e) => [e, addresses.toSorted()])), faultDivisor: DEFAULT_FAULT_DIVISOR, chainId, registry
  })
}

function verified (result: { verified: boolean, problems: unknown[] }): void {
  if (!result.verified) throw new Error(`the bench report did not verify: ${JSON.stringify(result.problems)}`)
}

function row (name: string, r: { ms: number, calls: number, http: number }): void {
  console.log(`${name.padEnd(40)}${r.calls.toFixed(1).padStart(14)}${r.http.toFixed(1).padStart(16)}${r.ms.toFixed(1).padStart(10)}`)
}

const anvil = await startAnvil({ port: 0 })
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
const proxy = await countingProxy(anvil.rpcUrl)
try {
  const deployer = await provider.getSigner(0)
  const operators = await Promise.all([1, 2, 3, 4].map(async (i) => await provider.getSigner(i)))
  const { contracts, chainId } = await deployVirusMap({
    deployer, plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 5, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 60 }
  })
  const addresses = (await Promise.all(operators.map(async (o) => (await o.getAddress()).toLowerCase() as Hex)))
  for (const op of operators) await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  const { executionBlock } = await electMembers({
    governor: contracts.governor, timelock: contracts.timelock, registry: contracts.registry, proposer: deployer, voters: [deployer], provider,
    operators: addresses, engines: Object.fromEntries(addresses.map((a) => [a, ENGINES]))
  })
  await mineBlocks(provider, 2)
  const registry = contracts.registry.toLowerCase() as Hex
  const report = await finalReport(deployer, operators, addresses, executionBlock, chainId, registry)
  const asked = { kind: 'url' as const, subject: report.job.job.subject }
  const chain = { members: addresses, registrations: report.registrations, faultDivisor: DEFAULT_FAULT_DIVISOR }

  // warm the JIT on both paths first, so neither figure carries the first calls' compilation
  for (let i = 0; i < 5; i++) checkReport(report, chain)
  const baseline: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    checkReport(report, chain)
    baseline.push(performance.now() - t0)
  }

  const target = (p: JsonRpcProvider): Parameters<typeof verifyReport>[2] => ({ provider: p, registry, chainId, parameters: contracts.parameters as Hex })
  const measure = async (lookup: () => Promise<void>): Promise<{ ms: number, calls: number, http: number }> => {
    const ms: number[] = []
    const before = { ...proxy.counts }
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      await lookup()
      ms.push(performance.now() - t0)
    }
    return { ms: median(ms), calls: (proxy.counts.calls - before.calls) / runs, http: (proxy.counts.http - before.http) / runs }
  }
  const cold = await measure(async () => {
    const p = await connectProvider(proxy.url)
    try {
      verified(await verifyReport(report, asked, target(p)))
    } finally {
      p.destroy()
    }
  })
  const shared = await connectProvider(proxy.url)
  verified(await verifyReport(report, asked, target(shared)))
  const cached = await measure(async () => { verified(await verifyReport(report, asked, target(shared))) })
  // what `virusmap lookup` does with a served object: rebuild the report from its signed messages, then verify it
  const served = JSON.parse(JSON.stringify(indicatorObject('url', asked.subject, { report, relatedFiles: [] }, 'http://x'))) as { data: { attributes: Record<string, unknown> } }
  const cli = await measure(async () => {
    const rebuilt = reportFromFileAttributes(served.data.attributes)
    if (!rebuilt.ok) throw new Error(`the served object did not rebuild: ${rebuilt.code}`)
    verified(await verifyReport(rebuilt.report, asked, target(shared)))
  })
  shared.destroy()

  console.log(`light client, one verified lookup of a 4-member report (3 engines each, ${report.attestations.length} attestations), anvil, median of ${runs}`)
  console.log('                                        JSON-RPC calls   HTTP requests        ms')
  row('checkReport alone (no chain reads)', { ms: median(baseline), calls: 0, http: 0 })
  row('verifyReport, cold (new provider)', cold)
  row('verifyReport, membership view cached', cached)
  row('served object rebuilt + verified, cached', cli)
} finally {
  await proxy.stop()
  provider.destroy()
  await anvil.stop()
}
