import { createServer } from 'node:net'
import path from 'node:path'
import { Wallet } from 'ethers'
import { pino } from 'pino'
import tap from 'tap'
import { startAnvil } from '../../src/chain/anvil.ts'
import { openDatabase } from '../../src/db/index.ts'
import { parseConfig } from '../../src/supernode/config.ts'
import { orderedLifecycle, startInOrder, type Step } from '../../src/supernode/lifecycle.ts'
import { createSupernode } from '../../src/supernode/supernode.ts'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { AbortOptions } from '@libp2p/interface'

const silent = pino({ level: 'silent' })

/** A component that writes what happens to it into `log`; `fails` makes its start throw. */
function recorded (name: string, log: string[], fails = false): Step {
  return [name, {
    beforeStart: () => { log.push(`beforeStart ${name}`) },
    start: async () => {
      if (fails) throw Object.assign(new Error(`${name} cannot start`), { code: 'EADDRINUSE' })
      log.push(`start ${name}`)
    },
    afterStart: () => { log.push(`afterStart ${name}`) },
    beforeStop: () => { log.push(`beforeStop ${name}`) },
    stop: async () => { log.push(`stop ${name}`) }
  }]
}

tap.test('components start in order, stop in reverse, with libp2p\'s before/after hooks; absent ones are skipped', async t => {
  const log: string[] = []
  let released = 0
  const lifecycle = orderedLifecycle([recorded('a', log), ['absent', undefined], recorded('b', log)], silent, async () => { released++ })
  await lifecycle.start()
  t.same(log.splice(0), ['beforeStart a', 'start a', 'beforeStart b', 'start b', 'afterStart a', 'afterStart b'])
  await t.rejects(lifecycle.start(), { code: 'ALREADY_STARTED' })
  await lifecycle.stop()
  t.same(log.splice(0), ['beforeStop b', 'beforeStop a', 'stop b', 'stop a'], 'every beforeStop while all still run, then stops last first')
  t.equal(released, 1)
  await lifecycle.stop()
  t.equal(released, 1, 'a second stop does nothing')
  await t.rejects(lifecycle.start(), { code: 'STOPPED' }, 'a node starts once')
})

tap.test('a start failing half-way stops what had started, releases, and rethrows the failure', async t => {
  const log: string[] = []
  let released = 0
  const lifecycle = orderedLifecycle([recorded('a', log), recorded('b', log), recorded('c', log, true), recorded('d', log)], silent, async () => { released++ })
  await t.rejects(lifecycle.start(), { code: 'EADDRINUSE', message: 'c cannot start' })
  t.same(log, ['beforeStart a', 'start a', 'beforeStart b', 'start b', 'beforeStart c', 'beforeStop b', 'beforeStop a', 'stop b', 'stop a'], 'd never starts, no afterStart runs')
  t.equal(released, 1)
  await t.rejects(lifecycle.start(), { code: 'STOPPED' })
})

tap.test('an abort between two starts stops the first; a stop that throws does not keep the others running', async t => {
  const log: string[] = []
  const controller = new AbortController()
  const aborting: Step = ['aborting', { start: () => { log.push('start aborting'); controller.abort(new Error('shutting down')) }, stop: () => { throw new Error('stuck') } }]
  await t.rejects(startInOrder([recorded('a', log), aborting, recorded('b', log)], silent, { signal: controller.signal }), /shutting down/)
  t.same(log, ['beforeStart a', 'start a', 'start aborting', 'beforeStop a', 'stop a'], 'b never starts; a stops although aborting\'s stop threw')
})

tap.test('a stop while starting aborts the start, waits for its clean-up, then releases', async t => {
  const log: string[] = []
  let released = 0
  const atSlow = Promise.withResolvers<void>()
  const slow: Step = ['slow', {
    start: async (options?: AbortOptions) => {
      log.push('start slow')
      atSlow.resolve()
      await new Promise<void>((resolve, reject) => { options?.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true }) })
    },
    stop: () => { log.push('stop slow') }
  }]
  const lifecycle = orderedLifecycle([recorded('a', log), slow, recorded('b', log)], silent, async () => { log.push('release'); released++ })
  const start = lifecycle.start()
  await atSlow.promise
  await lifecycle.stop()
  await t.rejects(start, { code: 'STOPPED' })
  t.same(log, ['beforeStart a', 'start a', 'start slow', 'beforeStop a', 'stop a', 'release'], 'a stopped before the release; b never started')
  t.equal(released, 1)
})

const address = (): string => Wallet.createRandom().address

/** A supernode over anvil (no contracts: the registry follower reads no logs) with no engines. */
async function nodeConfig (t: Test, apiPort: number): Promise<ReturnType<typeof parseConfig>> {
  const anvil = await startAnvil({ port: 0 })
  t.teardown(() => anvil.stop())
  return parseConfig({
    dataDir: t.testdir(),
    apiPort,
    engines: [],
    ethPhishingDetect: false,
    deployment: { chainId: anvil.chainId, rpcUrl: anvil.rpcUrl, deployBlock: 0, contracts: { vmt: address(), timelock: address(), governor: address(), registry: address() } }
  })
}

tap.test('supernode: everything is built up front; start and stop leave the database closed', async t => {
  const config = await nodeConfig(t, 0)
  const node = await createSupernode(config, silent)
  t.equal(typeof node.api.start, 'function', 'the API server exists before start')
  t.throws(() => node.api.url, /not started/)
  t.match(node.peerId, /^12D3Koo/)
  await node.start()
  t.match(node.api.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(node.libp2p.status, 'started')
  await t.rejects(node.start(), { code: 'ALREADY_STARTED' })
  await node.stop()
  t.equal(node.libp2p.status, 'stopped')
  const db = await openDatabase({ path: path.join(config.dataDir, 'db') })
  await db.close()
  t.pass('the database re-opens: the node closed it')
})

tap.test('supernode: an occupied API port fails start half-way; what started is stopped and the database closed', async t => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => { resolve() })))
  const config = await nodeConfig(t, (blocker.address() as AddressInfo).port)
  const node = await createSupernode(config, silent)
  await t.rejects(node.start(), { code: 'EADDRINUSE' })
  t.equal(node.libp2p.status, 'stopped', 'libp2p, started before the API, was stopped')
  t.throws(() => node.api.url, /not started/)
  const db = await openDatabase({ path: path.join(config.dataDir, 'db') })
  await db.close()
  t.pass('the database re-opens: the failed start closed it')
  await t.rejects(node.start(), { code: 'STOPPED' }, 'a failed node is stopped; make a new one to retry')
  await node.stop()
  // a fresh node over the same data directory starts once the port is free
  await new Promise<void>((resolve) => blocker.close(() => { resolve() }))
  const again = await createSupernode(config, silent)
  await again.start()
  await again.stop()
})

tap.test('supernode: an aborted start stops what had started and closes the database', async t => {
  const config = await nodeConfig(t, 0)
  const node = await createSupernode(config, silent)
  await t.rejects(node.start({ signal: AbortSignal.abort(new Error('SIGINT')) }), /SIGINT/)
  t.equal(node.libp2p.status, 'stopped')
  const db = await openDatabase({ path: path.join(config.dataDir, 'db') })
  await db.close()
})
