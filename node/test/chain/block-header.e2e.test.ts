import { setTimeout as sleep } from 'node:timers/promises'
import { hexlify, JsonRpcProvider, randomBytes } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import { registerCandidate } from '#governance/index.ts'
import { blockNumber, mineBlocks } from '#governance/anvil-time.ts'
import { headerAt, logsOfBlock } from '../../src/chain/block-header.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import type { Hex } from '#protocol/messages.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'

// The registry follower reads a new block as its header and the logs of exactly its hash. An RPC that
// answers for another block, with a malformed header, or with the logs of a block reorganised away at
// the same height is refused, and nothing of its answer is applied.
const { rpcUrl, provider, signers, deployment, operators } = await startGovernedChain(tap, 2)
const { contracts } = deployment

type Tamper = (method: string, params: unknown[], answer: unknown) => unknown

/** anvil behind an RPC that rewrites its answers while `tamper` is set */
class HostileProvider extends JsonRpcProvider {
  tamper: Tamper | undefined
  override async send (method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    const answer = await super.send(method, params as unknown[])
    return this.tamper === undefined ? answer : this.tamper(method, params as unknown[], answer)
  }
}

const hostile = new HostileProvider(rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 })
tap.teardown(() => hostile.destroy())

async function until (what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting until ${what}`)
}

tap.test('headerAt: the block asked for, null past the head; another block or a malformed header is refused', async (t) => {
  await mineBlocks(provider, 2)
  const head = await blockNumber(provider)
  const header = await headerAt(hostile, head)
  const parent = await headerAt(hostile, head - 1)
  t.equal(header?.number, head)
  t.equal(header?.parentHash, parent?.hash, 'the parent hash links it to the block before')
  t.equal(await headerAt(hostile, head + 5), null, 'no such block yet')

  hostile.tamper = (method, params, answer) => method === 'eth_getBlockByNumber' ? { ...answer as object, number: '0x1' } : answer
  await t.rejects(headerAt(hostile, head), { code: 'WRONG_BLOCK' }, 'the header of another block')
  for (const bad of [{ hash: 'xyz' }, { parentHash: undefined }, { hash: `0x${'AB'.repeat(32)}` }, { number: 7 }]) {
    hostile.tamper = (method, params, answer) => method === 'eth_getBlockByNumber' ? { ...answer as object, ...bad } : answer
    await t.rejects(headerAt(hostile, head), { code: 'MALFORMED_HEADER' }, `malformed: ${JSON.stringify(bad)}`)
  }
  hostile.tamper = undefined
})

tap.test('logsOfBlock: exactly the block\'s logs; an unknown hash fails; a log of another block is refused', async (t) => {
  await registerCandidate({ registry: contracts.registry, operator: signers[0]!, peerId: '12D3KooRegistered', x25519Key: hexlify(randomBytes(32)) as Hex })
  const block = await blockNumber(provider)
  const header = await headerAt(hostile, block)
  t.ok(header)
  const logs = await logsOfBlock(hostile, [contracts.registry], header!)
  t.ok(logs.length > 0, 'the registration\'s logs')
  t.ok(logs.every((l) => l.blockNumber === block), 'all of that block')
  await mineBlocks(provider, 1)
  const next = await headerAt(hostile, block + 1)
  t.same(await logsOfBlock(hostile, [contracts.registry], next!), [], 'an empty block has none')
  await t.rejects(logsOfBlock(hostile, [contracts.registry], { ...next!, hash: `0x${'11'.repeat(32)}` }), 'a block the RPC does not have is an error, not an empty list')

  const raw = await provider.send('eth_getLogs', [{ blockHash: header!.hash }]) as unknown[]
  hostile.tamper = (method, params, answer) => method === 'eth_getLogs' ? raw : answer
  await t.rejects(logsOfBlock(hostile, [contracts.registry], next!), { code: 'FOREIGN_LOG' }, 'another block\'s logs')
  hostile.tamper = undefined
})

tap.test('the follower refuses the logs of a block reorganised away at the same height, and follows the chain once the RPC behaves', async (t) => {
  const warnings: Array<Record<string, unknown>> = []
  const follower = createRegistryFollower({
    provider: hostile,
    registry: contracts.registry,
    fromBlock: deployment.deployBlock,
    confirmations: 0,
    pollIntervalMs: 20,
    logger: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line) as Record<string, unknown>) } })
  })
  await follower.start()
  t.teardown(() => follower.stop())
  const op = operators[1]!

  // a registration that the chain then takes back: its logs name an orphaned block
  const snapshot = await provider.send('evm_snapshot', []) as string
  const before = await blockNumber(provider)
  await registerCandidate({ registry: contracts.registry, operator: signers[1]!, peerId: '12D3KooOrphan', x25519Key: hexlify(randomBytes(32)) as Hex })
  const orphan = await headerAt(provider, before + 1)
  const orphanLogs = await provider.send('eth_getLogs', [{ blockHash: orphan!.hash }]) as unknown[]
  t.ok(orphanLogs.length > 0)
  await provider.send('evm_revert', [snapshot])
  // the follower may have followed the orphan meanwhile: the evm_revert is a reorg it handles as such
  const seen = follower.followedBlock

  hostile.tamper = (method, params, answer) => method === 'eth_getLogs' && (params[0] as { blockHash?: string }).blockHash !== undefined ? orphanLogs : answer
  // one block: the follower reads it as one step (header and logs by hash), not as a range
  await mineBlocks(provider, 1)
  await until('the foreign logs are refused', () => warnings.some((w) => (w['err'] as { code?: string } | undefined)?.code === 'FOREIGN_LOG'))
  t.ok(follower.followedBlock <= Math.max(seen, before), `it followed no block whose logs were refused (at ${follower.followedBlock})`)
  t.equal(follower.candidate(op), undefined, 'the orphan\'s registration is not applied')

  hostile.tamper = undefined
  await mineBlocks(provider, 1)
  const head = await blockNumber(provider)
  await follower.waitFor(head)
  t.equal(follower.candidate(op), undefined, 'the followed chain has no such registration')
  t.equal(follower.candidate(operators[0]!)?.peerId, '12D3KooRegistered', 'the canonical one stands')
})
