// ReportAnchors on anvil (protocol SPEC section 15): the EpochRoot digest recomputed on chain equals the
// TypeScript one; a root signed by a quorum of the members at an epoch's first block anchors once the
// epoch is over, and `verify` accepts a real StandardMerkleTree proof of a leaf and refuses a forged
// one; the quorum is SPEC section 7's, by the member count and quorumFaultDivisor at e·E; anything else
// (too few signers, a non-member, a member admitted after e·E, duplicate or unordered signers, a
// signature over another message or domain, a non-canonical signature, an epoch not over, a second
// anchor, an empty root) reverts with a named error.
import t from 'tap'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { AbiCoder, Contract, ContractFactory, Interface, Signature, TypedDataEncoder, Wallet, concat, getBytes, hexlify, keccak256, parseEther, randomBytes, toBeHex } from 'ethers'
import type { JsonRpcSigner, TypedDataField } from 'ethers'
import anchorsArtifact from '../artifacts/ReportAnchors.json' with { type: 'json' }
import parametersArtifact from '../artifacts/NetworkParameters.json' with { type: 'json' }
import registryArtifact from '../artifacts/SupernodeRegistry.json' with { type: 'json' }
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { ANCHOR_LEAF_TYPES, anchorLeafHash, epochRootDigest, signEpochRoot, verifyAnchorProof } from '#protocol/anchors.ts'
import type { AnchorLeaf } from '#protocol/anchors.ts'
import { eip712Domain } from '#protocol/eip712.ts'
import { faultDivisorFrom, quorumThreshold } from '#protocol/quorum.ts'
import type { EpochRoot, Hex } from '#protocol/messages.ts'
import { revertOf } from './revert.ts'
import { ascending, key, lower, mined, rand32 } from './market-chain.ts'
import { startTestChain } from './test-chain.ts'

const { anvil, provider } = await startTestChain(t)
const [owner, poster] = await Promise.all([0, 1].map(async (i) => await provider.getSigner(i))) as [JsonRpcSigner, JsonRpcSigner]
const chainId = anvil.chainId

async function deploy (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, owner).deploy(...args)
  await c.waitForDeployment()
  return new Contract(await c.getAddress(), artifact.abi as never, owner)
}

/** Blocks per epoch here: short, so a test mines through several epochs in milliseconds. */
const E = 8
const registry = await deploy(registryArtifact, [owner.address])
const parameters = await deploy(parametersArtifact, [owner.address, [key('epochBlocks'), key('quorumFaultDivisor')], [E, 3]])
const anchors = await deploy(anchorsArtifact, [await registry.getAddress(), await parameters.getAddress()])
const registryAddress = lower(await registry.getAddress())
const asPoster = anchors.connect(poster) as Contract

// Members sign with the protocol's signEpochRoot (protocol/src/anchors.ts); the digest is checked against the
// protocol's epochRootDigest and, independently, against ethers' TypedDataEncoder in the protocol's domain.
const EPOCH_ROOT_TYPES: Record<string, TypedDataField[]> = {
  EpochRoot: [{ name: 'epoch', type: 'uint64' }, { name: 'root', type: 'bytes32' }, { name: 'leafCount', type: 'uint32' }]
}
const ethersDigest = (v: { epoch: number | bigint, root: string, leafCount: number }): Hex =>
  TypedDataEncoder.hash(eip712Domain(chainId, registryAddress), EPOCH_ROOT_TYPES, v) as Hex
const sign = async (v: EpochRoot, w: Wallet, chain = chainId, reg: Hex = registryAddress): Promise<string> => await signEpochRoot(v, chain, reg, w)
/** The signatures of `ws` over `v`, their signers ascending (as the contract requires). */
const signatures = async (v: EpochRoot, ws: Wallet[]): Promise<string[]> => await Promise.all(ascending(ws).map(async (w) => await sign(v, w)))

