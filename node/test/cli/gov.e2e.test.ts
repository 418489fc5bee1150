// `virusmap keystore`, `deploy` and `gov` end to end on a fresh anvil: a plan deployed from a
// keystore, a full election run from the command line (delegate, propose, vote with a reason,
// a ballot signed offline and submitted by someone else, queue, the timelock delay, execute),
// cancel, and every bad input answered by one line and a non-zero exit.
import t, { type Test } from 'tap'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contract, HDNodeWallet, Mnemonic, encodeBytes32String, formatEther, hexlify, parseEther, randomBytes } from 'ethers'
import { increaseTime, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { loadOrCreateNodeKeys } from '../../src/supernode/node-keys.ts'
import { runIn, type CliRun } from '../fixtures/run-cli.ts'
import { registerCandidate } from '#governance/index.ts'
import { marketArtifact, registryArtifact, vmtArtifact } from '#governance/artifacts.ts'
import type { Hex } from '#protocol/messages.ts'
import { rewardNetworkParameters } from '#protocol/rewards/governed.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const { anvil, provider } = await startTestChain(t)
const dir = await mkdtemp(join(tmpdir(), 'virusmap-gov-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })

// anvil's well-known dev accounts
const mnemonic = Mnemonic.fromPhrase('test test test test test test test test test test test junk')
const account = (i: number): HDNodeWallet => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).connect(provider)
const [deployer, alice, bob, carol, op1] = [0, 1, 2, 3, 4].map(account) as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet]
const PASS = 'correct horse battery staple'
const env = { VIRUSMAP_KEYSTORE_PASSWORD: PASS }

const run = async (argv: string[], options: { env?: Record<string, string> } = {}): Promise<CliRun> => await runIn(argv, dir, { env: options.env ?? env })

/** A failure: the expected exit code and exactly one line on stderr, no stack trace. */
async function fails (st: Test, argv: string[], code: number, pattern: RegExp, options: { env?: Record<string, string> } = {}): Promise<void> {
  const r = await run(argv, options)
  st.equal(r.code, code, `${argv.join(' ')} exits ${code}: ${r.err}`)
  st.match(r.err, pattern, `${argv.slice(0, 3).join(' ')}: ${r.err.trim()}`)
  st.equal(r.err.trim().split('\n').length, 1, 'one line')
  st.notMatch(r.err, /\n\s+at /, 'no stack trace')
}

const keystore = (name: string): string[] => ['--keystore', `${name}.json`, '--deployment', 'deployment.json']
const contributor = hexlify(randomBytes(20))
const rewards = hexlify(randomBytes(20))

t.test('keystore import and new: encrypted, never a key on the command line', async (st) => {
  for (const [name, wallet] of [['deployer', deployer], ['alice', alice], ['bob', bob], ['carol', carol]] as const) {
    await writeFile(join(dir, `${name}.key`), wallet.privateKey, { mode: 0o600 })
    const r = await run(['keystore', 'import', `${name}.json`, '--key-file', `${name}.key`, '--scrypt-n', '1024'])
    st.equal(r.code, 0, r.err)
    st.match(r.out, wallet.address)
    await rm(join(dir, `${name}.key`))
  }
  const fresh = await run(['keystore', 'new', 'fresh.json', '--scrypt-n', '1024', '--json'])
  st.equal(fresh.code, 0, fresh.err)
  const { address } = JSON.parse(fresh.out) as { address: string }
  const shown = await run(['keystore', 'address', 'fresh.json'])
  st.equal(shown.out.trim().toLowerCase(), address.toLowerCase())
  const stored = JSON.parse(await readFile(join(dir, 'fresh.json'), 'utf8')) as { Crypto: { kdf: string, kdfparams: { n: number } } }
  st.equal(stored.Crypto.kdf, 'scrypt')
  st.equal(stored.Crypto.kdfparams.n, 1024)
  await fails(st, ['keystore', 'new', 'fresh.json', '--scrypt-n', '1024'], 1, /exists: refusing to overwrite/)
  await fails(st, ['keystore', 'import', 'x.json'], 1, /--key-file FILE or a terminal prompt, never from the command line/)
  await fails(st, ['keystore', 'new', 'y.json'], 1, /no passphrase: set VIRUSMAP_KEYSTORE_PASSWORD/, { env: {} })
})

t.test('deploy: a plan distributes the whole supply; bad plans are refused', async (st) => {
  const plan = {
    supply: '1000000',
    governance: { votingDelayBlocks: 2, votingPeriodBlocks: 10, proposalThreshold: '1000', quorumPercent: 4, timelockDelaySeconds: 3600 },
    treasury: '600000',
    rewardsPool: { address: rewards, amount: '150000' },
    holders: [{ address: alice.address, amount: '100000' }, { address: bob.address, amount: '50000' }],
    contributors: [{ beneficiary: contributor, amount: '100000', start: '2027-01-01T00:00:00Z', durationDays: 365 }]
  }
  await writeFile(join(dir, 'plan.json'), JSON.stringify(plan))
  await writeFile(join(dir, 'short.json'), JSON.stringify({ ...plan, treasury: '500000' }))
  await fails(st, ['deploy', '--rpc', anvil.rpcUrl, '--keystore', 'deployer.json', '--plan', 'short.json'], 1,
    /bad plan: treasury \+ rewardsPool \+ holders \+ contributors = 900000\.0 VMT, but supply is 1000000\.0 VMT/)
  await fails(st, ['deploy', '--rpc', anvil.rpcUrl, '--keystore', 'deployer.json', '--plan', 'plan.json', '--chain-id', '1'], 1, /wrong chain: .* serves chain id 31337, expected 1/)
  await fails(st, ['deploy', '--rpc', anvil.rpcUrl, '--keystore', 'deployer.json', '--plan', 'plan.json'], 1, /wrong passphrase/, { env: { VIRUSMAP_KEYSTORE_PASSWORD: 'nope' } })

  const r = await run(['deploy', '--rpc', anvil.rpcUrl, '--keystore', 'deployer.json', '--plan', 'plan.json'])
  st.equal(r.code, 0, r.err)
  st.match(r.out, /deployed on chain 31337/)
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as {
    chainId: number, rpcUrl: string, contracts: Record<string, Hex>, vesting: Array<{ wallet: Hex, beneficiary: Hex, amount: string }>
  }
  st.equal(deployment.chainId, anvil.chainId)
  st.equal(deployment.rpcUrl, anvil.rpcUrl)
  const vmt = new Contract(deployment.contracts.vmt!, vmtArtifact.abi, provider)
  const balance = async (a: string): Promise<string> => formatEther(await vmt.getFunction('balanceOf')(a) as bigint)
  st.equal(await balance(deployment.contracts.timelock!), '600000.0', 'treasury in the timelock')
  st.equal(await balance(rewards), '150000.0')
  st.equal(await balance(alice.address), '100000.0')
  st.equal(deployment.vesting.length, 1)
  st.equal(deployment.vesting[0]?.beneficiary, contributor.toLowerCase())
  st.equal(await balance(deployment.vesting[0]!.wallet), '100000.0', 'contributor tokens in a VestingWallet')
  st.equal(await balance(deployer.address), '0.0', 'the deployer keeps nothing')
  await fails(st, ['deploy', '--rpc', anvil.rpcUrl, '--keystore', 'deployer.json', '--plan', 'plan.json'], 1, /exists: pass --force/)
})

t.test('gov: an election from the command line', async (st) => {
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as { contracts: Record<string, Hex> }
  const registry = new Contract(deployment.contracts.registry!, registryArtifact.abi, provider)
  await registerCandidate({ registry: deployment.contracts.registry!, operator: op1, peerId: '12D3KooWCliPeer', x25519Key: hexlify(randomBytes(32)) as Hex, metadataURI: 'virusmap:engines=YARA' })

  for (const who of ['alice', 'bob']) {
    const r = await run(['gov', 'delegate', ...keystore(who)])
    st.equal(r.code, 0, r.err)
    st.match(r.out, /delegated the votes of 0x[0-9a-fA-F]{40} to 0x/)
  }
  await fails(st, ['gov', 'propose', 'admit', '0x1234', ...keystore('alice')], 1, /an operator must be a 0x address/)
  await fails(st, ['gov', 'propose', 'admit', carol.address, ...keystore('alice')], 1, /has not registered as a candidate/)
  await fails(st, ['gov', 'propose', 'admit', op1.address, ...keystore('carol')], 1, /has 0 votes, the proposal threshold is/)
  await fails(st, ['gov', 'propose', 'admit', op1.address, ...keystore('alice'), '--chain-id', '5'], 1, /wrong chain: --chain-id 5/)
  await fails(st, ['gov', 'propose', 'admit', op1.address, '--keystore', 'alice.json', '--deployment', 'deployment.json', '--rpc', 'http://127.0.0.1:1'], 4, /cannot get the chain id from http:\/\/127\.0\.0\.1:1/)

  const proposed = await run(['gov', 'propose', 'admit', op1.address, ...keystore('alice'), '--json'])
  st.equal(proposed.code, 0, proposed.err)
  const id = (JSON.parse(proposed.out) as { proposalId: string }).proposalId
  st.match(id, /^\d+$/)

  const pending = await run(['gov', 'proposal', id, '--deployment', 'deployment.json'])
  st.equal(pending.code, 0, pending.err)
  st.match(pending.out, /state:\s+Pending/)
  st.match(pending.out, `registry.admit(${op1.address})`)
  st.match(pending.out, `#proposer=${alice.address.toLowerCase()}`)
  await fails(st, ['gov', 'vote', id, 'for', ...keystore('alice')], 1, /is Pending, votes are taken only while it is Active/)

  // bob signs a ballot offline (no RPC needed with --nonce) before voting opens
  const signed = await run(['gov', 'vote', id, 'against', '--sign-only', '--nonce', '0', '--reason', 'too soon', '--out', 'bob-ballot.json', ...keystore('bob'), '--rpc', 'http://127.0.0.1:1'])
  st.equal(signed.code, 0, signed.err)

  await mineBlocks(provider, 3)
  const voted = await run(['gov', 'vote', id, 'for', '--reason', 'runs YARA, good uptime', ...keystore('alice')])
  st.equal(voted.code, 0, voted.err)
  st.match(voted.out, /voted for on \d+ with 100000 VMT/)
  await fails(st, ['gov', 'vote', id, 'maybe', ...keystore('alice')], 1, /vote must be for, against or abstain/)
  await fails(st, ['gov', 'vote', id, 'for', ...keystore('carol')], 1, /had no voting power at the proposal's snapshot block/)
  await fails(st, ['gov', 'vote', id, 'for', ...keystore('alice')], 1, /vote reverted: GovernorAlreadyCastVote/)

  // carol has no votes but pays the gas for bob's signed ballot
  const submitted = await run(['gov', 'vote', '--ballot', 'bob-ballot.json', ...keystore('carol')])
  st.equal(submitted.code, 0, submitted.err)
  st.match(submitted.out, new RegExp(`submitted ${bob.address}'s vote against on ${id} with 50000 VMT`))
  await fails(st, ['gov', 'vote', '--ballot', 'bob-ballot.json', ...keystore('carol')], 1, /nonce 0 is stale/)

  const active = JSON.parse((await run(['gov', 'proposal', id, '--deployment', 'deployment.json', '--json'])).out) as { state: string, votes: Record<string, string>, quorum: string }
  st.equal(active.state, 'Active')
  st.same(active.votes, { against: parseEther('50000').toString(), for: parseEther('100000').toString(), abstain: '0' })
  st.equal(active.quorum, parseEther('40000').toString(), '4% of 1M VMT')

  await fails(st, ['gov', 'queue', id, ...keystore('carol')], 1, /cannot queue proposal \d+: it is Active, queue needs Succeeded/)
  await mineBlocks(provider, 10)
  const queued = await run(['gov', 'queue', id, ...keystore('carol')])
  st.equal(queued.code, 0, queued.err)
  st.match(queued.out, /queued \d+ at block \d+; executable from 20\d\d-/)
  await fails(st, ['gov', 'execute', id, ...keystore('carol')], 1, /cannot execute proposal \d+ yet: the timelock delay ends at/)
  await increaseTime(provider, 3601)
  const executed = await run(['gov', 'execute', id, ...keystore('carol')])
  st.equal(executed.code, 0, executed.err)
  st.equal(await registry.getFunction('isMember')(op1.address), true)

  const members = await run(['gov', 'members', '--deployment', 'deployment.json'])
  st.match(members.out, new RegExp(`${op1.address}\\s+12D3KooWCliPeer\\s+block \\d+\\s+no term\\s+virusmap:engines=YARA`))
  const list = await run(['gov', 'proposals', '--deployment', 'deployment.json'])
  st.match(list.out, /ID\s+STATE\s+FOR\s+AGAINST\s+ABSTAIN\s+DEADLINE\s+DESCRIPTION/)
  st.match(list.out, /Executed\s+100000 VMT\s+50000 VMT\s+0 VMT\s+\d+\s+Admit supernode 0x/)
})

t.test('gov: a set-engines proposal declares a member\'s engines; members shows them', async (st) => {
  for (const bad of [['set-engines', op1.address, 'ClamAV,,YARA'], ['set-engines', op1.address], ['set-engines', carol.address, 'YARA']]) {
    st.equal((await run(['gov', 'propose', ...bad, ...keystore('alice')])).code, 1, `${bad.join(' ')} is refused before proposing`)
  }
  const made = await run(['gov', 'propose', 'set-engines', op1.address, 'ClamAV,YARA', ...keystore('alice'), '--json'])
  st.equal(made.code, 0, made.err)
  const id = (JSON.parse(made.out) as { proposalId: string }).proposalId
  const shown = JSON.parse((await run(['gov', 'proposal', id, '--deployment', 'deployment.json', '--json'])).out) as { actions: Array<{ call: string }> }
  st.same(shown.actions.map((a) => a.call), [`registry.setEngines(${op1.address}, ClamAV,YARA)`])
  await mineBlocks(provider, 3)
  for (const who of ['alice', 'bob']) st.equal((await run(['gov', 'vote', id, 'for', ...keystore(who)])).code, 0)
  await mineBlocks(provider, 11)
  st.equal((await run(['gov', 'queue', id, ...keystore('carol')])).code, 0)
  await increaseTime(provider, 3601)
  st.equal((await run(['gov', 'execute', id, ...keystore('carol')])).code, 0)
  const members = JSON.parse((await run(['gov', 'members', '--deployment', 'deployment.json', '--json'])).out) as Array<{ operator: string, engines: string[] }>
  st.same(members.map((m) => [m.operator, m.engines]), [[op1.address, ['ClamAV', 'YARA']]])
  st.match((await run(['gov', 'members', '--deployment', 'deployment.json'])).out, /\sClamAV,YARA\n/)
})

t.test('gov: cancel while pending, raw calls, unknown proposals', async (st) => {
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as { contracts: Record<string, Hex> }
  const vmt = new Contract(deployment.contracts.vmt!, vmtArtifact.abi, provider)
  const calldata = vmt.interface.encodeFunctionData('transfer', [carol.address, parseEther('10')])
  const made = await run(['gov', 'propose', 'call', '--target', deployment.contracts.vmt!, '--calldata', calldata, '--description', 'Pay carol 10 VMT from the treasury', ...keystore('alice'), '--json'])
  st.equal(made.code, 0, made.err)
  const id = (JSON.parse(made.out) as { proposalId: string }).proposalId
  await fails(st, ['gov', 'cancel', id, ...keystore('bob')], 1, /cancel reverted: GovernorUnableToCancel|GovernorOnlyProposer/)
  const canceled = await run(['gov', 'cancel', id, ...keystore('alice')])
  st.equal(canceled.code, 0, canceled.err)
  const s = JSON.parse((await run(['gov', 'proposal', id, '--deployment', 'deployment.json', '--json'])).out) as { state: string, actions: Array<{ target: string }> }
  st.equal(s.state, 'Canceled')
  st.equal(s.actions[0]?.target.toLowerCase(), deployment.contracts.vmt)

  await fails(st, ['gov', 'proposal', '123456789', '--deployment', 'deployment.json'], 2, /^virusmap: unknown proposal 123456789$/m)
  await fails(st, ['gov', 'execute', 'zzz', ...keystore('alice')], 2, /not a proposal id/)
  await fails(st, ['gov', 'frobnicate', '--deployment', 'deployment.json'], 1, /unknown gov subcommand "frobnicate"/)
  await fails(st, ['gov', 'proposals', '--deployment', 'nope.json'], 1, /cannot read deployment file .*nope\.json: ENOENT/)
  await fails(st, ['gov', 'delegate', ...keystore('alice')], 1, /wrong passphrase/, { env: { VIRUSMAP_KEYSTORE_PASSWORD: 'wrong' } })
  await fails(st, ['gov', 'delegate', 'not-an-address', ...keystore('alice')], 1, /the delegatee must be a 0x address/)

  // A deployment file for another chain than the RPC serves.
  const file = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(dir, 'mainnet.json'), JSON.stringify({ ...file, chainId: 1 }))
  await fails(st, ['gov', 'members', '--deployment', 'mainnet.json'], 1, /wrong chain: http:\/\/127\.0\.0\.1:\d+ serves chain id 31337, expected 1/)
  // Without --deployment, the devnet file in the working directory.
  await mkdir(join(dir, '.devnet'), { recursive: true })
  await writeFile(join(dir, '.devnet', 'devnet.json'), JSON.stringify({ ...file, nodes: [] }))
  const members = await run(['gov', 'members', '--json'])
  st.equal(members.code, 0, members.err)
  st.equal((JSON.parse(members.out) as unknown[]).length, 1)
})

t.test('gov: set-param and fund proposals change the network parameters and pay from the treasury', async (st) => {
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as { contracts: Record<string, Hex> }
  const vmt = new Contract(deployment.contracts.vmt!, vmtArtifact.abi, provider)
  const before = JSON.parse((await run(['gov', 'params', '--deployment', 'deployment.json', '--json'])).out) as Record<string, string>
  st.same(before, { termBlocks: '0', maxMembers: '0', unbondingBlocks: '50400', candidateBond: '0', commitWindowMs: '5000', revealWindowMs: '10000', maxSampleBytes: String(650 * 1024 * 1024), quorumFaultDivisor: '3', epochBlocks: '7200', rewardBudgetPerEpoch: '0', ...Object.fromEntries(Object.entries(rewardNetworkParameters()).map(([k, v]) => [k, v.toString()])) })
  await fails(st, ['gov', 'propose', 'fund', carol.address, '9999999', ...keystore('alice')], 1, /the treasury \(timelock\) holds 600000 VMT, less than 9999999 VMT/)
  await fails(st, ['gov', 'propose', 'set-param', 'commitWindowMs', 'soon', ...keystore('alice')], 1, /set-param NAME VALUE/)

  const ids: string[] = []
  for (const argv of [['set-param', 'commitWindowMs', '7000'], ['set-param', 'termBlocks', '50400'], ['fund', carol.address, '2500'], ['set-param', 'candidateBond', '1000']]) {
    const r = await run(['gov', 'propose', ...argv, ...keystore('alice'), '--json'])
    st.equal(r.code, 0, r.err)
    ids.push((JSON.parse(r.out) as { proposalId: string }).proposalId)
  }
  const shown = await run(['gov', 'proposal', ids[0]!, '--deployment', 'deployment.json'])
  st.match(shown.out, 'parameters.set(commitWindowMs, 7000)')
  st.match((await run(['gov', 'proposal', ids[2]!, '--deployment', 'deployment.json'])).out, `VMT.transfer(${carol.address}, 2500000000000000000000)`)
  await mineBlocks(provider, 3)
  for (const pid of ids) for (const who of ['alice', 'bob']) st.equal((await run(['gov', 'vote', pid, 'for', ...keystore(who)])).code, 0)
  await mineBlocks(provider, 11)
  for (const pid of ids) st.equal((await run(['gov', 'queue', pid, ...keystore('carol')])).code, 0)
  await increaseTime(provider, 3601)
  for (const pid of ids) {
    const r = await run(['gov', 'execute', pid, ...keystore('carol')])
    st.equal(r.code, 0, r.err)
  }
  const after = JSON.parse((await run(['gov', 'params', '--deployment', 'deployment.json', '--json'])).out) as Record<string, string>
  st.equal(after.commitWindowMs, '7000')
  st.equal(after.termBlocks, '50400')
  st.equal(after.candidateBond, parseEther('1000').toString())
  st.equal(formatEther(await vmt.getFunction('balanceOf')(carol.address) as bigint), '2500.0')
  const human = await run(['gov', 'params', '--deployment', 'deployment.json'])
  st.match(human.out, /commitWindowMs\s+7000/)
})

t.test('gov: vendor and price proposals approve a vendor and price a sample on the DataMarket', async (st) => {
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as { contracts: Record<string, Hex> }
  const market = new Contract(deployment.contracts.market!, marketArtifact.abi, provider)
  await fails(st, ['gov', 'propose', 'vendor', ...keystore('alice')], 1, /needs at least one vendor address/)
  await fails(st, ['gov', 'propose', 'vendor', '0x1234', ...keystore('alice')], 1, /a vendor must be a 0x address/)
  await fails(st, ['gov', 'propose', 'price', 'Sample', '10', ...keystore('alice')], 1, /a product name of 1-31 lowercase/)
  await fails(st, ['gov', 'propose', 'price', 'x'.repeat(40), '10', ...keystore('alice')], 1, /a product name/)
  await fails(st, ['gov', 'propose', 'price', 'sample', '1e3', ...keystore('alice')], 1, /VMT, e\.g\. 10 or 0\.5/)
  await fails(st, ['gov', 'propose', 'price', 'sample', ...keystore('alice'), '--', '-1'], 1, /VMT, e\.g\./)
  await fails(st, ['gov', 'propose', 'price', 'sample', '10', 'extra', ...keystore('alice')], 1, /a product name/)
  const { market: _, ...withoutMarket } = deployment.contracts
  await writeFile(join(dir, 'old-deployment.json'), JSON.stringify({ ...deployment, contracts: withoutMarket }))
  await fails(st, ['gov', 'propose', 'vendor', carol.address, '--keystore', 'alice.json', '--deployment', 'old-deployment.json'], 1, /names no DataMarket/)

  const ids: string[] = []
  for (const argv of [['vendor', carol.address], ['price', 'sample', '10']]) {
    const r = await run(['gov', 'propose', ...argv, ...keystore('alice'), '--json'])
    st.equal(r.code, 0, r.err)
    ids.push((JSON.parse(r.out) as { proposalId: string }).proposalId)
  }
  st.match((await run(['gov', 'proposal', ids[0]!, '--deployment', 'deployment.json'])).out, `market.setVendor(${carol.address}, true)`)
  st.match((await run(['gov', 'proposal', ids[1]!, '--deployment', 'deployment.json'])).out, 'market.setPrice(sample, 10000000000000000000)')
  await mineBlocks(provider, 3)
  for (const pid of ids) for (const who of ['alice', 'bob']) st.equal((await run(['gov', 'vote', pid, 'for', ...keystore(who)])).code, 0)
  await mineBlocks(provider, 11)
  for (const pid of ids) st.equal((await run(['gov', 'queue', pid, ...keystore('carol')])).code, 0)
  await increaseTime(provider, 3601)
  for (const pid of ids) st.equal((await run(['gov', 'execute', pid, ...keystore('carol')])).code, 0)
  st.equal(await market.getFunction('isVendor')(carol.address), true, 'approved by the Timelock')
  st.equal(await market.getFunction('priceOf')(encodeBytes32String('sample')), parseEther('10'))
})

t.test('gov apply, withdraw-bond and resign act as the supernode, paying the bond governance set', async (st) => {
  // The previous test set a 1000 VMT candidate bond.
  const nodeDir = join(dir, 'node-a')
  const keys = await loadOrCreateNodeKeys(nodeDir)
  const operator = keys.operator.address
  await fails(st, ['gov', 'apply', '--data-dir', 'nowhere', '--deployment', 'deployment.json'], 1, /no supernode keys at .*nowhere/)
  await fails(st, ['gov', 'apply', '--data-dir', 'node-a', '--deployment', 'deployment.json'], 1, new RegExp(`the operator ${operator} has no ETH`))
  await setBalance(provider, operator, parseEther('1'))
  await fails(st, ['gov', 'apply', '--data-dir', 'node-a', '--deployment', 'deployment.json'], 1, /the candidate bond is 1000 VMT: the operator 0x[0-9a-fA-F]{40} holds 0 VMT/)
  const deployment = JSON.parse(await readFile(join(dir, 'deployment.json'), 'utf8')) as { contracts: Record<string, Hex> }
  const vmt = new Contract(deployment.contracts.vmt!, vmtArtifact.abi, alice)
  await (await vmt.getFunction('transfer')(operator, parseEther('1000'))).wait()

  const applied = await run(['gov', 'apply', '--data-dir', 'node-a', '--metadata', 'virusmap:engines=YARA,ClamAV', '--deployment', 'deployment.json'])
  st.equal(applied.code, 0, applied.err)
  st.match(applied.out, /applied as a candidate at block \d+ \(peer 12D3KooW\w+, bond 1000 VMT paid\)/)
  const registry = new Contract(deployment.contracts.registry!, registryArtifact.abi, provider)
  const [, x25519Key, metadataURI] = await registry.getFunction('candidate')(operator) as [string, string, string]
  st.equal(x25519Key, keys.x25519PublicKey)
  st.equal(metadataURI, 'virusmap:engines=YARA,ClamAV')
  st.equal(await registry.getFunction('bondOf')(operator), parseEther('1000'))

  await fails(st, ['gov', 'resign', '--data-dir', 'node-a', '--deployment', 'deployment.json'], 1, /resign reverted: SupernodeRegistryNotMember/)
  const withdrawn = await run(['gov', 'withdraw-bond', '--data-dir', 'node-a', '--deployment', 'deployment.json'])
  st.equal(withdrawn.code, 0, withdrawn.err)
  st.equal(formatEther(await vmt.getFunction('balanceOf')(operator) as bigint), '1000.0', 'bond back')
})
