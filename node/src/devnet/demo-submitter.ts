// The devnet's demo submitter (issue 16): a keystore whose signed uploads earn at once with the submission
// deposit on (SPEC 17 rule 0). The deployer funds it with ETH for gas and VMT, and at each start it locks
// deposits for DEMO_SUBMITTER_REPORTS more signed reports in SubmissionDeposits; the VMT it keeps can lock a
// deposit for a newcomer's own wallet (`virusmap deposit --keystore THIS --amount N --for ADDRESS`). Kept
// across restarts.
import { join } from 'node:path'
import { Contract, parseEther } from 'ethers'
import type { JsonRpcProvider, Signer } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'
import { depositsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { setBalance } from '#governance/anvil-time.ts'
import { DEMO_VENDOR_PASSPHRASE, loadOrCreateDemoWallet } from './demo-vendor.ts'
import { depositRequired } from '../rewards/deposit-required.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Deployment } from '../supernode/config.ts'

/** Signed reports each start adds deposits for. */
export const DEMO_SUBMITTER_REPORTS = 25n
/** VMT the demo submitter holds beside its deposit, to lock deposits for newcomers' wallets. */
export const DEMO_SUBMITTER_SPARE_VMT = parseEther('1000')

export interface DemoSubmitter {
  address: Hex
  /** an encrypted JSON keystore, passphrase `passphrase` (the demo vendor's) */
  keystore: string
  passphrase: string
}

type Sent = Promise<{ wait: () => Promise<{ status: number | null } | null> }>

async function mined (what: string, sent: Sent): Promise<void> {
  const receipt = await (await sent).wait()
  if (receipt?.status !== 1) throw new Error(`the demo submitter's ${what} failed`)
}

/**
 * The demo submitter of the devnet in `dir`: created once; each start locks deposits for
 * DEMO_SUBMITTER_REPORTS more reports at the rewardSubmissionDeposit in force, and tops its VMT up to the
 * spare amount. More each start, not up to a total: what earlier reports used of the deposit is in the
 * members' rewards state, not in SubmissionDeposits (a used deposit comes back through the rewards tree), so
 * the contract's totals cannot say how many reports the deposit still backs. Undefined for a deployment
 * without SubmissionDeposits. Runs while the devnet automines.
 */
export async function ensureDemoSubmitter (dir: string, deployment: Deployment, provider: JsonRpcProvider, deployer: Signer, options: AbortOptions = {}): Promise<DemoSubmitter | undefined> {
  const depositsAddress = deployment.contracts.deposits
  if (depositsAddress === undefined) return undefined
  const keystore = join(dir, 'submitter-keystore.json')
  const submitter = (await loadOrCreateDemoWallet(keystore)).connect(provider)
  await setBalance(provider, submitter.address, parseEther('100'), options)
  const deposits = new Contract(depositsAddress, depositsArtifact.abi, submitter)
  const topUp = DEMO_SUBMITTER_REPORTS * await depositRequired(deployment.contracts.parameters, provider)
  const vmt = new Contract(deployment.contracts.vmt, vmtArtifact.abi, submitter)
  const held = await vmt.getFunction('balanceOf')(submitter.address) as bigint
  const short = DEMO_SUBMITTER_SPARE_VMT + topUp - held
  options.signal?.throwIfAborted()
  if (short > 0n) await mined('funding', (vmt.connect(deployer) as Contract).getFunction('transfer')(submitter.address, short) as Sent)
  if (topUp > 0n) {
    await mined('approval', vmt.getFunction('approve')(depositsAddress, topUp) as Sent)
    await mined('deposit', deposits.getFunction('deposit')(submitter.address, topUp) as Sent)
  }
  return { address: submitter.address.toLowerCase() as Hex, keystore, passphrase: DEMO_VENDOR_PASSPHRASE }
}
