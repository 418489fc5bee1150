import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { Interface } from 'ethers'
import type { Hex, Report } from '#protocol/index.ts'
import { createChainReader, REGISTRY_READ_ABI, verifyReport, verifyReportWith } from '../../src/light-client/index.ts'
import type { Question, VerifyResult } from '../../src/light-client/index.ts'
import { connectProvider } from '../../src/light-client/provider.ts'
import { CHAIN_ID, ENGINES, hashes, MEMBERS, MEMBERSHIP_BLOCK, NOW, OUTSIDER, REGISTRY, signedReport } from '../fixtures/signed-reports.ts'
import { memoryChain, type MemoryChainOptions } from '../fixtures/memory-chain.ts'
import { startJsonRpcRegistry } from '../fixtures/json-rpc-registry.ts'

const SAMPLE = new TextEncoder().encode('light client sample')
const H = hashes(SAMPLE)
const ASKED: Question = { hash: H.sha256 }
const ADDRESSES = MEMBERS.map((m) => m.address)
const expected = { chainId: CHAIN_ID, registry: REGISTRY }
const codes = (r: { problems: Array<{ code: string }> }): string[] => r.problems.map((p) => p.code)

/** verifyReportWith over an in-memory chain, with the client's clock at the job's creation */
async function verify (report: Report, members: Hex[] = ADDRESSES, options: MemoryChainOptions & { asked?: Question, now?: number, expect?: typeof expected } = {}): Promise<VerifyResult> {
  const reader = createChainReader(memoryChain(members, options))
  return await verifyReportWith(report, options.asked ?? ASKED, reader, options.expect ?? expected, { now: () => options.now ?? NOW })
}

t.test('a report attested by a quorum verifies, and says who stands behind it', async (st) => {
  const report = await signedReport(SAMPLE)
  st.same(await verify(report), {
    verified: true,
    attesters: ADDRESSES.slice(0, 3).toSorted(),
    attestedEngines: ['Heuristics', 'YARA'],
    absent: [ADDRESSES[3]],
    withheld: [],
    memberCount: 4,
    quorum: 3,
    membershipBlock: MEMBERSHIP_BLOCK,
    anchor: { status: 'pending', reason: 'not-served' },
    problems: []
  })
  const withheld = await signedReport(SAMPLE, { withholders: [MEMBERS[3]!] })
  st.match(await verify(withheld), { verified: true, absent: [ADDRESSES[3]], withheld: [ADDRESSES[3]] }, 'a member that committed and never revealed is named')
})

t.test('every failure is named', async (st) => {
  const report = await signedReport(SAMPLE)

  st.same(codes(await verify(report, ADDRESSES, { chainId: 1 })), ['WRONG_CHAIN'], 'the provider is on another chain')
  st.same(codes(await verify(report, ADDRESSES, { expect: { chainId: 5, registry: REGISTRY } })), ['WRONG_CHAIN'], 'the report names another chain than the deployment')
  const other = '0x00000000000000000000000000000000000000aa' as Hex
  st.same(codes(await verify(report, ADDRESSES, { expect: { chainId: CHAIN_ID, registry: other } })), ['WRONG_REGISTRY'])

  const swapped = [ADDRESSES[0], ADDRESSES[3], OUTSIDER.address, ADDRESSES[2]] as Hex[]
  st.same(codes(await verify(report, swapped)), ['MEMBER_COUNT_MISMATCH'], 'an attester was not a member at the block')
  st.same(codes(await verify(report, [...ADDRESSES, OUTSIDER.address])), ['MEMBER_COUNT_MISMATCH'], 'one member more: the quorum grows')
  st.same(codes(await verify(report, ADDRESSES, { engines: (m) => (m === ADDRESSES[1] ? ['Heuristics'] : ENGINES) })), ['REGISTRATION_MISMATCH'], 'an engine the chain does not register to its member')
  st.same(codes(await verify(report, ADDRESSES, { faultDivisor: 2 })), ['FAULT_DIVISOR_MISMATCH'])
  st.same(codes(await verify(report, ADDRESSES, { head: MEMBERSHIP_BLOCK - 1 })), ['FUTURE_MEMBERSHIP_BLOCK'])

  const tampered: Report = structuredClone(report)
  tampered.results.YARA!.category = 'harmless'
  st.same(codes(await verify(tampered)), ['DERIVATION_MISMATCH'])

  const forged: Report = structuredClone(report)
  forged.verdicts[0]!.signature = `0x${'ab'.repeat(65)}`
  st.same(codes(await verify(forged)), ['BAD_SIGNATURE'])

  const trimmed: Report = structuredClone(await signedReport(SAMPLE, { signers: MEMBERS }))
  trimmed.verdicts = trimmed.verdicts.slice(1)
  st.same(codes(await verify(trimmed)), ['NO_ATTESTATION_QUORUM'], 'a verdict dropped by the server breaks every attestation')
})

t.test('the report must answer the question asked', async (st) => {
  const report = await signedReport(SAMPLE)
  for (const hash of [H.sha256, H.sha1, H.md5, H.sha256.slice(2).toUpperCase()]) st.same(codes(await verify(report, ADDRESSES, { asked: { hash } })), [], hash)
  const other = hashes(new TextEncoder().encode('another file'))
  st.same(codes(await verify(report, ADDRESSES, { asked: { hash: other.sha256 } })), ['QUESTION_MISMATCH'])
  st.same(codes(await verify(report, ADDRESSES, { asked: { kind: 'domain', subject: 'example.com' } })), ['QUESTION_MISMATCH'])
})

