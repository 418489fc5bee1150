// The guard against a real chain: each scenario a request a page could send, with the decision
// the issue expects; the contracts are real (OpenZeppelin 5, compiled by solc-js). The Permit2
// scenarios run against Uniswap's Permit2 itself, signed and spent: permit2.e2e.test.ts.
import tap from 'tap'
import { Contract, ContractFactory, Interface, NonceManager, Wallet, parseEther } from 'ethers'
import { createGuard, type Address } from '../../src/guard/index.ts'
import { guardArtifacts } from './fixtures/compile.ts'
import { TOKEN_SUPPLY } from './fixtures/guard-chain.ts'
import { ids, startGuardedChain } from './fixtures/guarded-chain.ts'
import { call, MAX, permitTypedData, seaportTypedData, tx, typed } from './fixtures/requests.ts'

const { chain, guard } = await startGuardedChain(tap)

tap.test('approvals and permits', async (t) => {
  const { user, token, nft, router, youngContract, oldContract, stranger } = chain
  const forAll = await guard.check(call(user, nft, 'setApprovalForAll', [stranger, true]))
  t.equal(forAll.decision, 'block')
  t.ok(ids(forAll).includes('approval-to-eoa'))
  t.match(forAll.simulation, { status: 'ok', via: 'eth_simulateV1', effects: { approvals: [{ standard: 'erc721-all', token: nft, spender: stranger, approved: true }] } })

  const maxToEoa = await guard.check(call(user, token, 'approve', [stranger, MAX]))
  t.equal(maxToEoa.decision, 'block')
  t.match(maxToEoa.findings, [{ id: 'approval-to-eoa', evidence: { spender: stranger, token } }])

  const maxToNew = await guard.check(call(user, token, 'approve', [youngContract, MAX]))
  t.equal(maxToNew.decision, 'block')
  t.ok(ids(maxToNew).includes('broad-approval-to-new-contract'))
  const maxToOld = await guard.check(call(user, token, 'approve', [oldContract, MAX]))
  t.equal(maxToOld.decision, 'warn')
  t.same(ids(maxToOld), ['broad-approval'])
  const exactToRouter = await guard.check(call(user, token, 'approve', [router, 10n ** 18n]))
  t.equal(exactToRouter.decision, 'allow')
  t.same(exactToRouter.findings, [])

  const increase = await guard.check(call(user, token, 'increaseAllowance', [stranger, 10n ** 18n]))
  t.equal(increase.decision, 'block')
  t.match(increase.findings, [{ id: 'approval-to-eoa', evidence: { via: 'increaseAllowance' } }])

  const permit = await guard.check(typed(user, permitTypedData(token, user, stranger, MAX, MAX)))
  t.equal(permit.decision, 'block')
  t.match(permit.findings, [{ id: 'approval-to-eoa', evidence: { via: 'permit' } }])
  t.same(permit.simulation, { status: 'not-applicable' })

})

tap.test('ERC-1155: approval for all, single and batch transfers', async (t) => {
  const { user, multi, stranger, router, pastRecipient } = chain
  const forAll = await guard.check(call(user, multi, 'setApprovalForAll', [stranger, true]))
  t.equal(forAll.decision, 'block')
  t.match(forAll.findings, [{ id: 'approval-to-eoa' }])
  t.equal((await guard.check(call(user, multi, 'setApprovalForAll', [router, true]))).decision, 'allow')
  const single = await guard.check(call(user, multi, 'safeTransferFrom(address,address,uint256,uint256,bytes)', [user, pastRecipient, 1n, 3n, '0x']))
  t.equal(single.decision, 'allow')
  t.match(single.simulation, { status: 'ok', effects: { nfts: [{ standard: 'erc1155', token: multi, id: 1n, delta: -3n }] } })
  const batch = await guard.check(call(user, multi, 'safeBatchTransferFrom', [user, stranger, [1n, 2n], [10n, 5n], '0x']))
  t.match(batch.request.actions, [{ kind: 'nft-transfer', standard: 'erc1155', ids: [1n, 2n], amounts: [10n, 5n] }])
  t.match(batch.simulation, { status: 'ok', effects: { nfts: [{ id: 1n, delta: -10n }, { id: 2n, delta: -5n }] } })
  t.match(batch.findings, [{ id: 'new-recipient' }])
})