/** A registered operator key (as a supernode holds it), admitted when `admit`. */
async function operator (admit = true, on: Contract = registry): Promise<Wallet> {
  const w = new Wallet(hexlify(randomBytes(32)), provider)
  await setBalance(provider, w.address, parseEther('1'))
  await mined((on.connect(w) as Contract).getFunction('register')('12D3KooWAnchors', rand32(), ''))
  if (admit) await mined(on.getFunction('admit')(w.address))
  return w
}
const head = async (): Promise<number> => await blockNumber(provider)
/** Mines until the head is block `n` (the next transaction lands in n + 1). */
async function mineTo (n: number): Promise<void> {
  const h = await head()
  if (n < h) throw new Error(`head ${h} is past ${n}`)
  await mineBlocks(provider, n - h)
}
/** The first epoch that starts after the head: every membership change made so far is in force at its first block. */
const nextEpoch = async (): Promise<number> => Math.floor(await head() / E) + 1
const startOf = (e: number): number => e * E
/** Mines until epoch `e` is over (its last block mined). */
const endEpoch = async (e: number): Promise<void> => { await mineTo(Math.max(startOf(e + 1), await head())) }
const anchor = (v: EpochRoot, sigs: string[]): Promise<{ name: string, args: unknown[] }> =>
  revertOf(anchors.interface, asPoster.getFunction('anchor')(v.epoch, v.root, v.leafCount, sigs))

// One leaf per final report in SPEC section 15's shape (leafOf computes it from a report; the contract takes any leaf hash).
const LEAF_TYPES = [...ANCHOR_LEAF_TYPES]
function leaf (i: number, members: Hex[]): AnchorLeaf {
  const revealed = members.toSorted()
  return [rand32(), rand32(), rand32(), i % 6, 100 + i, 1_780_000_000_000 + i, lower(rand32().slice(0, 42)),
    lower(rand32().slice(0, 42)), i % 3, i % 2, revealed, revealed.slice(0, i % (revealed.length + 1))]
}

const members: Wallet[] = []
// one at a time: the owner's admissions must not race for a nonce
for (let i = 0; i < 4; i++) members.push(await operator())

t.test('the on-chain digest is the protocol\'s EIP-712 EpochRoot digest', async (tt) => {
  tt.equal(await anchors.getFunction('domainSeparator')(), TypedDataEncoder.hashDomain(eip712Domain(chainId, registryAddress)), 'the domain binds the registry, as every protocol message')
  for (const v of [
    { epoch: 0, root: rand32(), leafCount: 1 },
    { epoch: 12_345, root: rand32(), leafCount: 4096 },
    { epoch: Number.MAX_SAFE_INTEGER, root: `0x${'ff'.repeat(32)}` as Hex, leafCount: 2 ** 32 - 1 }
  ] satisfies EpochRoot[]) {
    const onChain = await anchors.getFunction('epochRootDigest')(v.epoch, v.root, v.leafCount) as string
    tt.equal(onChain, epochRootDigest(v, chainId, registryAddress), `the protocol's digest: epoch ${v.epoch}, ${v.leafCount} leaves`)
    tt.equal(onChain, ethersDigest(v), 'and ethers\' TypedDataEncoder\'s')
  }
  const last = { epoch: 2n ** 64n - 1n, root: rand32(), leafCount: 7 }
  tt.equal(await anchors.getFunction('epochRootDigest')(last.epoch, last.root, last.leafCount), ethersDigest(last), 'the last uint64 epoch')
  tt.equal(await anchors.getFunction('epochBlocks')(), BigInt(E), 'E read from the parameters at deployment')
  tt.same(await Promise.all([0, E - 1, E, 10 * E + 3].map(async (b) => await anchors.getFunction('epochOf')(b))), [0n, 0n, 1n, 10n])
  tt.equal(lower(await anchors.getFunction('registry')()), registryAddress)
  tt.equal(await anchors.getFunction('parameters')(), await parameters.getAddress())
})

