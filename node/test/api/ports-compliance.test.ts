import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { createApiPorts } from '../../src/supernode/api-adapters.ts'
import { CHAIN_ID, memoryCoordinators, REGISTRY } from '../fixtures/memory-coordinators.ts'
import { createMemoryApi } from '../fixtures/memory-ports.ts'
import { OPERATOR } from '../fixtures/memory-indicators.ts'
import { CHAIN_ID as MEMORY_CHAIN_ID, MEMBERS, REGISTRY as MEMORY_REGISTRY } from '../fixtures/signed-reports.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'
import { portsCompliance } from './ports-compliance.ts'
import type { PortsUnderTest } from './ports-compliance.ts'
import type { Hex } from '#protocol/messages.ts'
import type { SampleAccess } from '../../src/quorum/ports.ts'
import type { Test } from 'tap'

/** The supernode's adapters over member 0's real coordinator, repositories and sample store (the other members stay offline: jobs stay pending). */
async function supernodePorts (t: Test): Promise<PortsUnderTest> {
  let access: SampleAccess | undefined
  const world = await memoryCoordinators(t, { online: [], samples: (shared, i) => i === 0 && access !== undefined ? access : shared })
  const [db, repos, operator] = [world.databases[0], world.repos[0], world.wallets[0]]
  if (db === undefined || repos === undefined || operator === undefined) throw new Error('no member 0')
  const blockstore = createDurableBlockstore({ path: path.join(t.testdir(), 'blocks') })
  await blockstore.open()
  const store = await startSampleStore(t, { db, blockstore, samples: repos.samples, logger: pino({ level: 'silent' }), maxSampleBytes: 1024 * 1024 })
  access = {
    ingest: async (source, options) => await store.ingest(source, options),
    readSample: async (cid, key, options) => await store.readSample(cid, key, options),
    announce: () => {}
  }
  const coordinator = await world.start(0)
  const ports = createApiPorts({
    coordinator, repositories: repos, follower: world.follower, operator: world.addresses[0] as Hex, operatorSigner: operator,
    chainId: CHAIN_ID, registry: REGISTRY, requireApiKey: true, samples: store
  })
  const { indicators, votes } = ports
  if (indicators === undefined || votes === undefined) throw new Error('the supernode serves indicators and votes')
  return { ports: { ...ports, indicators, votes }, chainId: CHAIN_ID, registry: REGISTRY, receiptSigner: world.addresses[0] as Hex, operator: world.addresses[0] as Hex, memberCount: world.members.length }
}

async function memoryPorts (): Promise<PortsUnderTest> {
  const { ports } = createMemoryApi()
  return { ports, chainId: MEMORY_CHAIN_ID, registry: MEMORY_REGISTRY, receiptSigner: MEMBERS[0]?.address as Hex, operator: OPERATOR.address.toLowerCase() as Hex, memberCount: MEMBERS.length }
}

portsCompliance(tap, 'supernode adapters', supernodePorts)
portsCompliance(tap, 'memory double', memoryPorts)
