// Permit2 scenarios against Uniswap's real Permit2 (its deployed code at the canonical address on
// anvil, fixtures/permit2.ts): the approve to Permit2 Uniswap asks for first, PermitSingle and
// PermitBatch signatures to an EOA, a young contract, an old one and the allowlisted router, and
// a SignatureTransfer. Each signature the guard judges is also signed by the user's key and
// spent on Permit2, so what a block stops is a real drain and what an allow lets through is a
// real swap whose effects the guard's simulation saw.
import tap from 'tap'
import type { JsonRpcSigner } from 'ethers'
import { TOKEN_SUPPLY } from './fixtures/guard-chain.ts'
import { ids, startGuardedChain } from './fixtures/guarded-chain.ts'
import { permit2As } from './fixtures/permit2.ts'
import { call, MAX, MAX160, PERMIT2, permit2Swap, permit2TransferTypedData, permit2TypedData, typed } from './fixtures/requests.ts'

const { chain, guard } = await startGuardedChain(tap)

const FAR = 2n ** 40n
const ONE = 10n ** 18n
/** the user's signature, by anvil's unlocked dev account as the test dapp's wallet signs */
const sign = async (data: object): Promise<string> => await chain.provider.send('eth_signTypedData_v4', [chain.user, JSON.stringify(data)]) as string
const balance = async (token: string, of: string): Promise<bigint> => await chain.asUser(token as never, 'GuardToken').getFunction('balanceOf')(of) as bigint
/** the stranger's EOA as a signer (anvil impersonation), funded for gas */
const asStranger = async (): Promise<JsonRpcSigner> => {
  await chain.provider.send('anvil_impersonateAccount', [chain.stranger])
  await chain.provider.send('anvil_setBalance', [chain.stranger, '0xde0b6b3a7640000'])
  return await chain.provider.getSigner(chain.stranger)
}
/** runs body and puts the chain back as it was: each test's spending leaves the others' balances alone */
const undone = async (body: () => Promise<void>): Promise<void> => {
  const id = await chain.provider.send('evm_snapshot', []) as string
  try { await body() } finally { await chain.provider.send('evm_revert', [id]) }
}

tap.test('the approve to Permit2 (Uniswap\'s first step) is allowed and mined', async (t) => {
  const { user, token } = chain
  const approve = await guard.check(call(user, token, 'approve', [PERMIT2, MAX]))
  t.equal(approve.decision, 'allow', JSON.stringify(approve.findings))
  t.match(approve.simulation, { status: 'ok', effects: { approvals: [{ standard: 'erc20', token, spender: PERMIT2, amount: MAX }] } })
  await (await chain.asUser(token, 'GuardToken').getFunction('approve')(PERMIT2, MAX)).wait()
  t.equal(await chain.asUser(token, 'GuardToken').getFunction('allowance')(user, PERMIT2), MAX)
  t.not(await chain.provider.getCode(PERMIT2), '0x', 'Permit2\'s code is at its canonical address')
})

tap.test('PermitSingle to an EOA: blocked, and the signature really drains through Permit2', async (t) => {
  const { user, token, stranger } = chain
  const single = permit2TypedData([{ token, amount: MAX160, expiration: FAR }], stranger, FAR, false)
  const checked = await guard.check(typed(user, single))
  t.equal(checked.decision, 'block')
  t.match(checked.findings, [{ id: 'approval-to-eoa', evidence: { via: 'permit2', spender: stranger, token } }])
  await undone(async () => {
    const p2 = permit2As(await asStranger())
    await (await p2.getFunction('permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)')(user, (single as { message: unknown }).message, await sign(single))).wait()
    await (await p2.getFunction('transferFrom')(user, stranger, TOKEN_SUPPLY, token)).wait()
    t.equal(await balance(token, user), 0n, 'the whole balance left through Permit2')
    t.equal(await balance(token, stranger), TOKEN_SUPPLY)
  })
})

