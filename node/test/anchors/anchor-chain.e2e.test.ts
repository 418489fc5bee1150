// The anchor service's chain side on anvil against a real ReportAnchors: reads, EpochAnchored events,
// a post, and the two reverts that are answers rather than failures (another node came first; the epoch
// ended more than maxJobAgeBlocks ago, SPEC 15 late anchors). Any other revert is an error.
import t from 'tap'
import { Contract, ContractFactory, Wallet, encodeBytes32String, hexlify, parseEther, randomBytes } from 'ethers'
import type { JsonRpcSigner } from 'ethers'
import { anchorsArtifact, parametersArtifact, registryArtifact } from '#governance/artifacts.ts'
import { blockNumber, mineBlocks, setBalance } from '#governance/anvil-time.ts'
import { createAnchorChain } from '../../src/anchors/anchor-chain.ts'
import { signEpochRoot } from '#protocol/anchors.ts'
import type { Hex } from '#protocol/messages.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const E = 8
const MAX_AGE = 16
const { anvil, provider } = await startTestChain(t)
const owner = await provider.getSigner(0) as JsonRpcSigner
const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex

async function deploy (artifact: { abi: unknown[], bytecode: string }, args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(artifact.abi as never, artifact.bytecode, owner).deploy(...args)
  await c.waitForDeployment()
  return new Contract(await c.getAddress(), artifact.abi as never, owner)
}
const mined = async (p: Promise<unknown>): Promise<void> => { await (await p as { wait(): Promise<unknown> }).wait() }

const registry = await deploy(registryArtifact, [owner.address])
const parameters = await deploy(parametersArtifact, [owner.address, [encodeBytes32String('epochBlocks'), encodeBytes32String('maxJobAgeBlocks')], [E, MAX_AGE]])
const anchors = await deploy(anchorsArtifact, [await registry.getAddress(), await parameters.getAddress()])
const registryAddress = (await registry.getAddress()).toLowerCase() as Hex
const member = new Wallet(hexlify(randomBytes(32)), provider)
await setBalance(provider, member.address, parseEther('1'))
await mined((registry.connect(member) as Contract).getFunction('register')('12D3KooWChain', rand32(), ''))
await mined(registry.getFunction('admit')(member.address))

const chain = createAnchorChain({ provider, address: (await anchors.getAddress()).toLowerCase() as Hex, signer: member })
const sign = async (epoch: number, root: Hex): Promise<Hex> => await signEpochRoot({ epoch, root, leafCount: 1 }, anvil.chainId, registryAddress, member)
/** the first epoch starting after the head: the member is one at its first block */
const nextEpoch = async (): Promise<number> => Math.floor(await blockNumber(provider) / E) + 1
/** the custom error a refused send raised, decoded with the ABI */
const errorName = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (err: { data?: string }) => anchors.interface.parseError(err.data ?? '0x')?.name)
const mineTo = async (n: number): Promise<void> => { await mineBlocks(provider, n - await blockNumber(provider)) }

t.test('reads, a post, its event, and "already anchored" as an answer', async (tt) => {
  tt.equal(await chain.epochBlocks(), E)
  const e = await nextEpoch()
  await mineTo((e + 1) * E)
  tt.equal(await chain.anchored(e), false)
  const root = rand32()
  const posted = await chain.post(e, root, 1, [await sign(e, root)])
  tt.ok(posted.posted, 'posted')
  tt.equal(await chain.anchored(e), true)
  const head = await chain.head()
  const events = await chain.events(0, head)
  tt.match(events, [{ epoch: e, root, leafCount: 1, submitter: member.address.toLowerCase() }])
  tt.equal(typeof await chain.blockTime(head), 'number')
  tt.equal(await chain.blockTime(head + 1000), undefined, 'a block not mined yet has no time')
  const other = rand32()
  tt.same(await chain.post(e, other, 1, [await sign(e, other)]), { posted: false, reason: 'ALREADY_ANCHORED' })
  tt.same(await chain.events(head + 1, head), [], 'an empty range')
})

t.test('an epoch that ended more than maxJobAgeBlocks ago is an answer too: no later turn can post it', async (tt) => {
  const e = await nextEpoch()
  await mineTo((e + 1) * E + MAX_AGE)
  const root = rand32()
  tt.same(await chain.post(e, root, 1, [await sign(e, root)]), { posted: false, reason: 'EPOCH_TOO_OLD' })
  tt.equal(await chain.anchored(e), false)
})

t.test('any other revert is an error, thrown', async (tt) => {
  const e = await nextEpoch()
  await mineTo((e + 1) * E)
  tt.equal(await errorName(chain.post(e, rand32(), 1, [])), 'ReportAnchorsNoQuorum', 'no signatures')
  tt.equal(await errorName(chain.post(e + 5, rand32(), 1, [])), 'ReportAnchorsEpochNotOver', 'a running epoch')
  const aborted = AbortSignal.abort()
  await tt.rejects(chain.post(e, rand32(), 1, [], { signal: aborted }), { name: 'AbortError' })
})
