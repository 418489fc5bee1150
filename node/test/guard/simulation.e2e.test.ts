// The two simulation paths on a real chain, and the limits: an RPC without eth_simulateV1 is
// traced on a forked anvil with the same result; an RPC that never answers gives `unverified`.
import tap from 'tap'
import { parseEther } from 'ethers'
import { createGuard, createJsonRpc, createSimulator, type Guard } from '../../src/guard/index.ts'
import { startGuardChain, TOKEN_SUPPLY, type GuardChain } from './fixtures/guard-chain.ts'
import { call, MAX } from './fixtures/requests.ts'
import { startHangingRpc, startNoSimulateProxy } from './fixtures/rpc-servers.ts'

let chain: GuardChain
tap.before(async () => { chain = await startGuardChain() })
tap.teardown(async () => { await chain.stop() })

tap.test('without eth_simulateV1: debug_traceCall on a warm fork, same effects', async (t) => {
  const proxy = await startNoSimulateProxy(chain.anvil.rpcUrl)
  const guard: Guard = createGuard({ rpc: proxy.url, pastRecipients: new Set([chain.pastRecipient]) })
  t.teardown(async () => {
    await guard.stop()
    await proxy.close()
  })
  await guard.warm()
  t.equal(proxy.simulateAsked(), 1, 'asked once, then remembered')
  const claim = await guard.check(call(chain.user, chain.drainer, 'claim', [], parseEther('0.5')))
  t.equal(claim.decision, 'block')
  t.match(claim.simulation, { status: 'ok', via: 'debug_traceCall', effects: { native: -parseEther('0.5'), erc20: [{ token: chain.token, delta: -(TOKEN_SUPPLY * 95n / 100n) }] } })
  t.ok(claim.findings.some(f => f.id === 'balance-drop'))
  t.equal(claim.simulation.status === 'ok' ? claim.simulation.startBalance : undefined, await chain.provider.getBalance(chain.user), 'the prestate tracer gives the balance the call ran on')

  const direct = await createSimulator({ rpc: createJsonRpc(chain.anvil.rpcUrl) }).simulate({ from: chain.user, to: chain.drainer, value: parseEther('0.5'), data: '0x4e71d92d' })
  t.equal(direct.status, 'ok')
  if (direct.status === 'ok' && claim.simulation.status === 'ok') t.same(claim.simulation.effects, direct.effects, 'both paths see the same effects')

  const forAll = await guard.check(call(chain.user, chain.nft, 'setApprovalForAll', [chain.stranger, true]))
  t.equal(forAll.decision, 'block')
  t.match(forAll.simulation, { via: 'debug_traceCall', effects: { approvals: [{ standard: 'erc721-all', spender: chain.stranger }] } })
  const reverted = await guard.check(call(chain.user, chain.nft, 'mint', [], 1n))
  t.match(reverted.simulation, { status: 'reverted', via: 'debug_traceCall', revertReason: 'price' })
  t.equal(proxy.simulateAsked(), 1)

  // the fork follows the chain: a block mined upstream is seen at the next check
  await (await chain.asUser(chain.token, 'GuardToken').getFunction('transfer')(chain.pastRecipient, TOKEN_SUPPLY / 2n)).wait()
  const after = await guard.check(call(chain.user, chain.drainer, 'claim', [], 0n))
  t.match(after.simulation, { status: 'ok', effects: { erc20: [{ delta: -(TOKEN_SUPPLY / 2n * 95n / 100n) }] } })
})

tap.test('an RPC that never answers: unverified within the hard limit, not a hang', async (t) => {
  const hanging = await startHangingRpc()
  const guard = createGuard({ rpc: hanging.url, hardLimitMs: 300, softLimitMs: 100 })
  t.teardown(async () => {
    await guard.stop()
    await hanging.close()
  })
  const r = await guard.check(call(chain.user, chain.token, 'approve', [chain.stranger, MAX]))
  t.equal(r.decision, 'unverified')
  t.match(r.simulation, { status: 'unavailable', reason: /no answer within 300 ms/ })
  // static rules still block without the chain
  const ethSign = await guard.check({ method: 'eth_sign', params: [chain.user, `0x${'ab'.repeat(32)}`] })
  t.equal(ethSign.decision, 'block')
  // a signature needing no chain facts is still judged
  t.equal((await guard.check({ method: 'personal_sign', params: ['hello', chain.user] })).decision, 'allow')
  // a permit needs the spender's code: unverified
  const { permitTypedData, typed } = await import('./fixtures/requests.ts')
  t.equal((await guard.check(typed(chain.user, permitTypedData(chain.token, chain.user, chain.stranger, 1n, 1n)))).decision, 'unverified')
  // the caller's own abort is an abort, not a decision
  const controller = new AbortController()
  const pending = guard.check(call(chain.user, chain.token, 'approve', [chain.stranger, MAX]), {}, { signal: controller.signal })
  controller.abort(new Error('user closed the tab'))
  await t.rejects(pending, { message: 'user closed the tab' })
})

tap.test('the default hard limit (3 s) applies without options', async (t) => {
  const hanging = await startHangingRpc()
  const guard = createGuard({ rpc: hanging.url })
  t.teardown(async () => {
    await guard.stop()
    await hanging.close()
  })
  const r = await guard.check(call(chain.user, chain.token, 'transfer', [chain.stranger, 1n]))
  t.equal(r.decision, 'unverified')
  t.match(r.simulation, { reason: /no answer within 3000 ms/ })
})