tap.test('signatures: Seaport giveaway, eth_sign, personal_sign', async (t) => {
  const { user, nft, stranger } = chain
  const giveaway = await guard.check(typed(user, seaportTypedData(user,
    [{ itemType: 2, token: nft, identifierOrCriteria: 1n, startAmount: 1n, endAmount: 1n }],
    [{ itemType: 0, token: '0x0000000000000000000000000000000000000000', startAmount: 1n, endAmount: 1n, recipient: stranger }])))
  t.equal(giveaway.decision, 'block')
  t.ok(ids(giveaway).includes('seaport-giveaway'))
  const sale = await guard.check(typed(user, seaportTypedData(user,
    [{ itemType: 2, token: nft, identifierOrCriteria: 1n, startAmount: 1n, endAmount: 1n }],
    [{ itemType: 0, token: '0x0000000000000000000000000000000000000000', startAmount: 10n ** 18n, endAmount: 10n ** 18n, recipient: user }])))
  t.not(sale.decision, 'block', 'a sale that pays the user is no giveaway')

  const ethSign = await guard.check({ method: 'eth_sign', params: [user, `0x${'ab'.repeat(32)}`] })
  t.equal(ethSign.decision, 'block')
  t.same(ids(ethSign), ['eth-sign'])
  const hash = await guard.check({ method: 'personal_sign', params: [`0x${'ab'.repeat(32)}`, user] })
  t.equal(hash.decision, 'block')
  t.same(ids(hash), ['blind-signature'])
  const harmless = await guard.check({ method: 'personal_sign', params: [`0x${Buffer.from('Sign in to app.example\nNonce: 81723').toString('hex')}`, user] })
  t.equal(harmless.decision, 'allow')
  t.same(harmless.findings, [])
})

tap.test('recipients: address poisoning, past and new recipients', async (t) => {
  const { user, token, pastRecipient, lookalike, stranger } = chain
  const poisonedEth = await guard.check(tx(user, lookalike, '0x', parseEther('1')))
  t.equal(poisonedEth.decision, 'block')
  t.match(poisonedEth.findings, [{ id: 'address-poisoning', evidence: { recipient: lookalike, imitates: [pastRecipient] } }])
  const poisonedToken = await guard.check(call(user, token, 'transfer', [lookalike, 10n ** 18n]))
  t.equal(poisonedToken.decision, 'block')
  t.ok(ids(poisonedToken).includes('address-poisoning'))

  const known = await guard.check(tx(user, pastRecipient, '0x', parseEther('1')))
  t.equal(known.decision, 'allow')
  t.same(known.findings, [])
  t.match(known.simulation, { status: 'ok', effects: { native: -parseEther('1') } })
  const knownToken = await guard.check(call(user, token, 'transfer', [pastRecipient, 10n ** 18n]))
  t.equal(knownToken.decision, 'allow')
  t.match(knownToken.simulation, { status: 'ok', effects: { erc20: [{ token, delta: -(10n ** 18n) }] } })

  const fresh = await guard.check(tx(user, stranger, '0x', parseEther('1')))
  t.equal(fresh.decision, 'allow')
  t.match(fresh.findings, [{ id: 'new-recipient', level: 'info', evidence: { recipient: stranger } }])
})

