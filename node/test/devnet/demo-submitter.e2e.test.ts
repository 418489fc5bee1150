// The devnet's demo submitter on anvil with the deployment deployVirusMap makes (deposit on by default): created
// once, funded with ETH and VMT, deposits for 25 signed reports locked at the first start and 25 more at each
// restart (what earlier reports used is not in SubmissionDeposits); a damaged keystore fails the start by code.
import t from 'tap'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Contract, HDNodeWallet, Mnemonic, parseEther } from 'ethers'
import { decryptKeystore, deployVirusMap } from '#governance/index.ts'
import { depositsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { DEMO_SUBMITTER_REPORTS, DEMO_SUBMITTER_SPARE_VMT, ensureDemoSubmitter } from '../../src/devnet/demo-submitter.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const { anvil, provider } = await startTestChain(t)
const deployer = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase('test test test test test test test test test test test junk'), 'm/44\'/60\'/0\'/0/0').connect(provider)
const deployed = await deployVirusMap({ deployer, plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 5, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 60 } })
const deployment = { ...deployed, rpcUrl: anvil.rpcUrl }
const deposits = new Contract(deployment.contracts.deposits as string, depositsArtifact.abi, provider)
const vmt = new Contract(deployment.contracts.vmt, vmtArtifact.abi, provider)
const perStart = DEMO_SUBMITTER_REPORTS * (DEFAULT_REWARD_PARAMS.submissionDeposit ?? 0n)

t.test('created once and funded; each start locks deposits for 25 more reports', async (tt) => {
  const dir = tt.testdir()
  const first = await ensureDemoSubmitter(dir, deployment, provider, deployer)
  tt.ok(first !== undefined)
  tt.equal(first?.keystore, join(dir, 'submitter-keystore.json'))
  tt.equal((await stat(join(dir, 'submitter-keystore.json'))).mode & 0o777, 0o600, 'the keystore is the owner\'s only')
  const wallet = await decryptKeystore(await readFile(first?.keystore as string, 'utf8'), first?.passphrase as string)
  tt.equal(wallet.address.toLowerCase(), first?.address)
  tt.ok(perStart > 0n, 'the default deposit is on')
  tt.same(await deposits.getFunction('totals')(wallet.address), [perStart, 0n], '25 reports\' deposits locked')
  tt.equal(await vmt.getFunction('balanceOf')(wallet.address), DEMO_SUBMITTER_SPARE_VMT, 'and VMT to lock a newcomer\'s deposit')
  const eth = await provider.getBalance(wallet.address)
  tt.ok(eth > parseEther('99') && eth < parseEther('100'), 'ETH for gas (100, less the deposit\'s two transactions)')
  const again = await ensureDemoSubmitter(dir, deployment, provider, deployer)
  tt.same(again, first, 'a restart keeps the keystore')
  tt.same(await deposits.getFunction('totals')(wallet.address), [2n * perStart, 0n], '25 more at the restart')
  tt.equal(await vmt.getFunction('balanceOf')(wallet.address), DEMO_SUBMITTER_SPARE_VMT)
})

t.test('no SubmissionDeposits: no demo submitter; a damaged keystore fails by code', async (tt) => {
  const { deposits: _d, ...older } = deployment.contracts
  tt.equal(await ensureDemoSubmitter(tt.testdir(), { ...deployment, contracts: older }, provider, deployer), undefined)
  const dir = tt.testdir()
  await writeFile(join(dir, 'submitter-keystore.json'), '{"address":"00","crypto":')
  await tt.rejects(ensureDemoSubmitter(dir, deployment, provider, deployer), { code: 'BAD_KEYSTORE' })
})
