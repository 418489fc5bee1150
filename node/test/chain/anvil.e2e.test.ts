import t from 'tap'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonRpcProvider } from 'ethers'
import { startAnvil } from '../../src/chain/anvil.ts'
import { blockNumber, increaseTime, mineBlocks, setBalance } from '#governance/anvil-time.ts'

const dir = mkdtempSync(join(tmpdir(), 'virusmap-anvil-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const connect = (rpcUrl: string, chainId: number): JsonRpcProvider =>
  new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, cacheTimeout: -1 })

t.test('starts on a free port and answers JSON-RPC; helpers mine, warp and fund', async (tt) => {
  const anvil = await startAnvil({ port: 0 })
  tt.teardown(() => anvil.stop())
  tt.match(anvil.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
  tt.equal(anvil.chainId, 31337)
  const provider = connect(anvil.rpcUrl, anvil.chainId)
  tt.teardown(() => provider.destroy())

  await mineBlocks(provider, 5)
  tt.equal(await blockNumber(provider), 5)
  const before = (await provider.getBlock('latest'))!.timestamp
  await increaseTime(provider, 3600)
  const after = await provider.getBlock('latest')
  tt.equal(after!.number, 6, 'increaseTime mines one block')
  tt.ok(after!.timestamp >= before + 3600)
  const who = '0x000000000000000000000000000000000000bEEF'
  await setBalance(provider, who, 42n)
  tt.equal(await provider.getBalance(who), 42n)
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`state file survives a ${signal} and reloads`, async (tt) => {
    const stateFile = join(dir, 'not-yet-created', `${signal}.json`)
    const first = await startAnvil({ stateFile })
    const p1 = connect(first.rpcUrl, first.chainId)
    await mineBlocks(p1, 3)
    const who = '0x000000000000000000000000000000000000dEaD'
    await setBalance(p1, who, 12345n)
    await mineBlocks(p1, 1)
    p1.destroy()
    const exited = once(first.process, 'exit')
    first.process.kill(signal)
    await exited
    await first.stop()
    tt.ok(existsSync(stateFile), 'state written on exit')

    const second = await startAnvil({ stateFile })
    tt.teardown(() => second.stop())
    const p2 = connect(second.rpcUrl, second.chainId)
    tt.teardown(() => p2.destroy())
    tt.equal(await blockNumber(p2), 4, 'block height restored')
    tt.equal(await p2.getBalance(who), 12345n, 'balances restored')
  })
}

t.test('an aborted signal stops the start', async (tt) => {
  const controller = new AbortController()
  controller.abort()
  await tt.rejects(startAnvil({ signal: controller.signal }))
})

t.test('aborting after start stops anvil; stop is idempotent', async (tt) => {
  const controller = new AbortController()
  const anvil = await startAnvil({ signal: controller.signal })
  const exited = once(anvil.process, 'exit')
  controller.abort()
  await exited
  await anvil.stop()
  await anvil.stop()
  tt.not(anvil.process.exitCode ?? anvil.process.signalCode, null)
})
