import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Contract, JsonRpcProvider, ZeroAddress, parseEther } from 'ethers'
import { deployVirusMap, electMembers, registerCandidate } from '#governance/index.ts'
import { registryArtifact } from '#governance/artifacts.ts'
import { startAnvil } from '../chain/anvil.ts'
import { forgetPid, recordPid, stopStaleProcess } from './stale-process.ts'
import { setBalance } from '#governance/anvil-time.ts'
import { loadOrCreateNodeKeys } from '../supernode/node-keys.ts'
import { ensureDevnetApiKey } from './api-key.ts'
import { ensureDemoVendor } from './demo-vendor.ts'
import type { DemoVendor } from './demo-vendor.ts'
import { ensureDemoSubmitter } from './demo-submitter.ts'
import type { DemoSubmitter } from './demo-submitter.ts'
import { CLAMD_INSTALL_HINT, startDevnetClamd } from './devnet-clamd.ts'
import { devnetEngineSets, devnetFileEngines } from './engine-spread.ts'
import { devnetPlan } from './devnet-plan.ts'
import { findClamd } from '../scan/clamd-process.ts'
import { ensureDevnetFeeds } from './feeds.ts'
import { CONFIG_DEFAULTS } from '../supernode/config.ts'
import { portWasTaken, spawnSupernode, waitUntilReady } from './node-process.ts'
import { devnetPorts, freePorts } from './tcp-ports.ts'
import type { NodeProcess } from './node-process.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Anvil } from '../chain/anvil.ts'
import type { DevnetClamd } from './devnet-clamd.ts'
import type { Deployment, SupernodeConfig } from '../supernode/config.ts'
import type { AbortOptions } from '@libp2p/interface'

export const PROJECT_RULES_DIR = fileURLToPath(new URL('../../rules', import.meta.url))

export interface DevnetOptions {
  nodes: number
  dir: string
  /** node 0's API port; node i listens on port+i, libp2p on port+100+i. 0 picks free ports. */
  port: number
  /** extra YARA rule directories every node loads, beside the project's own rules */
  rulesDirs?: string[]
  /** quorum timing; the devnet defaults favour a quick first report */
  commitWindowMs?: number
  revealWindowMs?: number
  /** NODE_OPTIONS for every supernode process, e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile them */
  nodeOptions?: string
  /** run ClamAV (one clamd of the devnet's own) where clamd is installed; false: never (default true) */
  clamav?: boolean
  /** blocks a DataMarket order may be fulfilled in before its refund, for a fresh deployment (default a day's 7,200) */
  deliveryBlocks?: number
  /** settings every supernode takes over the devnet's own, e.g. a bench's `maxActiveJobs` */
  overrides?: Partial<SupernodeConfig>
  log?: (line: string) => void
}

export interface DevnetNodeInfo {
  index: number
  api: string
  peerId: string
  operator: Hex
  multiaddrs: string[]
  dataDir: string
  /** engine ids the node runs, as declared for it on chain */
  engines: string[]
}

export interface DevnetInfo extends Deployment {
  nodes: DevnetNodeInfo[]
  /** an x-apikey every node accepts (kept across restarts) */
  apiKey: string
  /** a vendor governance approved on the DataMarket, to try `virusmap buy` with (absent without a market) */
  vendor?: DemoVendor
  /** a wallet with a submission deposit locked, whose signed uploads earn (absent without SubmissionDeposits) */
  submitter?: DemoSubmitter
}

export interface Devnet {
  info: DevnetInfo
  anvil: Anvil
  provider: JsonRpcProvider
  processes: NodeProcess[]
  /** the devnet's clamd, when it runs one */
  clamd?: DevnetClamd
  stop(): Promise<void>
}

/** Blocks a registry event must be buried under before nodes count it. */
export const DEVNET_CONFIRMATIONS = 2

const DEVNET_ANCHOR_TURN_MS = 5000
/** starts of a node whose picked port another program took before it bound it */
const PORT_ATTEMPTS = 3

async function readJson<T> (path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function writeJsonAtomic (path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(value, null, 2) + '\n')
  await rename(`${path}.tmp`, path)
}

/** The devnet's clamd where clamd is installed and starts; otherwise the devnet says why it runs without ClamAV, and how to add it. */
async function startClamav (dir: string, log: (line: string) => void, options: AbortOptions): Promise<DevnetClamd | undefined> {
  const program = findClamd()
  if (program === undefined) {
    log(`clamav: clamd is not installed, so this devnet runs without ClamAV (to add it: ${CLAMD_INSTALL_HINT}, then start the devnet again)`)
    return undefined
  }
  try {
    const clamd = await startDevnetClamd({ dir, program, log }, options)
    log(`clamav: ${clamd.version} (pid ${clamd.pid}) with the project's signatures on ${clamd.socket}, shared by the members that hold ClamAV`)
    return clamd
  } catch (err) {
    options.signal?.throwIfAborted()
    log(`clamav: ${program} did not start, so this devnet runs without ClamAV: ${(err as Error).message}`)
    return undefined
  }
}

