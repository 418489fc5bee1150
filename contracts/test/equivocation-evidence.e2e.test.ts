// EquivocationEvidence on anvil: digests recomputed on chain equal the protocol's (eip712.ts), and two
// conflicting messages one member signed for one job (commitments, verdicts, attestations) slash its
// bond in one transaction from any account (a share to the reporter, the rest to the treasury) and
// remove it; anything else (one message twice, two jobs, two signers, a forged or non-canonical
// signature, a signer that was never a member, a proven case again) reverts with a named error.
import t from 'tap'
import { Contract, ContractFactory, Signature, TypedDataEncoder, Wallet, ZeroHash, concat, getBytes, hexlify, keccak256, parseEther, randomBytes, toBeHex } from 'ethers'
import type { ContractTransactionReceipt, JsonRpcSigner } from 'ethers'
import evidenceArtifact from '../artifacts/EquivocationEvidence.json' with { type: 'json' }
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import vmtArtifact from '../artifacts/VMT.json' with { type: 'json' }
import { setBalance } from '#governance/anvil-time.ts'
import { commitmentDigest, eip712Domain, reportDigest, verdictDigest, verdictHash } from '#protocol/eip712.ts'
import { signAttestation, signCommitment, signVerdict } from '#protocol/signing.ts'
import type { Hex, ReportAttestation, Verdict, VerdictCommitment } from '#protocol/messages.ts'
import { revertOf } from './revert.ts'
import { startTestChain } from './test-chain.ts'

const { anvil, provider } = await startTestChain(t)
const [owner, reporter] = await Promise.all([0, 1].map(async (i) => await provider.getSigner(i))) as [JsonRpcSigner, JsonRpcSigner]

async function deploy (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, owner).deploy(...args)
  await c.waitForDeployment()
  return new Contract(await c.getAddress(), artifact.abi as never, owner)
}
const mined = async (pending: Promise<unknown>): Promise<ContractTransactionReceipt> => {
  const receipt = await (await pending as { wait(): Promise<ContractTransactionReceipt | null> }).wait()
  if (receipt === null) throw new Error('no receipt')
  return receipt
}
const BOND = parseEther('100')
const SHARE_BPS = 1000n
const vmt = await deploy(vmtArtifact, [owner.address, parseEther('10000')])
const registry = await deploy(registryArtifact, [owner.address])
const evidence = await deploy(evidenceArtifact, [owner.address, await registry.getAddress(), SHARE_BPS])
const registryAddress = (await registry.getAddress()).toLowerCase() as Hex
const chainId = anvil.chainId
const balance = async (a: string): Promise<bigint> => await vmt.getFunction('balanceOf')(a) as bigint
const asReporter = evidence.connect(reporter) as Contract
await mined(registry.getFunction('setCandidateBond')(await vmt.getAddress(), BOND))

/** A funded operator key (an ethers Wallet, as a supernode holds it) registered with the bond, admitted when `admit`. */
async function operator (admit = true): Promise<Wallet> {
  const w = new Wallet(hexlify(randomBytes(32)), provider)
  await setBalance(provider, w.address, parseEther('1'))
  await mined(vmt.getFunction('transfer')(w.address, BOND))
  await mined((vmt.connect(w) as Contract).getFunction('approve')(registryAddress, BOND))
  await mined((registry.connect(w) as Contract).getFunction('register')('12D3KooWEvidence', hexlify(randomBytes(32)), ''))
  if (admit) await mined(registry.getFunction('admit')(w.address))
  return w
}
const lower = (a: string): Hex => a.toLowerCase() as Hex
const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex
const commitment = (jobId: Hex, member: Wallet): VerdictCommitment => ({ jobId, member: lower(member.address), commitment: rand32() })
function verdict (jobId: Hex, member: Wallet, results: Verdict['results']): Verdict {
  return { jobId, member: lower(member.address), sha256: `0x${'ab'.repeat(32)}`, membershipBlock: 7, scannedAt: 1_780_000_000_000, results }
}
const RESULTS: Verdict['results'] = [
  { engine: 'ClamAV', engineVersion: '1.4.3', engineUpdate: '20261204', category: 'malicious', result: 'Win.Test.EICAR_HDB-1', method: 'blacklist' },
  { engine: 'YARA', engineVersion: '', engineUpdate: '', category: 'undetected', result: '', method: '' },
  { engine: 'static', engineVersion: '2', engineUpdate: '', category: 'suspicious', result: 'packed "UPX" \\ x', method: 'heuristic' }
]