t.test('epochBlocks is fixed at deployment; 0 or never set deploys nothing', async (tt) => {
  const zero = await deploy(parametersArtifact, [owner.address, [key('epochBlocks')], [0]])
  const factory = new ContractFactory(anchorsArtifact.abi as never, anchorsArtifact.bytecode, owner)
  tt.same(await revertOf(factory.interface, factory.deploy(registryAddress, await zero.getAddress())), { name: 'ReportAnchorsInvalidEpochBlocks', args: [0n] })
  const huge = await deploy(parametersArtifact, [owner.address, [key('epochBlocks')], [2n ** 48n]])
  tt.same(await revertOf(factory.interface, factory.deploy(registryAddress, await huge.getAddress())), { name: 'ReportAnchorsInvalidEpochBlocks', args: [2n ** 48n] }, 'not a block count')
  const unset = await deploy(parametersArtifact, [owner.address, [], []])
  tt.same(await revertOf(unset.interface, factory.deploy(registryAddress, await unset.getAddress())), { name: 'NetworkParametersUnknownKey', args: [key('epochBlocks')] })

  const changing = await deploy(parametersArtifact, [owner.address, [key('epochBlocks')], [E]])
  const fixed = await deploy(anchorsArtifact, [registryAddress, await changing.getAddress()])
  await mined(changing.getFunction('set')(key('epochBlocks'), 3 * E))
  tt.equal(await fixed.getFunction('epochBlocks')(), BigInt(E), 'a later change of the parameter moves no epoch')
})

t.test('a quorum of members anchors a root; verify accepts its proofs and refuses forged ones', async (tt) => {
  const e = await nextEpoch()
  const values = Array.from({ length: 10 }, (_, i) => leaf(i, members.map((m) => lower(m.address))))
  const tree = StandardMerkleTree.of(values, LEAF_TYPES)
  const v = { epoch: e, root: tree.root as Hex, leafCount: tree.length }
  const sigs = await signatures(v, members.slice(0, 3))
  tt.same(await anchors.getFunction('anchorOf')(e), [`0x${'00'.repeat(32)}`, 0n, 0n], 'nothing anchored yet')
  tt.equal(await anchors.getFunction('verify')(e, tree.getProof(0), tree.leafHash(values[0]!)), false, 'no proof verifies against an epoch without an anchor')
  await endEpoch(e)

  // the poster is no member: anyone holding the signatures may post
  const receipt = await mined(asPoster.getFunction('anchor')(e, v.root, v.leafCount, sigs))
  const event = receipt.logs.map((l) => anchors.interface.parseLog(l)).find((l) => l?.name === 'EpochAnchored')
  tt.same([...event!.args], [BigInt(e), v.root, BigInt(v.leafCount), poster.address], 'EpochAnchored(epoch, root, leafCount, submitter)')
  tt.same(await anchors.getFunction('anchorOf')(e), [v.root, 10n, BigInt(receipt.blockNumber)], 'root, leaf count and the block it was anchored in')
  tt.comment(`gas to anchor with 3 of 4 members: ${receipt.gasUsed}`)

  for (const [i, value] of values.entries()) {
    tt.equal(await anchors.getFunction('verify')(e, tree.getProof(i), anchorLeafHash(value)), true, `leaf ${i} is in the anchored tree`)
    tt.equal(anchorLeafHash(value), tree.leafHash(value), 'the protocol\'s leaf hash is StandardMerkleTree\'s')
  }
  const proof = tree.getProof(3)
  const leaf3 = tree.leafHash(values[3]!)
  const verify = async (p: string[], l: string, epoch = e): Promise<boolean> => await anchors.getFunction('verify')(epoch, p, l) as boolean
  tt.equal(await verify(proof, tree.leafHash(values[4]!)), false, 'another leaf with this proof')
  const changed = [...values[3]!] as AnchorLeaf
  changed[8] = changed[8] + 1
  tt.equal(await verify(proof, tree.leafHash(changed)), false, 'a leaf whose malicious count was raised')
  tt.same([verifyAnchorProof(v.root, values[3]!, proof as Hex[]), verifyAnchorProof(v.root, changed, proof as Hex[])], [true, false], 'the client\'s check agrees')
  const altered = [...proof]
  altered[1] = rand32()
  tt.equal(await verify(altered, leaf3), false, 'a proof with a node replaced')
  tt.equal(await verify(proof.slice(0, -1), leaf3), false, 'a proof cut short')
  tt.equal(await verify(proof, keccak256(AbiCoder.defaultAbiCoder().encode(LEAF_TYPES, values[3]!))), false, 'the leaf hashed once, not StandardMerkleTree\'s double hash')
  tt.equal(await verify(proof, leaf3, e + 1), false, 'the proof against another epoch')
  const other = StandardMerkleTree.of([...values.slice(0, 3), changed, ...values.slice(4)], LEAF_TYPES)
  tt.equal(await verify(other.getProof(3), other.leafHash(changed)), false, 'a proof from a tree that was never anchored')
})