tap.test('PermitSingle to the allowlisted router: allowed; the router\'s swap through Permit2 is allowed, its movement simulated and mined', async (t) => {
  const { user, token, router } = chain
  const single = permit2TypedData([{ token, amount: ONE, expiration: FAR }], router, FAR, false)
  const checked = await guard.check(typed(user, single))
  t.equal(checked.decision, 'allow')
  t.same(checked.findings, [])
  await undone(async () => {
    const swap = permit2Swap(user, router, single, await sign(single), ONE)
    const judged = await guard.check(swap)
    t.equal(judged.decision, 'allow', JSON.stringify(judged.findings))
    t.match(judged.simulation, { status: 'ok', effects: { native: ONE / 1000n, erc20: [{ token, delta: -ONE }] } })
    const sent = await chain.userWallet.sendTransaction({ to: router, data: (swap.params[0] as { data: string }).data })
    t.equal((await sent.wait())?.status, 1)
    t.equal(await balance(token, user), TOKEN_SUPPLY - ONE, 'the tokens left through Permit2')
    t.match(await permit2As(chain.userWallet).getFunction('allowance')(user, token, router), [0n, FAR, 1n], 'Permit2 spent the allowance and used the nonce')
  })
})

tap.test('PermitBatch of two real tokens: warns for an old contract, blocks for a young one and an EOA, and the EOA\'s batch drains both', async (t) => {
  const { user, token, stranger } = chain
  const second = chain.token2
  await (await chain.asUser(second, 'GuardToken').getFunction('approve')(PERMIT2, MAX)).wait()
  const batch = (spender: typeof token, amount: bigint, expiration = FAR): object => permit2TypedData([{ token, amount, expiration }, { token: second, amount, expiration }], spender, FAR, true)

  // a day's allowance of a few units each: only the batch itself is worth a warning
  const now = BigInt((await chain.provider.getBlock('latest'))?.timestamp ?? 0)
  const old = await guard.check(typed(user, batch(chain.oldContract, 5n, now + 86_400n)))
  t.equal(old.decision, 'warn', JSON.stringify(old.findings))
  t.same(ids(old), ['permit2-batch', 'permit2-batch'], 'one line per token')
  const oldBroad = await guard.check(typed(user, batch(chain.oldContract, MAX160)))
  t.equal(oldBroad.decision, 'warn')
  t.same(ids(oldBroad), ['broad-approval', 'broad-approval'])
  const young = await guard.check(typed(user, batch(chain.youngContract, MAX160)))
  t.equal(young.decision, 'block')
  t.ok(ids(young).includes('broad-approval-to-new-contract'))
  const toEoa = await guard.check(typed(user, batch(stranger, MAX160)))
  t.equal(toEoa.decision, 'block')
  t.match(toEoa.findings.filter(f => f.id === 'approval-to-eoa'), [{ evidence: { via: 'permit2', token } }, { evidence: { via: 'permit2', token: second } }])
  await undone(async () => {
    const data = batch(stranger, MAX160)
    const p2 = permit2As(await asStranger())
    await (await p2.getFunction('permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)')(user, (data as { message: unknown }).message, await sign(data))).wait()
    for (const tk of [token, second]) await (await p2.getFunction('transferFrom')(user, stranger, TOKEN_SUPPLY, tk)).wait()
    t.same([await balance(token, stranger), await balance(second, stranger)], [TOKEN_SUPPLY, TOKEN_SUPPLY], 'one signature, both tokens gone')
  })
})

tap.test('a SignatureTransfer to an EOA: blocked, and the EOA can take the tokens with it', async (t) => {
  const { user, token, stranger } = chain
  const data = permit2TransferTypedData(token, ONE, stranger, FAR)
  const checked = await guard.check(typed(user, data))
  t.equal(checked.decision, 'block')
  t.ok(ids(checked).includes('approval-to-eoa'))
  await undone(async () => {
    const p2 = permit2As(await asStranger())
    const m = (data as { message: { permitted: unknown, nonce: string, deadline: string } }).message
    await (await p2.getFunction('permitTransferFrom')({ permitted: m.permitted, nonce: m.nonce, deadline: m.deadline }, { to: stranger, requestedAmount: ONE }, user, await sign(data))).wait()
    t.equal(await balance(token, stranger), ONE)
  })
})
