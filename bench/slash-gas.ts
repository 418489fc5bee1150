// Gas of proving misbehaviour on chain (EquivocationEvidence, issue 11) beside the other ways a bond
// ends, on a fresh anvil with the deployment virusmap deploy makes (Cancun, solc optimizer 200 runs):
// each slash takes a 1000 VMT bond from an admitted member, pays the reporter its share, sends the
// rest to the treasury and removes the member. Verdicts and attestations cost more with their size
// (engine results; members committed and revealed), so several sizes are measured.
// Run: npx node bench/slash-gas.ts [--json]
import { printGasRows } from './gas-rows.ts'
import { Contract, JsonRpcProvider, Wallet, hexlify, id, parseEther, randomBytes } from 'ethers'
import type { ContractTransactionResponse, JsonRpcSigner } from 'ethers'
import { startAnvil } from '../node/src/chain/anvil.ts'
import { mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { evidenceArtifact, registryArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { deployVirusMap } from '#governance/deploy.ts'
import { signAttestation, signCommitment, signVerdict } from '#protocol/signing.ts'
import type { Hex, ReportAttestation, Verdict } from '#protocol/messages.ts'

const BOND = parseEther('1000')
const anvil = await startAnvil({ port: 0 })
const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
const rows: Array<{ operation: string, gas: bigint, note: string }> = []
const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex
const lower = (a: string): Hex => a.toLowerCase() as Hex
const results = (n: number): Verdict['results'] => Array.from({ length: n }, (_, i) => ({
  engine: `Engine-${i}`, engineVersion: '1.4.3', engineUpdate: '20261204', category: 'malicious', result: 'Win.Trojan.Agent-123456', method: 'signature'
}))

async function measure (operation: string, note: string, pending: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await pending).wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`${operation} failed`)
  rows.push({ operation, gas: receipt.gasUsed, note })
}
const sent = async (pending: Promise<ContractTransactionResponse>): Promise<void> => { await (await pending).wait() }

try {
  const [deployer, reporter] = await Promise.all([0, 1].map(async (i) => await provider.getSigner(i))) as [JsonRpcSigner, JsonRpcSigner]
  const { contracts: c } = await deployVirusMap({
    deployer,
    plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 10, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 3600 }
  })
  const vmt = new Contract(c.vmt, vmtArtifact.abi, deployer)
  const evidence = new Contract(c.evidence!, evidenceArtifact.abi, reporter)
  const registryAddress = c.registry
  // Registry settings as the timelock sends them (impersonated), without the governor around them.
  await provider.send('anvil_impersonateAccount', [c.timelock])
  await setBalance(provider, c.timelock, parseEther('1'))
  const timelock = await provider.getSigner(c.timelock)
  const registry = new Contract(registryAddress, registryArtifact.abi, timelock)
  await sent(registry.getFunction('setCandidateBond')(c.vmt, BOND))
  await sent(registry.getFunction('setUnbondingBlocks')(10))
  // The reporter already holds VMT, so no row pays for creating its balance.
  await sent(vmt.getFunction('transfer')(reporter.address, 1n))

  /** An admitted member holding the bond, with its operator key as a supernode holds it. */
  async function member (): Promise<Wallet> {
    const w = new Wallet(hexlify(randomBytes(32)), provider)
    await setBalance(provider, w.address, parseEther('1'))
    await sent(vmt.getFunction('transfer')(w.address, BOND))
    await sent((vmt.connect(w) as Contract).getFunction('approve')(registryAddress, BOND))
    await sent((registry.connect(w) as Contract).getFunction('register')('12D3KooWSlashGas', rand32(), ''))
    await sent(registry.getFunction('admit')(w.address))
    return w
  }
  const chainId = anvil.chainId

  {
    const m = await member()
    const jobId = rand32()
    const [a, b] = await Promise.all([0, 1].map(async () => await signCommitment({ jobId, member: lower(m.address), commitment: rand32() }, chainId, registryAddress, m)))
    await measure('evidence: two commitments', 'recover 2 signers, slash, remove', evidence.getFunction('submitCommitments')(a!.commitment, a!.signature, b!.commitment, b!.signature))
  }
  for (const engines of [3, 16, 64]) {
    const m = await member()
    const jobId = rand32()
    const verdict = (n: number): Verdict => ({ jobId, member: lower(m.address), sha256: rand32(), membershipBlock: 5, scannedAt: 1_780_000_000_000, results: results(n) })
    const a = await signVerdict(verdict(engines), rand32(), chainId, registryAddress, m)
    const b = await signVerdict(verdict(engines), rand32(), chainId, registryAddress, m)
    await measure(`evidence: two verdicts, ${engines} engine results each`, 'EngineResult[] hashed on chain', evidence.getFunction('submitVerdicts')(a.verdict, a.signature, b.verdict, b.signature))
  }
  for (const members of [4, 16, 64, 256]) {
    const m = await member()
    const jobId = rand32()
    const addresses = Array.from({ length: members }, () => lower(rand32().slice(0, 42))).toSorted()
    const attestation = (): ReportAttestation => ({ jobId, committed: addresses, commitments: addresses.map(rand32), revealed: addresses, verdicts: addresses.map(rand32) })
    const a = await signAttestation(attestation(), chainId, registryAddress, m)
    const b = await signAttestation(attestation(), chainId, registryAddress, m)
    await measure(`evidence: two attestations, ${members} members`, 'each committed and revealed', evidence.getFunction('submitAttestations')(a.attestation, a.signature, b.attestation, b.signature))
  }
  {
    const m = await member()
    await sent(registry.getFunction('remove')(m.address))
    await measure('registry.slashBond (by the timelock)', 'governance slash naming its evidence, all to the treasury', registry.getFunction('slashBond')(m.address, id('stopped scanning in epoch 12')))
  }
  {
    const m = await member()
    await measure('resign (a member leaves)', 'starts the unbonding delay', (registry.connect(m) as Contract).getFunction('resign')() as Promise<ContractTransactionResponse>)
    await mineBlocks(provider, 10)
    await measure('withdrawBond (after the delay)', 'bond back, candidate record deleted', (registry.connect(m) as Contract).getFunction('withdrawBond')() as Promise<ContractTransactionResponse>)
  }
  await provider.send('anvil_stopImpersonatingAccount', [c.timelock])

  printGasRows(rows)
} finally {
  provider.destroy()
  await anvil.stop()
}