t.test('on-chain digests equal the protocol\'s', async (tt) => {
  const m = new Wallet(hexlify(randomBytes(32)))
  const jobId = rand32()
  tt.equal(await evidence.getFunction('domainSeparator')(), TypedDataEncoder.hashDomain(eip712Domain(chainId, registryAddress)))
  const c = commitment(jobId, m)
  tt.equal(await evidence.getFunction('commitmentDigest')(c), commitmentDigest(c, chainId, registryAddress))
  for (const results of [[], RESULTS.slice(0, 1), RESULTS]) {
    const v = verdict(jobId, m, results)
    tt.equal(await evidence.getFunction('verdictHash')(v), verdictHash(v), `verdictHash, ${results.length} results`)
    tt.equal(await evidence.getFunction('verdictDigest')(v), verdictDigest(v, chainId, registryAddress), `verdict digest, ${results.length} results`)
  }
  const members = [rand32(), rand32(), rand32()].map((h) => lower(h.slice(0, 42))).toSorted()
  for (const a of [
    { jobId, committed: [], commitments: [], revealed: [], verdicts: [] },
    { jobId, committed: members, commitments: members.map(rand32), revealed: members.slice(1), verdicts: members.slice(1).map(rand32) }
  ] satisfies ReportAttestation[]) {
    tt.equal(await evidence.getFunction('attestationDigest')(a), reportDigest(a, chainId, registryAddress), `reportDigest, ${a.committed.length} committed`)
  }
})

t.test('only the verifier governance named slashes by evidence; only governance sets the share', async (tt) => {
  const member = await operator()
  const jobId = rand32()
  const c1 = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  const c2 = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  tt.same(await revertOf(registry.interface, (registry.connect(reporter) as Contract).getFunction('slashByEvidence')(member.address, reporter.address, 10_000n, keccak256('0x01'))),
    { name: 'SupernodeRegistryUnauthorizedVerifier', args: [reporter.address] })
  tt.same(await revertOf(registry.interface, asReporter.getFunction('submitCommitments')(c1.commitment, c1.signature, c2.commitment, c2.signature)),
    { name: 'SupernodeRegistryUnauthorizedVerifier', args: [await evidence.getAddress()] }, 'not named yet')
  tt.equal((await revertOf(evidence.interface, asReporter.getFunction('setReporterShare')(5000n))).name, 'OwnableUnauthorizedAccount')
  tt.same(await revertOf(evidence.interface, evidence.getFunction('setReporterShare')(10_001n)), { name: 'EquivocationEvidenceInvalidShare', args: [10_001n] })
  tt.equal((await revertOf(registry.interface, (registry.connect(reporter) as Contract).getFunction('setEvidenceVerifier')(reporter.address))).name, 'OwnableUnauthorizedAccount')
  await mined(registry.getFunction('setEvidenceVerifier')(await evidence.getAddress()))
  tt.equal(await registry.getFunction('evidenceVerifier')(), await evidence.getAddress(), 'governance names it; the tests below run with it')
})


