import tap from 'tap'
import { deriveReport } from '#protocol/index.ts'
import { createChainReader, createClockSkewReader, createRegistryView, verifyReportWith } from '../../src/light-client/index.ts'
import { CHAIN_ID, hashes, MEMBERS, NOW, REGISTRY, signedReport } from '../fixtures/signed-reports.ts'
import { memoryChain } from '../fixtures/memory-chain.ts'
import { startParametersChain } from '../fixtures/parameters-chain.ts'
import type { Report } from '#protocol/index.ts'

const SAMPLE = new TextEncoder().encode('divisor sample')
const ADDRESSES = MEMBERS.map((m) => m.address)
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)
const verify = async (report: Report, faultDivisor: number): Promise<{ problems: Array<{ code: string }>, quorum: number, verified: boolean }> =>
  await verifyReportWith(report, { hash: hashes(SAMPLE).sha256 }, createChainReader(memoryChain(ADDRESSES, { faultDivisor })), expected, { now: () => NOW })

/** The same signed messages, derived under another divisor: self-consistent, so only the chain can tell. */
const withDivisor = (report: Report, faultDivisor: number): Report => deriveReport({
  job: report.job, commitments: report.commitments, verdicts: report.verdicts, attestations: report.attestations,
  members: report.members, registrations: report.registrations, faultDivisor, chainId: report.chainId, registry: report.registry
})

tap.test('the report\'s fault divisor must be the chain\'s at the job\'s block', async (t) => {
  const report = await signedReport(SAMPLE)
  t.same(codes(await verify(report, 3)), [], 'divisor 3 on both sides')
  t.same(codes(await verify(withDivisor(report, 2), 3)), ['FAULT_DIVISOR_MISMATCH'], 'same quorum with n = 4, but not the chain\'s rule')

  // a chain with divisor 100 asks all 4 of 4; a node serving the divisor-3 report claims 3 suffice
  const r = await verify(report, 100)
  t.same(codes(r), ['FAULT_DIVISOR_MISMATCH'])
  t.equal(r.quorum, 4)
  t.equal(r.verified, false)
})

tap.test('quorumFaultDivisor and clockSkewMs are read from NetworkParameters by block', async (t) => {
  const chain = await startParametersChain(t)
  const { provider, parameters: address } = chain
  const view = createRegistryView(provider, REGISTRY, address)

  const before = await provider.getBlockNumber()
  t.equal(await view.faultDivisorAt(before), 3, 'never set (the contract reverts on an unknown key): 3')
  const set = async (value: bigint): Promise<number> => await chain.set('quorumFaultDivisor', value)
  const fourAt = await set(4n)
  await provider.send('evm_mine', [])
  t.equal(await view.faultDivisorAt(fourAt - 1), 3, 'before the change: 0 on chain, read as 3')
  t.equal(await view.faultDivisorAt(fourAt), 4, 'from the change on')
  const oneAt = await set(1n)
  t.equal(await view.faultDivisorAt(oneAt), 3, 'at the head, an invalid divisor (1) reads as the default, as the nodes read it')
  await provider.send('evm_mine', [])
  t.equal(await view.faultDivisorAt(fourAt), 4, 'history is kept')
  t.equal(await createRegistryView(provider, REGISTRY).faultDivisorAt(fourAt), 3, 'a deployment without NetworkParameters: 3')

  // the clock skew a light client allows a job's createdAt comes from the same contract, by the same head rule
  const skewAt = createClockSkewReader(provider, address)
  const unsetAt = await provider.getBlockNumber()
  t.equal(await skewAt(unsetAt, unsetAt), 1000, 'never set, at the head: the default')
  const skewBlock = await chain.set('clockSkewMs', 2500n)
  t.equal(await skewAt(skewBlock, skewBlock), 2500, 'at the head: the current value')
  await provider.send('evm_mine', [])
  t.equal(await skewAt(skewBlock - 1, skewBlock + 1), 1000, 'before it was set')
  t.equal(await skewAt(skewBlock, skewBlock + 1), 2500, 'a past block: getAt')
  t.equal(await createClockSkewReader(provider)(skewBlock, skewBlock + 1), 1000, 'a deployment without NetworkParameters: the default')
})
