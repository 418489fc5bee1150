import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { Interface } from 'ethers'
import type { Hex, Report } from '../../../protocol/src/index.ts'
import { REGISTRY_READ_ABI, verifyReport, verifyReportWith, type RegistryView } from '../../src/light-client/index.ts'
import { connectProvider } from '../../src/light-client/provider.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, OUTSIDER, REGISTRY, engineResults, signedReport } from '../fixtures/signed-reports.ts'
import { startJsonRpcRegistry } from '../fixtures/json-rpc-registry.ts'

const SAMPLE = new TextEncoder().encode('light client sample')
const ADDRESSES = MEMBERS.map((m) => m.address)
/** every member registered the engines the fixture's verdicts carry */
const ENGINES = engineResults(true).map((r) => r.engine).toSorted()

/** The chain as a list of members from a block on (what the registry's checkpoints answer). */
function chain (members: Hex[], options: { chainId?: number, head?: number, faultDivisor?: number } = {}): RegistryView {
  const head = options.head ?? 100
  const at = (block: number): Hex[] => (block >= MEMBERSHIP_BLOCK && block <= head ? members : [])
  return {
    chainId: async () => options.chainId ?? CHAIN_ID,
    blockNumber: async () => head,
    isMemberAt: async (address, block) => at(block).includes(address),
    membersAt: async (block) => at(block),
    enginesAt: async (address, block) => (at(block).includes(address) ? ENGINES : []),
    faultDivisorAt: async () => options.faultDivisor ?? 3
  }
}

const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)

t.test('a quorum of members verifies', async (st) => {
  const report = await signedReport(SAMPLE)
  const result = await verifyReportWith(report, chain(ADDRESSES), expected)
  st.same(result, {
    verified: true,
    signers: ADDRESSES.slice(0, 3).toSorted(),
    memberCount: 4,
    quorum: 3,
    membershipBlock: MEMBERSHIP_BLOCK,
    problems: []
  })
})

t.test('every failure is named', async (st) => {
  const report = await signedReport(SAMPLE)

  st.same(codes(await verifyReportWith(report, chain(ADDRESSES, { chainId: 1 }), expected)), ['WRONG_CHAIN'])
  st.same(codes(await verifyReportWith(report, chain(ADDRESSES), { chainId: 5, registry: REGISTRY })), ['WRONG_CHAIN', 'ORIGIN_NOT_MEMBER', 'NO_QUORUM'],
    'signatures are checked in the deployment\'s domain, not the one the report claims')
  const other = '0x00000000000000000000000000000000000000aa' as Hex
  st.same(codes(await verifyReportWith(report, chain(ADDRESSES), { chainId: CHAIN_ID, registry: other })), ['WRONG_REGISTRY', 'ORIGIN_NOT_MEMBER', 'NO_QUORUM'])

  const withoutSigner = [ADDRESSES[0], ADDRESSES[3], OUTSIDER.address, ADDRESSES[2]] as Hex[]
  const r1 = await verifyReportWith(report, chain(withoutSigner), expected)
  st.same(codes(r1), ['NOT_MEMBER', 'NO_QUORUM'])
  st.equal(r1.signers.length, 2)

  const five = [...ADDRESSES, OUTSIDER.address]
  st.same(codes(await verifyReportWith(report, chain(five), expected)), ['MEMBER_COUNT_MISMATCH', 'QUORUM_MISMATCH', 'NO_QUORUM'])

  st.same(codes(await verifyReportWith(report, chain(ADDRESSES, { head: MEMBERSHIP_BLOCK - 1 }), expected)), ['FUTURE_MEMBERSHIP_BLOCK'])

  const tampered: Report = structuredClone(report)
  const yara = tampered.results.YARA
  if (yara !== undefined) yara.category = 'harmless'
  const r2 = await verifyReportWith(tampered, chain(ADDRESSES), expected)
  st.same(codes(r2), ['REPORT_INVALID'])
  st.match(r2.problems[0]?.detail, /DERIVATION_MISMATCH/)

  const forged: Report = structuredClone(report)
  const v = forged.verdicts[0]
  if (v !== undefined) v.signature = `0x${'ab'.repeat(65)}`
  const r3 = await verifyReportWith(forged, chain(ADDRESSES), expected)
  st.equal(r3.verified, false)
  st.match(codes(r3), ['REPORT_INVALID'])
  st.equal(r3.signers.length, 2, 'a forged signature counts for no one')
})

t.test('too few verdicts for the chain\'s member count', async (st) => {
  const report = await signedReport(SAMPLE, { signers: MEMBERS.slice(0, 2), memberCount: 2 })
  const result = await verifyReportWith(report, chain(ADDRESSES), expected)
  st.same(codes(result), ['MEMBER_COUNT_MISMATCH', 'QUORUM_MISMATCH', 'NO_QUORUM'])
})

t.test('abort stops before the chain is asked', async (st) => {
  const report = await signedReport(SAMPLE)
  await st.rejects(verifyReportWith(report, chain(ADDRESSES), expected, { signal: AbortSignal.abort() }))
})

t.test('verifyReport over JSON-RPC with ethers', async (st) => {
  const report = await signedReport(SAMPLE)
  const rpc = await startJsonRpcRegistry({ chainId: CHAIN_ID, registry: REGISTRY, head: 50, members: ADDRESSES, since: MEMBERSHIP_BLOCK })
  st.teardown(() => rpc.stop())
  const provider = await connectProvider(rpc.url)
  st.teardown(() => { provider.destroy() })
  const result = await verifyReport(report, { provider, registry: REGISTRY, chainId: CHAIN_ID })
  st.equal(result.verified, true)
  st.same(result.signers, ADDRESSES.slice(0, 3).toSorted())
  st.ok(rpc.calls.includes('eth_call'))

  const elsewhere = '0x00000000000000000000000000000000000000bb' as Hex
  await st.rejects(verifyReport(report, { provider, registry: elsewhere, chainId: CHAIN_ID }), { code: 'REGISTRY_CALL_FAILED', message: /did not answer membersAt/ })

  rpc.state.members = ADDRESSES.slice(1)
  const after = await verifyReport(report, { provider, registry: REGISTRY, chainId: CHAIN_ID })
  st.equal(after.verified, false)
  st.ok(codes(after).includes('NOT_MEMBER'))
})

t.test('connectProvider fails fast and quietly on a dead endpoint', async (st) => {
  await st.rejects(connectProvider('http://127.0.0.1:9/'), { code: 'RPC_UNREACHABLE', message: /cannot reach RPC/ })
  await st.rejects(connectProvider('http://127.0.0.1:9/', { signal: AbortSignal.abort() }))
})

const ARTIFACT = new URL('../../../contracts/artifacts/SupernodeRegistry.json', import.meta.url)
t.test('the read ABI matches the built SupernodeRegistry', { skip: existsSync(ARTIFACT) ? false : 'contracts are not built (npm run build:contracts)' }, async (st) => {
  const artifact = ARTIFACT
  const built = new Interface((JSON.parse(readFileSync(artifact, 'utf8')) as { abi: [] }).abi)
  const ours = new Interface(REGISTRY_READ_ABI)
  for (const name of ['isMemberAt', 'membersAt', 'enginesAt']) {
    st.equal(ours.getFunction(name)?.format('sighash'), built.getFunction(name)?.format('sighash'), name)
    st.equal(ours.getFunction(name)?.outputs.map((o) => o.type).join(), built.getFunction(name)?.outputs.map((o) => o.type).join())
  }
})