/**
 * The embedded network: anvil (state saved in DIR/chain), the contracts, N supernodes elected
 * through real governance, each its own OS process with its own data dir. A second start reuses
 * the chain state, the deployment and every node's keys and data.
 */
export async function startDevnet (opts: DevnetOptions, options: AbortOptions = {}): Promise<Devnet> {
  const { signal } = options
  const log = opts.log ?? (() => {})
  const dir = resolve(opts.dir)
  await mkdir(join(dir, 'chain'), { recursive: true })
  const anvilPidFile = join(dir, 'chain', 'anvil.pid')
  const stale = await stopStaleProcess(anvilPidFile, 'anvil', { signal })
  if (stale !== undefined) log(`chain: stopped anvil (pid ${stale}) left running by a devnet that was killed`)
  const anvil = await startAnvil({ stateFile: join(dir, 'chain', 'anvil-state.json'), stateIntervalSeconds: 5, signal })
  if (anvil.process.pid !== undefined) await recordPid(anvilPidFile, anvil.process.pid)
  const processes: NodeProcess[] = []
  const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250, cacheTimeout: -1 })
  let clamd: DevnetClamd | undefined
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map(async (p) => { await p.stop() }))
    await clamd?.stop()
    provider.destroy()
    await anvil.stop()
    await forgetPid(anvilPidFile)
  }
  try {
    // automine while setting up, so deployment and the election take seconds; blocks every
    // second afterwards, so confirmation depths advance while the network runs
    await provider.send('evm_setAutomine', [true])
    const deployer = await provider.getSigner(0)
    // every member of a devnet scans every job on this one machine, so the time a job needs grows with
    // the member count (on a real network each member has its own): 3 s per four members
    const commitWindowMs = opts.commitWindowMs ?? 3000 * Math.ceil(opts.nodes / 4)
    const revealWindowMs = opts.revealWindowMs ?? 10_000
    // every member shares this machine's cores, so each job ahead costs the whole devnet's share of them
    const commitMsPerQueuedJob = 200 * opts.nodes
    const saved = await readJson<Deployment>(join(dir, 'deployment.json'))
    // a registry from before engine declarations cannot hold this devnet's engines, nor one from before
    // unbonding and evidence slash anybody, a deployment without ReportAnchors anchors no epoch, and one without a
    // RewardsDistributor pays nobody: deploy afresh
    const reuse = saved != null && saved.chainId === anvil.chainId && 'evidence' in saved.contracts && 'anchors' in saved.contracts && 'rewards' in saved.contracts && await provider.getCode(saved.contracts.registry) !== '0x' &&
      await new Contract(saved.contracts.registry, registryArtifact.abi, provider).getFunction('engines')(ZeroAddress).then(() => true, () => false)
    const deployment: Deployment = reuse
      ? { ...saved, rpcUrl: anvil.rpcUrl }
      : {
          ...await deployVirusMap({ deployer, plan: devnetPlan({ commitWindowMs, revealWindowMs, deliveryBlocks: opts.deliveryBlocks }) }, { signal }),
          rpcUrl: anvil.rpcUrl
        }
    await writeJsonAtomic(join(dir, 'deployment.json'), deployment)
    log(reuse ? `chain: reusing deployment at ${deployment.contracts.registry}` : `chain: deployed VirusMap at ${deployment.contracts.registry}`)

    const registry = new Contract(deployment.contracts.registry, registryArtifact.abi, provider)
    const ports = await devnetPorts(opts.port, opts.nodes)
    const feeds = await ensureDevnetFeeds(dir, { signal })
    clamd = opts.clamav === false ? undefined : await startClamav(dir, log, { signal })
    const engineSets = devnetEngineSets(opts.nodes, devnetFileEngines({ clamav: clamd !== undefined }))
    const nodes: DevnetNodeInfo[] = []
    const toElect: Hex[] = []
    const toDeclare: Record<Hex, string[]> = {}
    for (let i = 0; i < opts.nodes; i++) {
      const dataDir = join(dir, `node-${i}`)
      const keys = await loadOrCreateNodeKeys(dataDir)
      const operator = keys.operator.address.toLowerCase() as Hex
      const peerId = peerIdFromPrivateKey(keys.peerKey).toString()
      const engines = engineSets[i] as string[]
      const metadataURI = `virusmap:engines=${engines.join(',')};node=${i}`
      const [, , registeredURI, registeredAt] = await registry.getFunction('candidate')(operator) as [string, string, string, bigint]
      // registering again updates the record: the metadata follows the engines of this start
      if (registeredAt === 0n || registeredURI !== metadataURI) {
        await setBalance(provider, operator, parseEther('100'), { signal })
        await registerCandidate({ registry: deployment.contracts.registry, operator: keys.operator.connect(provider), peerId, x25519Key: keys.x25519PublicKey, metadataURI }, { signal })
      }
      if (!(await registry.getFunction('isMember')(operator) as boolean)) toElect.push(operator)
      const declared = await registry.getFunction('engines')(operator) as string[]
      if (declared.join(',') !== engines.join(',')) toDeclare[operator] = engines
      nodes.push({
        index: i,
        api: `http://127.0.0.1:${ports.api[i]}`,
        peerId,
        operator,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${ports.p2p[i]}/p2p/${peerId}`],
        dataDir,
        engines
      })
    }
    if (toElect.length > 0 || Object.keys(toDeclare).length > 0) {
      log(`governance: electing ${toElect.length} supernode(s), declaring the engines of ${Object.keys(toDeclare).length} (delegate, propose, vote, queue, execute)`)
      const { proposalId, executionBlock } = await electMembers({
        governor: deployment.contracts.governor,
        timelock: deployment.contracts.timelock,
        registry: deployment.contracts.registry,
        proposer: deployer,
        voters: [deployer],
        operators: toElect,
        engines: toDeclare,
        provider
      }, { signal })
      log(`governance: proposal ${proposalId.toString().slice(0, 12)}… executed at block ${executionBlock}`)
    }
    const vendor = await ensureDemoVendor(dir, deployment, provider, deployer, { signal })
    if (vendor !== undefined) log(`market: demo vendor ${vendor.address} approved by governance`)
    const submitter = await ensureDemoSubmitter(dir, deployment, provider, deployer, { signal })
    if (submitter !== undefined) log(`rewards: demo submitter ${submitter.address} has a submission deposit locked`)
    await provider.send('evm_setIntervalMining', [1])

    const savedInfo = await readJson<Partial<DevnetInfo>>(join(dir, 'devnet.json'))
    const apiKey = await ensureDevnetApiKey(nodes.map((n) => n.dataDir), savedInfo?.apiKey)
    const launch = async (node: DevnetNodeInfo): Promise<NodeProcess> => {
      const config: SupernodeConfig = {
        ...CONFIG_DEFAULTS,
        dataDir: node.dataDir,
        apiPort: ports.api[node.index] as number,
        listen: [`/ip4/127.0.0.1/tcp/${ports.p2p[node.index]}`],
        bootstrap: nodes.filter((n) => n.index !== node.index).flatMap((n) => n.multiaddrs),
        deployment,
        confirmations: DEVNET_CONFIRMATIONS,
        pollIntervalMs: 500,
        rulesDirs: [PROJECT_RULES_DIR, ...(opts.rulesDirs ?? [])],
        hashFeeds: [feeds.hashFeed],
        intelFeeds: [feeds.intelFeed],
        engines: node.engines,
        clamav: clamd !== undefined && node.engines.includes('ClamAV') ? { socket: clamd.socket, databaseDir: clamd.databaseDir } : null,
        commitWindowMs,
        revealWindowMs,
        commitMsPerQueuedJob,
        anchorTurnMs: DEVNET_ANCHOR_TURN_MS,
        // every member shares this machine's cores: one warm scanner each (about 90 MB of compiled rules apiece)
        yaraProcesses: 1,
        ...opts.overrides
      }
      const configPath = join(node.dataDir, 'config.json')
      await writeJsonAtomic(configPath, config)
      const proc = spawnSupernode(configPath, join(node.dataDir, 'supernode.log'), { nodeOptions: opts.nodeOptions })
      processes[node.index] = proc
      return proc
    }
    for (const node of nodes) await launch(node)
    await Promise.all(nodes.map(async (node) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await waitUntilReady(processes[node.index] as NodeProcess, node.api, nodes.length, { signal })
          return
        } catch (err) {
          // free ports are probed, then bound seconds later by the node: another program (a second devnet
          // starting beside this one) can take one in between. Picked ports are the devnet's to change; the
          // others reach the node through its own dials, since its bootstrap names theirs.
          if (opts.port !== 0 || attempt >= PORT_ATTEMPTS || !portWasTaken(err)) throw err
          const [api, p2p] = await freePorts(2) as [number, number]
          log(`devnet: node ${node.index} lost a picked port to another program; starting it on ${api}/${p2p}`)
          ports.api[node.index] = api
          ports.p2p[node.index] = p2p
          node.api = `http://127.0.0.1:${api}`
          node.multiaddrs = [`/ip4/127.0.0.1/tcp/${p2p}/p2p/${node.peerId}`]
          await launch(node)
        }
      }
    }))
    const info: DevnetInfo = { ...deployment, nodes, apiKey, ...(vendor === undefined ? {} : { vendor }), ...(submitter === undefined ? {} : { submitter }) }
    await writeJsonAtomic(join(dir, 'devnet.json'), info)
    return { info, anvil, provider, processes, clamd, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