t.test('a job created in the client\'s future is refused', async (st) => {
  const report = await signedReport(SAMPLE)
  st.same(codes(await verify(report, ADDRESSES, { now: NOW - 1000 })), [], 'within the chain\'s clock skew (1000 ms by default)')
  st.same(codes(await verify(report, ADDRESSES, { now: NOW - 1001 })), ['FUTURE_JOB'])
})

t.test('a job created after block membershipBlock + maxJobAgeBlocks was mined is refused', async (st) => {
  // the memory chain's blocks are 12 s apart up to a head stamped at NOW, when the job was created
  const report = await signedReport(SAMPLE)
  const head = 100
  const limitAtHead = head - MEMBERSHIP_BLOCK
  st.same(codes(await verify(report, ADDRESSES, { head, maxJobAgeBlocks: limitAtHead })), [], 'the limit block is the head, mined in the job\'s second')
  st.same(codes(await verify(report, ADDRESSES, { head, maxJobAgeBlocks: limitAtHead + 1 })), [], 'the limit block is not mined yet')
  st.same(codes(await verify(report, ADDRESSES, { head, maxJobAgeBlocks: limitAtHead - 1 })), ['OLD_MEMBERSHIP_BLOCK'], 'mined 12 s before the job was made')
  const r = await verify(report, ADDRESSES, { head: 1_000_000 })
  st.same(codes(r), ['OLD_MEMBERSHIP_BLOCK'], 'under the default bound, a block a million blocks back')
  st.match(r.problems[0]?.detail, `block ${MEMBERSHIP_BLOCK + 7200}`, 'the detail names the limit block')
})

t.test('a block\'s state is read once per reader', async (st) => {
  const report = await signedReport(SAMPLE)
  const chain = memoryChain(ADDRESSES)
  const reader = createChainReader(chain)
  st.equal((await verifyReportWith(report, ASKED, reader, expected, { now: () => NOW })).verified, true)
  const cold = chain.reads.filter((r) => r !== 'chainId').length
  st.equal(cold, 1 + 1 + ADDRESSES.length + 1 + 2, 'head, members, each member\'s engines, divisor; the head and its maxJobAgeBlocks')
  st.equal((await verifyReportWith(report, ASKED, reader, expected, { now: () => NOW })).verified, true)
  st.equal(chain.reads.filter((r) => r !== 'chainId').length, cold, 'the second lookup at the same block reads nothing')
})

t.test('abort stops before the chain is asked', async (st) => {
  const report = await signedReport(SAMPLE)
  const chain = memoryChain(ADDRESSES)
  await st.rejects(verifyReportWith(report, ASKED, createChainReader(chain), expected, { signal: AbortSignal.abort() }))
  st.same(chain.reads, [])
})

t.test('verifyReport over JSON-RPC with ethers', async (st) => {
  const report = await signedReport(SAMPLE)
  const rpc = await startJsonRpcRegistry({
    chainId: CHAIN_ID, registry: REGISTRY, head: 50, members: ADDRESSES, since: MEMBERSHIP_BLOCK, engines: Object.fromEntries(ADDRESSES.map((m) => [m, ENGINES]))
  })
  st.teardown(() => rpc.stop())
  const provider = await connectProvider(rpc.url)
  st.teardown(() => { provider.destroy() })
  const target = { provider, registry: REGISTRY, chainId: CHAIN_ID }
  const result = await verifyReport(report, ASKED, target)
  st.equal(result.verified, true)
  st.same(result.attesters, ADDRESSES.slice(0, 3).toSorted())
  const calls = rpc.calls.length
  st.ok(rpc.calls.includes('eth_call'))
  st.equal((await verifyReport(report, ASKED, target)).verified, true)
  st.equal(rpc.calls.length, calls, 'a second lookup at the same block on the same provider costs no RPC')

  const elsewhere = '0x00000000000000000000000000000000000000bb' as Hex
  await st.rejects(verifyReport(report, ASKED, { provider, registry: elsewhere, chainId: CHAIN_ID }), { code: 'REGISTRY_CALL_FAILED' })
})

t.test('connectProvider fails fast and quietly on a dead endpoint', async (st) => {
  await st.rejects(connectProvider('http://127.0.0.1:9/'), { code: 'RPC_UNREACHABLE' })
  await st.rejects(connectProvider('http://127.0.0.1:9/', { signal: AbortSignal.abort() }))
})

const ARTIFACT = new URL('../../../contracts/artifacts/SupernodeRegistry.json', import.meta.url)
t.test('the read ABI matches the built SupernodeRegistry', { skip: existsSync(ARTIFACT) ? false : 'contracts are not built (npm run build:contracts)' }, async (st) => {
  const built = new Interface((JSON.parse(readFileSync(ARTIFACT, 'utf8')) as { abi: [] }).abi)
  const ours = new Interface(REGISTRY_READ_ABI)
  for (const name of ['isMemberAt', 'membersAt']) {
    st.equal(ours.getFunction(name)?.format('sighash'), built.getFunction(name)?.format('sighash'), name)
    st.equal(ours.getFunction(name)?.outputs.map((o) => o.type).join(), built.getFunction(name)?.outputs.map((o) => o.type).join())
  }
})