t.test('a one-report epoch anchors its leaf as the root, with an empty proof; more than a quorum may sign', async (tt) => {
  const e = await nextEpoch()
  const value = leaf(1, members.map((m) => lower(m.address)))
  const tree = StandardMerkleTree.of([value], LEAF_TYPES)
  const v = { epoch: e, root: tree.root as Hex, leafCount: 1 }
  await endEpoch(e)
  await mined(asPoster.getFunction('anchor')(e, v.root, 1, await signatures(v, members)))
  tt.same(tree.getProof(0), [])
  tt.equal(await anchors.getFunction('verify')(e, [], tree.leafHash(value)), true)
})

t.test('fewer signatures than the quorum of the members at e·E revert NoQuorum', async (tt) => {
  const e = await nextEpoch()
  const v = { epoch: e, root: rand32(), leafCount: 5 }
  await endEpoch(e)
  tt.same(await anchor(v, await signatures(v, members.slice(0, 2))), { name: 'ReportAnchorsNoQuorum', args: [2n, 3n] }, '4 members: quorum 3')
  tt.same(await anchor(v, []), { name: 'ReportAnchorsNoQuorum', args: [0n, 3n] })
  tt.same(await anchor({ ...v, epoch: 0 }, []), { name: 'ReportAnchorsNoQuorum', args: [0n, 1n] }, 'an epoch without members: nobody can sign')
})

