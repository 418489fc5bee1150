// An existing deployment from before issue 16's defaults (no submission deposit, a 10 VMT fee) brought to them by
// governance from the command line, as SPEC 17 says: `gov propose reward-defaults rewardSubmissionDeposit
// rewardSubmissionFee`, voted, queued and executed; the members' reading of the chain then gives the defaults.
// Bad and hostile keys are refused with one line before anything is sent.
import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Contract, HDNodeWallet, Mnemonic, decodeBytes32String, parseEther } from 'ethers'
import { increaseTime, mineBlocks } from '#governance/anvil-time.ts'
import { deployVirusMap } from '#governance/index.ts'
import { parametersArtifact } from '#governance/artifacts.ts'
import { DEFAULT_REWARD_PARAMS, REWARD_PARAMETER_KEYS, rewardParamsFrom } from '#protocol/rewards/index.ts'
import { runIn } from '../fixtures/run-cli.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const { anvil, provider } = await startTestChain(t)
const dir = await mkdtemp(join(tmpdir(), 'virusmap-reward-defaults-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
const deployer = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase('test test test test test test test test test test test junk'), 'm/44\'/60\'/0\'/0/0').connect(provider)
const { DEPOSIT, FEE } = { DEPOSIT: REWARD_PARAMETER_KEYS.submissionDeposit, FEE: REWARD_PARAMETER_KEYS.submissionFee }
const { contracts, deployBlock, chainId } = await deployVirusMap({
  deployer,
  plan: {
    tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 5, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 60,
    parameters: { [DEPOSIT]: 0n, [FEE]: parseEther('10') }
  }
})
await writeFile(join(dir, 'deployment.json'), JSON.stringify({ chainId, rpcUrl: anvil.rpcUrl, deployBlock, contracts }))
await writeFile(join(dir, 'deployer.key'), deployer.privateKey, { mode: 0o600 })
const env = { VIRUSMAP_KEYSTORE_PASSWORD: 'correct horse battery staple' }
const run = async (argv: string[]): Promise<{ code: number, out: string, err: string }> => await runIn(argv, dir, { env })
const as = ['--keystore', 'deployer.json', '--deployment', 'deployment.json']
const parameters = new Contract(contracts.parameters as string, parametersArtifact.abi, provider)
/** the reward parameters the members read at the latest block */
const governed = async (): Promise<{ deposit: bigint | undefined, fee: bigint }> => {
  const values = new Map<string, bigint>()
  for (const key of await parameters.getFunction('keys')() as string[]) values.set(decodeBytes32String(key), await parameters.getFunction('get')(key) as bigint)
  const { params } = rewardParamsFrom((k) => values.get(k))
  return { deposit: params.submissionDeposit, fee: params.submissionFee }
}
t.equal((await run(['keystore', 'import', 'deployer.json', '--key-file', 'deployer.key', '--scrypt-n', '1024'])).code, 0)

async function fails (tt: Test, argv: string[], pattern: RegExp): Promise<void> {
  const r = await run(['gov', 'propose', 'reward-defaults', ...argv, ...as])
  tt.not(r.code, 0, `${argv.join(' ').slice(0, 60)} fails`)
  tt.match(r.err, pattern)
  tt.equal(r.err.trim().split('\n').length, 1, 'one line')
  tt.notMatch(r.err, /\n\s+at /, 'no stack trace')
}

t.test('bad and hostile keys are refused, nothing proposed', async (tt) => {
  const before = await provider.getTransactionCount(deployer.address)
  await fails(tt, [], /name at least one governed reward parameter: .*rewardSubmissionDeposit/)
  await fails(tt, ['rewardBudgetPerEpoch'], /not a governed reward parameter with a default/)
  await fails(tt, ['commitWindowMs'], /not a governed reward parameter/)
  await fails(tt, ['__proto__'], /"__proto__" is not a governed reward parameter/)
  await fails(tt, ['constructor'], /not a governed reward parameter/)
  await fails(tt, [DEPOSIT, DEPOSIT], /rewardSubmissionDeposit is named twice/)
  await fails(tt, [`${DEPOSIT}\u001b[2J`], /not a governed reward parameter/)
  await fails(tt, ['x'.repeat(100_000)], /"x{40}" is not/)
  tt.equal(await provider.getTransactionCount(deployer.address), before, 'no transaction sent')
})

t.test('the proposal sets the deposit and the fee to the defaults; the members read them from its block on', async (tt) => {
  tt.same(await governed(), { deposit: 0n, fee: parseEther('10') }, 'the old deployment: no deposit, a 10 VMT fee')
  tt.equal((await run(['gov', 'delegate', ...as])).code, 0)
  const proposed = await run(['gov', 'propose', 'reward-defaults', DEPOSIT, FEE, ...as, '--json'])
  tt.equal(proposed.code, 0, proposed.err)
  const id = (JSON.parse(proposed.out) as { proposalId: string }).proposalId
  const shown = await run(['gov', 'proposal', id, '--deployment', 'deployment.json'])
  tt.match(shown.out, `parameters.set(${DEPOSIT}, ${DEFAULT_REWARD_PARAMS.submissionDeposit})`)
  tt.match(shown.out, `parameters.set(${FEE}, ${DEFAULT_REWARD_PARAMS.submissionFee})`)
  tt.match(shown.out, 'the protocol\'s defaults (SPEC 17)')
  await mineBlocks(provider, 2)
  tt.equal((await run(['gov', 'vote', id, 'for', ...as])).code, 0)
  await mineBlocks(provider, 6)
  tt.equal((await run(['gov', 'queue', id, ...as])).code, 0)
  await increaseTime(provider, 61)
  const executed = await run(['gov', 'execute', id, ...as])
  tt.equal(executed.code, 0, executed.err)
  tt.same(await governed(), { deposit: DEFAULT_REWARD_PARAMS.submissionDeposit, fee: DEFAULT_REWARD_PARAMS.submissionFee }, 'the defaults in force')
  const deposit = await run(['deposit', ...as.slice(0, 2), '--deployment', 'deployment.json'])
  tt.match(deposit.out, /a signed report needs 8\.0 VMT/, 'and virusmap deposit says so')
})
