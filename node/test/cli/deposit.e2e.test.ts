// `virusmap deposit` on anvil with the deployment `deployVirusMap` makes (SPEC 17 rule 0): shows a wallet's
// submission deposit and what a report needs, locks VMT for the wallet or another address, asks some back;
// malformed, hostile and impossible requests exit with one line and send nothing.
import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contract, ContractFactory, HDNodeWallet, Mnemonic, encodeBytes32String, hexlify, parseEther, randomBytes } from 'ethers'
import { setBalance } from '#governance/anvil-time.ts'
import { runCli } from '../../src/cli/run.ts'
import { deployVirusMap } from '#governance/index.ts'
import { depositsArtifact, parametersArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const mined = async (p: Promise<unknown>): Promise<void> => { await (await p as { wait(): Promise<unknown> }).wait() }

const { anvil, provider } = await startTestChain(t)
const dir = await mkdtemp(join(tmpdir(), 'virusmap-deposit-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
const mnemonic = Mnemonic.fromPhrase('test test test test test test test test test test test junk')
const [deployer, submitter] = [0, 1].map((i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).connect(provider)) as [HDNodeWallet, HDNodeWallet]
const { contracts, deployBlock, chainId } = await deployVirusMap({
  deployer,
  plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 10, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 3600 }
})
await writeFile(join(dir, 'deployment.json'), JSON.stringify({ chainId, rpcUrl: anvil.rpcUrl, deployBlock, contracts }))
const { deposits: _deposits, ...older } = contracts
await writeFile(join(dir, 'older.json'), JSON.stringify({ chainId, rpcUrl: anvil.rpcUrl, deployBlock, contracts: older }))
const PASS = 'correct horse battery staple'
await writeFile(join(dir, 'submitter.key'), submitter.privateKey, { mode: 0o600 })
const me = submitter.address.toLowerCase()
const other = hexlify(randomBytes(20)).toLowerCase()

async function run (argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS }, cwd: dir })
  return { code, out, err }
}
const common = ['--deployment', 'deployment.json', '--keystore', 'submitter.json']
const json = async (argv: string[]): Promise<Record<string, string>> => {
  const r = await run([...argv, '--json'])
  if (r.code !== 0) throw new Error(r.err)
  return JSON.parse(r.out) as Record<string, string>
}
async function fails (tt: Test, argv: string[], pattern: RegExp): Promise<void> {
  const r = await run(argv)
  tt.not(r.code, 0, `${argv.join(' ').slice(0, 80)} fails: ${r.err}`)
  tt.match(r.err, pattern)
  tt.equal(r.err.trim().split('\n').length, 1, 'one line')
  tt.notMatch(r.err, /\n\s+at /, 'no stack trace')
}
t.equal((await run(['keystore', 'import', 'submitter.json', '--key-file', 'submitter.key', '--scrypt-n', '1024'])).code, 0)

t.test('shows, locks, locks for another address, asks back', async (tt) => {
  const shown = await run(['deposit', ...common])
  tt.equal(shown.code, 0, shown.err)
  tt.match(shown.out, `${me}: 0.0 VMT locked (0.0 deposited, 0.0 asked back); a signed report needs 8.0 VMT\n`, 'the deploy-time rewardSubmissionDeposit, the protocol\'s default')
  await fails(tt, ['deposit', ...common, '--amount', '8'], /holds 0\.0 VMT, less than --amount 8\.0/)
  await mined((new Contract(contracts.vmt, vmtArtifact.abi, deployer)).getFunction('transfer')(me, parseEther('20')))
  const { tx, ...locked } = await json(['deposit', ...common, '--amount', '8'])
  tt.same(locked, { account: me, deposited: parseEther('8').toString(), withdrawalsRequested: '0', locked: parseEther('8').toString(), perReport: parseEther('8').toString() })
  tt.match(tx, /^0x[0-9a-f]{64}$/)
  const forOther = await json(['deposit', ...common, '--amount', '0.5', '--for', other])
  tt.equal(forOther.account, other)
  tt.equal(forOther.locked, parseEther('0.5').toString())
  const deposits = new Contract(contracts.deposits as string, depositsArtifact.abi, provider)
  tt.same(await deposits.getFunction('totals')(me), [parseEther('8'), 0n], 'the chain agrees')
  const back = await json(['deposit', ...common, '--withdraw', '3'])
  tt.equal(back.locked, parseEther('5').toString())
  tt.equal(back.withdrawalsRequested, parseEther('3').toString())
  await fails(tt, ['deposit', ...common, '--withdraw', '5.5'], /can ask back at most 5\.0 VMT/)
})

t.test('what a report needs is the governed rewardSubmissionDeposit', async (tt) => {
  await provider.send('anvil_impersonateAccount', [contracts.timelock])
  await setBalance(provider, contracts.timelock, parseEther('1'))
  const parameters = new Contract(contracts.parameters as string, parametersArtifact.abi, await provider.getSigner(contracts.timelock))
  await mined(parameters.getFunction('set')(encodeBytes32String('rewardSubmissionDeposit'), parseEther('12')))
  await provider.send('anvil_stopImpersonatingAccount', [contracts.timelock])
  const shown = await run(['deposit', ...common])
  tt.match(shown.out, `${me}: 5.0 VMT locked (8.0 deposited, 3.0 asked back); a signed report needs 12.0 VMT\n`)
  // a NetworkParameters that never set the key: the members read the protocol's default, and so does the CLI
  const bare = await new ContractFactory(parametersArtifact.abi, parametersArtifact.bytecode, deployer).deploy(deployer.address, [], [])
  await bare.waitForDeployment()
  await writeFile(join(dir, 'unset.json'), JSON.stringify({ chainId, rpcUrl: anvil.rpcUrl, deployBlock, contracts: { ...contracts, parameters: await bare.getAddress() } }))
  const unset = await run(['deposit', '--deployment', 'unset.json', '--keystore', 'submitter.json'])
  tt.match(unset.out, /a signed report needs 8\.0 VMT\n/)
})

t.test('malformed and hostile requests exit with one line', async (tt) => {
  await fails(tt, ['deposit', ...common, '--amount', 'abc'], /--amount must be an amount of VMT/)
  await fails(tt, ['deposit', ...common, '--amount=-1'], /more than 0 VMT/)
  await fails(tt, ['deposit', ...common, '--amount', '0'], /more than 0 VMT/)
  await fails(tt, ['deposit', ...common, '--amount', '1e400'], /--amount must be an amount of VMT/)
  await fails(tt, ['deposit', ...common, '--amount', '1\u001b[2J'], /--amount must be an amount of VMT/)
  await fails(tt, ['deposit', ...common, '--amount', '1', '--withdraw', '1'], /not both/)
  await fails(tt, ['deposit', ...common, '--amount', '1', '--for', 'not-an-address'], /--for takes an address/)
  await fails(tt, ['deposit', ...common, '--for', other], /--for takes an address, with --amount/)
  await fails(tt, ['deposit', ...common, 'extra'], /unexpected arguments/)
  await fails(tt, ['deposit', '--deployment', 'deployment.json'], /pass --keystore/)
  await fails(tt, ['deposit', '--deployment', 'older.json', '--keystore', 'submitter.json'], /names no SubmissionDeposits/)
})