t.test('hostile anchors revert with a named error and anchor nothing', async (tt) => {
  // membership at the end of block e·E is what counts: admitted in block e·E counts, admitted in e·E + 1
  // does not, removed in e·E + 2 still counts (it was a member at the epoch's first block)
  const e = await nextEpoch()
  const [atStart, late, leaving, candidate] = [await operator(false), await operator(false), await operator(), await operator(false)]
  await mineTo(startOf(e) - 1)
  const admitted = await mined(registry.getFunction('admit')(atStart.address))
  const lateAdmission = await mined(registry.getFunction('admit')(late.address))
  const removed = await mined(registry.getFunction('remove')(leaving.address))
  tt.same([admitted.blockNumber, lateAdmission.blockNumber, removed.blockNumber], [startOf(e), startOf(e) + 1, startOf(e) + 2], 'admitted in e·E and e·E + 1, removed in e·E + 2')
  const stranger = new Wallet(hexlify(randomBytes(32)))
  const v = { epoch: e, root: rand32(), leafCount: 3 }
  const atE = [...members, atStart, leaving]
  const needed = quorumThreshold(atE.length, 3)
  tt.equal(needed, 5, '6 members at e·E: quorum 5')
  const quorum = ascending(atE).slice(0, needed)

  tt.same(await anchor(v, await signatures(v, quorum)), { name: 'ReportAnchorsEpochNotOver', args: [BigInt(e), BigInt(startOf(e + 1))] }, 'the epoch is running')
  await mineTo(startOf(e + 1) - 2)
  // a transaction mined in the epoch's last block is refused (gas given: no estimate to stop it first)
  const early = await asPoster.getFunction('anchor')(e, v.root, v.leafCount, await signatures(v, quorum), { gasLimit: 1_000_000 })
  await early.wait().catch(() => undefined)
  const failed = await provider.getTransactionReceipt(early.hash)
  tt.same([failed?.status, failed?.blockNumber], [0, startOf(e + 1) - 1], 'mined in the last block of e: reverted')
  await mineBlocks(provider, 1)

  const bad = async (sigs: string[], what: string, expected: { name: string, args?: unknown[] }): Promise<void> => {
    const got = await anchor(v, sigs)
    if (expected.args === undefined) tt.equal(got.name, expected.name, what)
    else tt.same(got, expected, what)
  }
  const sigs = await signatures(v, quorum)
  const replaceFirst = async (w: Wallet, other: Partial<EpochRoot> = {}, chain = chainId, reg: Hex = registryAddress): Promise<string[]> => [await sign({ ...v, ...other }, w, chain, reg), ...sigs.slice(1)]

  // a signature in the first place is never out of order: what follows fails on membership
  for (const [w, what] of [[stranger, 'a key that never registered'], [candidate, 'a candidate never admitted'], [late, 'a member admitted in block e·E + 1']] as const) {
    await bad(await replaceFirst(w), what, { name: 'ReportAnchorsNotMember', args: [w.address] })
  }
  const signer0 = quorum[0]!
  for (const [what, s] of [
    ['another epoch', await replaceFirst(signer0, { epoch: e + 1 })],
    ['another root', await replaceFirst(signer0, { root: rand32() })],
    ['another leaf count', await replaceFirst(signer0, { leafCount: 4 })],
    ['another chain', await replaceFirst(signer0, {}, chainId + 1)],
    ['another registry', await replaceFirst(signer0, {}, chainId, lower(rand32().slice(0, 42)))]
  ] as const) {
    // such a signature recovers to an unrelated address
    await bad(s, `a signature over ${what}`, { name: 'ReportAnchorsNotMember' })
  }
  await bad([sigs[0]!, sigs[0]!, ...sigs.slice(2)], 'a signer twice', { name: 'ReportAnchorsSignersNotAscending', args: [1n, signer0.address] })
  await bad([sigs[1]!, sigs[0]!, ...sigs.slice(2)], 'two signers swapped', { name: 'ReportAnchorsSignersNotAscending', args: [1n, signer0.address] })
  await bad(sigs.toReversed(), 'signers descending', { name: 'ReportAnchorsSignersNotAscending', args: [1n, quorum[needed - 2]!.address] })

  // the same signature spelled with a high s (n - s, v flipped) or v 0/1 is not the protocol's one spelling
  const sig = Signature.from(sigs[2]!)
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const spelled = (s: string): string[] => [...sigs.slice(0, 2), s, ...sigs.slice(3)]
  await bad(spelled(concat([sig.r, toBeHex(N - BigInt(sig.s), 32), new Uint8Array([sig.v === 27 ? 28 : 27])])), 'a high s', { name: 'ECDSAInvalidSignatureS' })
  await bad(spelled(concat([sig.r, sig.s, new Uint8Array([sig.v - 27])])), 'v 0/1', { name: 'ECDSAInvalidSignature', args: [] })
  await bad(spelled(sig.compactSerialized), 'the 64-byte compact form', { name: 'ECDSAInvalidSignatureLength', args: [64n] })
  await bad(spelled(concat([sigs[2]!, '0x00'])), 'a byte too many', { name: 'ECDSAInvalidSignatureLength', args: [66n] })
  await bad(spelled('0x'), 'empty', { name: 'ECDSAInvalidSignatureLength', args: [0n] })
  await bad(spelled(hexlify(new Uint8Array(65))), 'zeros', { name: 'ECDSAInvalidSignature', args: [] })
  const flipped = getBytes(sigs[2]!)
  flipped[64] = flipped[64] === 27 ? 28 : 27
  const third = await anchor(v, spelled(hexlify(flipped)))
  tt.ok(['ReportAnchorsNotMember', 'ReportAnchorsSignersNotAscending'].includes(third.name), `a damaged signature recovers somebody else (${third.name})`)

  for (const [what, other] of [['a zero root', { root: `0x${'00'.repeat(32)}` }], ['no leaves', { leafCount: 0 }]] as const) {
    const empty = { ...v, ...other }
    tt.same(await anchor(empty, await signatures(empty, quorum)), { name: 'ReportAnchorsEmpty', args: [] }, what)
  }
  tt.same(await anchors.getFunction('anchorOf')(e), [`0x${'00'.repeat(32)}`, 0n, 0n], 'nothing anchored by any of these')

  // the quorum as it stood at e·E: the member removed in e·E + 2 signs, the one admitted in block e·E signs
  const withBoth = ascending([atStart, leaving, ...members.slice(0, 3)])
  await mined(asPoster.getFunction('anchor')(e, v.root, v.leafCount, await signatures(v, withBoth)))
  tt.equal((await anchors.getFunction('anchorOf')(e))[0], v.root, 'anchored by members at e·E, one admitted in block e·E and one removed since')
  const again = { ...v, root: rand32() }
  tt.same(await anchor(again, await signatures(again, withBoth)), { name: 'ReportAnchorsAlreadyAnchored', args: [BigInt(e)] }, 'the first root posted stands')
  tt.same(await anchor(v, await signatures(v, withBoth)), { name: 'ReportAnchorsAlreadyAnchored', args: [BigInt(e)] }, 'even the same one')
  tt.same(await anchor({ ...v, epoch: e + 1 }, []), { name: 'ReportAnchorsEpochNotOver', args: [BigInt(e + 1), BigInt(startOf(e + 2))] }, 'epochs are anchored in any order, each once over')
})

