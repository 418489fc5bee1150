import tap from 'tap'
import { ContractFactory, encodeBytes32String, JsonRpcProvider } from 'ethers'
import { deriveReport } from '../../../protocol/src/index.ts'
import { parametersArtifact } from '../../../governance/src/artifacts.ts'
import { startAnvil } from '../../src/chain/anvil.ts'
import { createRegistryView, verifyReportWith } from '../../src/light-client/index.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, REGISTRY, engineResults, signedReport } from '../fixtures/signed-reports.ts'
import type { Hex, Report } from '../../../protocol/src/index.ts'
import type { RegistryView } from '../../src/light-client/index.ts'

const ADDRESSES = MEMBERS.map((m) => m.address)
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)

function chain (faultDivisor: number): RegistryView {
  return {
    chainId: async () => CHAIN_ID,
    blockNumber: async () => 100,
    isMemberAt: async (address, block) => block >= MEMBERSHIP_BLOCK && ADDRESSES.includes(address),
    membersAt: async (block) => (block >= MEMBERSHIP_BLOCK ? ADDRESSES : []),
    enginesAt: async (address, block) => (block >= MEMBERSHIP_BLOCK && ADDRESSES.includes(address) ? engineResults(true).map((r) => r.engine).toSorted() : []),
    faultDivisorAt: async () => faultDivisor
  }
}

/** The same signed job and verdicts, derived under another divisor: self-consistent, so only the chain can tell. */
const withDivisor = (report: Report, faultDivisor: number): Report =>
  deriveReport({ job: report.job, verdicts: report.verdicts, memberCount: report.memberCount, faultDivisor, chainId: report.chainId, registry: report.registry })

tap.test('the report\'s fault divisor must be the chain\'s at the job\'s block', async (t) => {
  const report = await signedReport(new TextEncoder().encode('divisor sample'))
  t.same(codes(await verifyReportWith(report, chain(3), expected)), [], 'divisor 3 on both sides')

  const two = withDivisor(report, 2)
  t.same(codes(await verifyReportWith(two, chain(3), expected)), ['FAULT_DIVISOR_MISMATCH'], 'same quorum with n = 4, but not the chain\'s rule')

  // a chain with divisor 100 asks all 4 of 4; a node serving the divisor-3 report claims 3 suffice
  const r = await verifyReportWith(report, chain(100), expected)
  t.same(codes(r), ['FAULT_DIVISOR_MISMATCH', 'QUORUM_MISMATCH', 'NO_QUORUM'])
  t.equal(r.quorum, 4)
  t.equal(r.verified, false)
})

tap.test('createRegistryView reads quorumFaultDivisor from NetworkParameters by block', async (t) => {
  const anvil = await startAnvil({ port: 0 })
  t.teardown(() => anvil.stop())
  const provider = new JsonRpcProvider(anvil.rpcUrl, anvil.chainId, { staticNetwork: true, cacheTimeout: -1 })
  t.teardown(() => provider.destroy())
  const owner = await provider.getSigner(0)
  const factory = new ContractFactory(parametersArtifact.abi, parametersArtifact.bytecode, owner)
  const params = await factory.deploy(await owner.getAddress(), [], [])
  await params.waitForDeployment()
  const address = (await params.getAddress()).toLowerCase() as Hex
  const view = createRegistryView(provider, REGISTRY, address)

  const before = await provider.getBlockNumber()
  t.equal(await view.faultDivisorAt(before), 3, 'never set (the contract reverts on an unknown key): 3')
  const set = async (value: bigint): Promise<number> => {
    const tx = await params.getFunction('set')(encodeBytes32String('quorumFaultDivisor'), value)
    return (await tx.wait())?.blockNumber as number
  }
  const fourAt = await set(4n)
  await provider.send('evm_mine', [])
  t.equal(await view.faultDivisorAt(fourAt - 1), 3, 'before the change: 0 on chain, read as 3')
  t.equal(await view.faultDivisorAt(fourAt), 4, 'from the change on')
  const oneAt = await set(1n)
  t.equal(await view.faultDivisorAt(oneAt), 3, 'at the head, an invalid divisor (1) reads as the default, as the nodes read it')
  await provider.send('evm_mine', [])
  t.equal(await view.faultDivisorAt(fourAt), 4, 'history is kept')
  t.equal(await createRegistryView(provider, REGISTRY).faultDivisorAt(fourAt), 3, 'a deployment without NetworkParameters: 3')
})