tap.test('a drainer paying back in pre-minted bait: blocked when the bait comes from a stock nobody paid', async (t) => {
  const { user, token, provider } = chain
  const artifacts = guardArtifacts()
  // the kit's owner (anvil's dev account 2) deploys the kit; a holder wallet (account 3) keeps the pre-minted bait and lets the kit hand it out
  const signer = (key: string): NonceManager => new NonceManager(new Wallet(key, provider))
  const owner = signer('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
  const holder = signer('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
  const deploy = async (name: string, ...args: unknown[]): Promise<Address> => {
    const c = await new ContractFactory(artifacts[name]?.abi as never, artifacts[name]?.bytecode ?? '0x', owner).deploy(...args)
    await c.waitForDeployment()
    return (await c.getAddress()).toLowerCase() as Address
  }
  const ownerAddress = (await owner.getAddress()).toLowerCase() as Address
  const holderAddress = (await holder.getAddress()).toLowerCase() as Address
  const bait = await deploy('GuardToken', holderAddress, 10n ** 9n * 10n ** 18n)
  const kit = await deploy('BaitDrainer', token, bait, holderAddress)
  // a second kit whose stock is its owner's wallet, where the stolen tokens go too
  const ownersKit = await deploy('BaitDrainer', token, bait, ownerAddress)
  const asHolder = new Contract(bait, artifacts.GuardToken?.abi as never, holder)
  await (await asHolder.getFunction('approve')(kit, MAX)).wait()
  await (await asHolder.getFunction('transfer')(kit, 10n ** 6n * 10n ** 18n)).wait()
  await (await asHolder.getFunction('transfer')(ownerAddress, 10n ** 6n * 10n ** 18n)).wait()
  await (await new Contract(bait, artifacts.GuardToken?.abi as never, owner).getFunction('approve')(ownersKit, MAX)).wait()
  // the victim approved the kits earlier (the "existing allowance" drainers collect)
  const asVictim = new Contract(token, artifacts.GuardToken?.abi as never, new NonceManager(chain.userWallet))
  for (const k of [kit, ownersKit]) await (await asVictim.getFunction('approve')(k, MAX)).wait()
  const kitAbi = new Interface(artifacts.BaitDrainer?.abi as never)

  const fromStock = await guard.check(tx(user, kit, kitAbi.encodeFunctionData('claim'), parseEther('0.5')))
  t.equal(fromStock.decision, 'block')
  t.match(fromStock.findings.find(f => f.id === 'balance-drop'), { level: 'block', evidence: { asset: token, unvaluedGains: [bait], bait: [bait], baitFrom: [holderAddress] } })
  t.match(fromStock.simulation, { status: 'ok', effects: { erc20: [{ token, delta: -(TOKEN_SUPPLY * 95n / 100n) }, { token: bait, delta: 1000n * 10n ** 18n }] } })
  // the same kit handing out the stock it holds itself, while it receives (and forwards) the ETH: a
  // shop contract selling pre-minted items looks the same without a price, so it warns
  const ownStock = await guard.check(tx(user, kit, kitAbi.encodeFunctionData('claimFromOwnStock'), parseEther('0.5')))
  t.equal(ownStock.decision, 'warn')
  t.match(ownStock.findings.find(f => f.id.startsWith('balance-drop')), { id: 'balance-drop-unvalued', level: 'warn', evidence: { unvaluedGains: [bait] } })
  // the owner's wallet is both the stock and where the tokens go: a seller's shape, so it warns
  const ownersStock = await guard.check(tx(user, ownersKit, kitAbi.encodeFunctionData('claim'), parseEther('0.5')))
  t.equal(ownersStock.decision, 'warn')
  t.ok(ids(ownersStock).includes('balance-drop-unvalued'))
  const noEth = await guard.check(tx(user, kit, kitAbi.encodeFunctionData('claimFromOwnStock')))
  t.equal(noEth.decision, 'block', 'with no ETH sent nothing of the user\'s reaches the kit: its own stock is unpaid too')
  t.match(noEth.findings.find(f => f.id === 'balance-drop'), { evidence: { baitFrom: [kit] } })
})

tap.test('the drainer: claim() takes 95% of the tokens and the ETH sent', async (t) => {
  const { user, drainer, token } = chain
  const claim = await guard.check(call(user, drainer, 'claim', [], parseEther('0.5')))
  t.equal(claim.decision, 'block')
  t.match(claim.findings.find(f => f.id === 'balance-drop'), { level: 'block', evidence: { asset: token, amount: (TOKEN_SUPPLY * 95n / 100n).toString(), balance: TOKEN_SUPPLY.toString() } })
  t.ok(ids(claim).includes('new-contract'), 'the drainer is days younger than the token')
  t.match(claim.simulation, { status: 'ok', effects: { native: -parseEther('0.5'), erc20: [{ token, delta: -(TOKEN_SUPPLY * 95n / 100n) }] } })

  const emptyWallet = await guard.check(tx(user, chain.pastRecipient, '0x', parseEther('6000')))
  t.equal(emptyWallet.decision, 'block', 'more than half the ETH to anyone, with nothing back')
  t.match(emptyWallet.findings, [{ id: 'balance-drop', evidence: { asset: 'native' } }])

  const reverting = await guard.check(call(user, chain.nft, 'mint', [], 1n))
  t.equal(reverting.decision, 'warn')
  t.match(reverting.simulation, { status: 'reverted', revertReason: 'price' })
})

tap.test('the behaviour rule: scripted connect prompts', async (t) => {
  const { user } = chain
  const page = { origin: 'https://drain.example', gesture: false }
  const connect = { method: 'eth_requestAccounts' }
  t.equal((await guard.check(connect, page)).decision, 'allow')
  t.equal((await guard.check({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x1' }] }, page)).decision, 'allow')
  const third = await guard.check(connect, page)
  t.equal(third.decision, 'warn')
  t.match(third.findings, [{ id: 'scripted-prompts', evidence: { ungesturedConnects: 3 } }])
  const sign = await guard.check({ method: 'personal_sign', params: ['hello', user] }, page)
  t.equal(sign.decision, 'block')
  t.match(sign.findings, [{ id: 'scripted-prompts', level: 'block', evidence: { ungesturedSignature: true } }])

  // one prompt on load, then a clicked request: an ordinary dapp
  const dapp = { origin: 'https://app.example' }
  t.equal((await guard.check(connect, { ...dapp, gesture: false })).decision, 'allow')
  const clicked = await guard.check({ method: 'personal_sign', params: ['hello', user] }, { ...dapp, gesture: true })
  t.equal(clicked.decision, 'allow')
  // the counts are per origin
  t.equal((await guard.check(connect, { origin: 'https://other.example', gesture: false })).decision, 'allow')
})

tap.test('benign requests are all allowed', async (t) => {
  const { user, token, router, nft, pastRecipient } = chain
  const benign: Array<[string, unknown]> = [
    ['ETH to a past recipient', tx(user, pastRecipient, '0x', parseEther('2'))],
    ['tokens to a past recipient', call(user, token, 'transfer', [pastRecipient, 5n * 10n ** 18n])],
    ['approve exact to the allowlisted router', call(user, token, 'approve', [router, 10n ** 18n])],
    ['approve max to the allowlisted router', call(user, token, 'approve', [router, MAX])],
    ['an NFT mint', call(user, nft, 'mint', [], parseEther('0.01'))],
    ['setApprovalForAll to the allowlisted router', call(user, nft, 'setApprovalForAll', [router, true])],
    ['a sign-in message', { method: 'personal_sign', params: ['Sign in to app.example', user] }],
    ['a revocation', call(user, token, 'approve', [chain.stranger, 0n])]
  ]
  for (const [name, request] of benign) {
    const r = await guard.check(request, { origin: 'https://app.uniswap.org', gesture: true })
    t.equal(r.decision, 'allow', `${name}: ${JSON.stringify(r.findings.map(f => f.id))}`)
  }
  // the swap needs the approval on chain first, as the dapp would do it
  const approve = await chain.asUser(token, 'GuardToken').getFunction('approve')(router, 10n ** 18n)
  await approve.wait()
  const swap = await guard.check(call(user, router, 'swapForEth', [token, 10n ** 18n]))
  t.equal(swap.decision, 'allow', JSON.stringify(swap.findings))
  t.match(swap.simulation, { status: 'ok', effects: { native: 10n ** 15n, erc20: [{ token, delta: -(10n ** 18n) }] } })
})

tap.test('the malicious list and phishing domains', async (t) => {
  const { loadEthPhishingLists } = await import('../../src/intel/lists/eth-phishing-lists.ts')
  const phishing = await loadEthPhishingLists()
  const blocked = [...phishing.block][0] ?? ''
  const listed = createGuard({
    rpc: chain.anvil.rpcUrl,
    malicious: { addresses: new Set([chain.oldContract]), domains: new Set(['drain.example']), scriptHashes: new Set(['aa'.repeat(32)]) },
    phishing
  })
  t.teardown(async () => { await listed.stop() })
  const sign = { method: 'personal_sign', params: ['hello', chain.user] }
  t.match((await listed.check(call(chain.user, chain.oldContract, 'swapForEth', [chain.token, 1n]))).findings, [{ id: 'malicious-address', level: 'block' }])
  t.equal((await listed.check(sign, { origin: 'https://app.drain.example' })).decision, 'block')
  t.match((await listed.check(sign, { origin: `https://${blocked}` })).findings, [{ id: 'malicious-domain', evidence: { list: 'eth-phishing-detect' } }])
  t.match((await listed.check(sign, { origin: 'https://etherscann.xyz' })).findings, [{ id: 'lookalike-domain', level: 'warn' }])
  t.equal((await listed.check(sign, { origin: 'https://app.example', scriptHashes: [`0x${'AA'.repeat(32)}`] })).decision, 'block')
  t.equal((await listed.check(sign, { origin: 'https://app.example', scriptHashes: ['bb'.repeat(32)] })).decision, 'allow')
})

tap.test('hostile requests reject with a GuardError before touching the chain', async (t) => {
  await t.rejects(guard.check({ method: 'eth_sendTransaction', params: [{ from: chain.user, to: chain.token, data: '0x095ea7b3' }] }), { name: 'GuardError', code: 'BAD_CALLDATA' })
  await t.rejects(guard.check({ method: 'eth_signTypedData_v4', params: [chain.user, '[]'] }), { code: 'BAD_TYPE' })
})

export type { Address }