t.test('the quorum is quorum(n, d) with n members and the divisor d at e·E, d read as the protocol reads it', async (tt) => {
  // a registry of its own, so membership grows from zero
  const reg = await deploy(registryArtifact, [owner.address])
  const params = await deploy(parametersArtifact, [owner.address, [key('epochBlocks')], [E]])
  const contract = await deploy(anchorsArtifact, [await reg.getAddress(), await params.getAddress()])
  const cases: Array<{ n: number, d: bigint, expected: number }> = [
    { n: 1, d: 0n, expected: 1 }, // never set: 3
    { n: 4, d: 0n, expected: 3 },
    { n: 4, d: 3n, expected: 3 },
    { n: 4, d: 2n, expected: 3 },
    { n: 4, d: 4n, expected: 4 },
    { n: 5, d: 2n, expected: 3 },
    { n: 7, d: 3n, expected: 5 },
    { n: 7, d: 2n, expected: 4 },
    { n: 7, d: 1n, expected: 5 }, // no valid divisor: 3
    { n: 7, d: 7n, expected: 7 },
    { n: 10, d: 3n, expected: 7 },
    { n: 10, d: 2n ** 53n - 1n, expected: 10 },
    { n: 10, d: 2n ** 53n, expected: 7 } // past Number.MAX_SAFE_INTEGER: no divisor to faultDivisorFrom, so 3
  ]
  let admitted = 0
  const epochs: number[] = []
  for (const c of cases) {
    while (admitted < c.n) { await operator(true, reg); admitted++ }
    if (c.d !== 0n) await mined(params.getFunction('set')(key('quorumFaultDivisor'), c.d))
    const e = await nextEpoch()
    await mineTo(startOf(e))
    epochs.push(e)
  }
  await endEpoch(epochs.at(-1)!)
  for (const [i, c] of cases.entries()) {
    tt.equal(quorumThreshold(c.n, faultDivisorFrom(c.d)), c.expected, `protocol: n=${c.n} d=${c.d}`)
    tt.same(await revertOf(contract.interface, (contract.connect(poster) as Contract).getFunction('anchor')(epochs[i]!, rand32(), 1, [])),
      { name: 'ReportAnchorsNoQuorum', args: [0n, BigInt(c.expected)] }, `contract: n=${c.n} d=${c.d} needs ${c.expected}`)
  }
})