t.test('two commitments of one member for one job slash it by one transaction from any account', async (tt) => {
  const member = await operator()
  const jobId = rand32()
  const first = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  const second = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  const [treasuryBefore, reporterBefore] = [await balance(owner.address), await balance(reporter.address)]
  const receipt = await mined(asReporter.getFunction('submitCommitments')(first.commitment, first.signature, second.commitment, second.signature))
  const reward = BOND * SHARE_BPS / 10_000n
  tt.equal(await balance(reporter.address), reporterBefore + reward, 'the reporter gets its share')
  tt.equal(await balance(owner.address), treasuryBefore + BOND - reward, 'the treasury the rest')
  tt.equal(await registry.getFunction('bondOf')(member.address), 0n)
  tt.equal(await registry.getFunction('isMember')(member.address), false, 'removed')
  tt.equal(await evidence.getFunction('proven')(member.address, jobId), true)
  const proven = receipt.logs.map((l) => evidence.interface.parseLog(l)).find((l) => l?.name === 'EquivocationProven')
  tt.same([...proven!.args], [member.address, jobId, 0n, reporter.address, BOND, reward])
  const removed = receipt.logs.map((l) => registry.interface.parseLog(l)).find((l) => l?.name === 'MemberRemoved')
  tt.equal(removed?.args[0], member.address, 'MemberRemoved, as followers already read it')
  tt.same(await revertOf(evidence.interface, asReporter.getFunction('submitCommitments')(second.commitment, second.signature, first.commitment, first.signature)),
    { name: 'EquivocationEvidenceAlreadyProven', args: [member.address, jobId] }, 'once per member and job')
  tt.comment(`gas for a slash by two commitments: ${receipt.gasUsed}`)
})

t.test('two verdicts slash a member that resigned and is unbonding', async (tt) => {
  const member = await operator()
  await mined((registry.connect(member) as Contract).getFunction('resign')())
  const jobId = rand32()
  const first = await signVerdict(verdict(jobId, member, RESULTS), rand32(), chainId, registryAddress, member)
  const second = await signVerdict(verdict(jobId, member, RESULTS.slice(1)), rand32(), chainId, registryAddress, member)
  const before = await balance(reporter.address)
  await mined(asReporter.getFunction('submitVerdicts')(first.verdict, first.signature, second.verdict, second.signature))
  tt.equal(await balance(reporter.address), before + BOND * SHARE_BPS / 10_000n)
  tt.equal(await registry.getFunction('bondOf')(member.address), 0n, 'the bond was slashable during the unbonding delay')
})

t.test('two attestations of one member for one job slash it', async (tt) => {
  const member = await operator()
  const jobId = rand32()
  const m = [lower(member.address)]
  const first = await signAttestation({ jobId, committed: m, commitments: [rand32()], revealed: m, verdicts: [rand32()] }, chainId, registryAddress, member)
  const second = await signAttestation({ jobId, committed: m, commitments: [rand32()], revealed: [], verdicts: [] }, chainId, registryAddress, member)
  await mined(asReporter.getFunction('submitAttestations')(first.attestation, first.signature, second.attestation, second.signature))
  tt.equal(await registry.getFunction('isMember')(member.address), false)
  tt.equal(await registry.getFunction('bondOf')(member.address), 0n)
})

t.test('hostile evidence reverts with a named error and slashes nobody', async (tt) => {
  const [member, other, candidate] = [await operator(), await operator(), await operator(false)]
  const jobId = rand32()
  const c1 = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  const c2 = await signCommitment(commitment(jobId, member), chainId, registryAddress, member)
  const submit = (a: typeof c1, aSig: string, b: typeof c1, bSig: string): Promise<{ name: string, args: unknown[] }> =>
    revertOf(evidence.interface, asReporter.getFunction('submitCommitments')(a.commitment, aSig, b.commitment, bSig))
  const digest1 = commitmentDigest(c1.commitment, chainId, registryAddress)

  tt.same(await submit(c1, c1.signature, c1, c1.signature), { name: 'EquivocationEvidenceSameMessage', args: [digest1] })
  const otherJob = await signCommitment(commitment(rand32(), member), chainId, registryAddress, member)
  tt.equal((await submit(c1, c1.signature, otherJob, otherJob.signature)).name, 'EquivocationEvidenceDifferentJobs')
  const byOther = await signCommitment(commitment(jobId, other), chainId, registryAddress, other)
  tt.same(await submit(c1, c1.signature, byOther, byOther.signature), { name: 'EquivocationEvidenceDifferentSigners', args: [member.address, other.address] })
  // other signs a commitment that claims to be member's
  const forged = await signCommitment(commitment(jobId, member), chainId, registryAddress, other)
  tt.same(await submit(c1, c1.signature, forged, forged.signature), { name: 'EquivocationEvidenceSignerMismatch', args: [member.address, other.address] })
  // signed under another registry's domain: recovers somebody else
  const elsewhere = await signCommitment(commitment(jobId, member), chainId, lower(other.address), member)
  tt.equal((await submit(c1, c1.signature, elsewhere, elsewhere.signature)).name, 'EquivocationEvidenceSignerMismatch')

  // the same signature spelled with a high s (n - s, v flipped) or v 0/1 is not the protocol's one spelling
  const sig = Signature.from(c2.signature)
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const highS = concat([sig.r, toBeHex(N - BigInt(sig.s), 32), new Uint8Array([sig.v === 27 ? 28 : 27])])
  tt.equal((await submit(c1, c1.signature, c2, highS)).name, 'ECDSAInvalidSignatureS')
  const vZero = concat([sig.r, sig.s, new Uint8Array([sig.v - 27])])
  tt.equal((await submit(c1, c1.signature, c2, vZero)).name, 'ECDSAInvalidSignature')
  tt.same(await submit(c1, c1.signature, c2, c2.signature.slice(0, 130)), { name: 'ECDSAInvalidSignatureLength', args: [64n] })
  tt.same(await submit(c1, c1.signature, c2, concat([c2.signature, '0x00'])), { name: 'ECDSAInvalidSignatureLength', args: [66n] })
  tt.equal((await submit(c1, c1.signature, c2, hexlify(new Uint8Array(65)))).name, 'ECDSAInvalidSignature', 'zeros')
  const flipped = getBytes(c2.signature)
  // the other y parity: R stays a curve point (a flipped bit of r is one only half the time), so the
  // signature always recovers, to somebody else
  flipped[64] = flipped[64] === 27 ? 28 : 27
  tt.equal((await submit(c1, c1.signature, c2, hexlify(flipped))).name, 'EquivocationEvidenceSignerMismatch', 'a damaged signature recovers somebody else')

  const k1 = await signCommitment(commitment(jobId, candidate), chainId, registryAddress, candidate)
  const k2 = await signCommitment(commitment(jobId, candidate), chainId, registryAddress, candidate)
  tt.same(await submit(k1, k1.signature, k2, k2.signature), { name: 'EquivocationEvidenceNeverMember', args: [candidate.address] })

  // attestations name no member: two signers is not equivocation
  const a = { jobId, committed: [], commitments: [], revealed: [], verdicts: [] }
  const s1 = await signAttestation(a, chainId, registryAddress, member)
  const s2 = await signAttestation({ ...a, committed: [lower(member.address)], commitments: [ZeroHash as Hex] }, chainId, registryAddress, other)
  tt.equal((await revertOf(evidence.interface, asReporter.getFunction('submitAttestations')(s1.attestation, s1.signature, s2.attestation, s2.signature))).name, 'EquivocationEvidenceDifferentSigners')

  // a verdict too long for the protocol still hashes (the contract judges signatures, not schemas)
  const big = verdict(jobId, member, [{ ...RESULTS[0]!, result: 'x'.repeat(4096) }])
  tt.equal(await evidence.getFunction('verdictHash')(big), verdictHash(big))

  for (const w of [member, other]) {
    tt.equal(await registry.getFunction('bondOf')(w.address), BOND, 'nobody slashed')
    tt.equal(await registry.getFunction('isMember')(w.address), true)
  }
})