t.test('revert data decodes with the artifact alone', async (tt) => {
  // the node and the CLI decode reverts through the ABI: every error anchor() can raise is in it
  const names: string[] = []
  new Interface(anchorsArtifact.abi as never).forEachError((f) => { names.push(f.name) })
  names.sort()
  tt.same(names, ['ECDSAInvalidSignature', 'ECDSAInvalidSignatureLength', 'ECDSAInvalidSignatureS', 'ReportAnchorsAlreadyAnchored', 'ReportAnchorsEmpty',
    'ReportAnchorsEpochNotOver', 'ReportAnchorsEpochTooOld', 'ReportAnchorsInvalidEpochBlocks', 'ReportAnchorsNoQuorum', 'ReportAnchorsNotMember', 'ReportAnchorsSignersNotAscending'])
})

t.test('an epoch that ended more than maxJobAgeBlocks ago is not anchored: its old members cannot vouch for it today', async (tt) => {
  // SPEC 15, late anchors: a never-anchored early epoch with one founding member would otherwise be anchored by that founder alone
  const reg = await deploy(registryArtifact, [owner.address])
  const params = await deploy(parametersArtifact, [owner.address, [key('epochBlocks'), key('maxJobAgeBlocks')], [E, 16]])
  const contract = (await deploy(anchorsArtifact, [await reg.getAddress(), await params.getAddress()])).connect(poster) as Contract
  const founder = await operator(true, reg)
  const e = await nextEpoch()
  await endEpoch(e)
  const post = async (on: Contract, epoch: number): Promise<unknown> => {
    const v = { epoch, root: rand32(), leafCount: 1 }
    // signed in this registry's domain, as its members sign
    return on.getFunction('anchor')(v.epoch, v.root, v.leafCount, [await sign(v, founder, chainId, lower(await reg.getAddress()))])
  }
  const until = startOf(e + 1) + 16
  // the next transaction lands in block `until`, the last the bound allows
  await mineTo(until - 1)
  tt.equal((await mined(post(contract, e) as Promise<never>)).blockNumber, until, 'anchored maxJobAgeBlocks after the epoch ended')
  const next = e + 1
  await mineTo(startOf(next + 1) + 16)
  tt.same(await revertOf(contract.interface, post(contract, next) as Promise<never>), { name: 'ReportAnchorsEpochTooOld', args: [BigInt(next), BigInt(startOf(next + 1) + 16)] }, 'one block later: refused')

  // unset or out of the protocol's range, the bound is the default 7,200 blocks, as maxJobAgeBlocksFrom reads it
  for (const value of [0n, 15n, 1_000_001n]) {
    const p = await deploy(parametersArtifact, [owner.address, [key('epochBlocks'), key('maxJobAgeBlocks')], [E, value]])
    const c = (await deploy(anchorsArtifact, [await reg.getAddress(), await p.getAddress()])).connect(poster) as Contract
    const old = await nextEpoch()
    await mineTo(startOf(old + 1) + 17)
    tt.equal((await mined(post(c, old) as Promise<never>)).status, 1, `maxJobAgeBlocks ${value} reads as 7,200`)
  }
})
