import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract, hexlify, Wallet } from 'ethers'
import pino from 'pino'
import tap from 'tap'
import { electMembers, registerCandidate } from '#governance/index.ts'
import { evidenceArtifact } from '#governance/artifacts.ts'
import { checkEquivocation, signCommitment } from '#protocol/index.ts'
import { createRegistryFollower } from '../../src/chain/registry-follower.ts'
import { createEvidenceChain } from '../../src/slashing/evidence-chain.ts'
import { createEvidenceProver, proverRank } from '../../src/slashing/evidence-prover.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'
import type { Hex } from '#protocol/messages.ts'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { EvidenceChain } from '../../src/slashing/evidence-chain.ts'

const logger = pino({ level: 'silent' })

tap.test('proverRank: every member but the accused, in an order that differs per job', async (t) => {
  const members = [...Array(6).keys()].map((i) => `0x${String(i + 1).repeat(40)}` as Hex)
  const accused = members[2] as Hex
  const jobA = `0x${'aa'.repeat(32)}` as Hex
  const jobB = `0x${'bb'.repeat(32)}` as Hex
  const ranks = (job: Hex): Array<number | undefined> => members.map((m) => proverRank(job, accused, members, m))
  t.equal(ranks(jobA)[2], undefined, 'the accused never proves itself')
  t.same(ranks(jobA).filter((r) => r !== undefined).toSorted(), [0, 1, 2, 3, 4], 'the others take each turn once')
  t.not(ranks(jobA).join(), ranks(jobB).join(), 'another job, another order')
  t.equal(proverRank(jobA, accused, members, `0x${'9'.repeat(40)}`), undefined, 'a non-member has no turn')
  t.equal(proverRank(jobA, accused.toUpperCase().replace('0X', '0x') as Hex, members.map((m) => m.toUpperCase().replace('0X', '0x') as Hex), members[0] as Hex), ranks(jobA)[0], 'case does not matter')
})

tap.test('four members hold one pair: the first in turn proves it once, the equivocator is removed, the rest stand down', async (t) => {
  const chain = await startGovernedChain(t, 4)
  const { provider, signers, operators, deployment, gov } = chain
  for (const s of signers) await registerCandidate({ registry: deployment.contracts.registry, operator: s, peerId: `12D3Koo${await s.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  await electMembers({ ...gov, operators })
  const evidenceAddress = deployment.contracts.evidence as Hex
  const registry = deployment.contracts.registry.toLowerCase() as Hex

  // member 3 signs two commitments for one job (its key is anvil's account 4, known to everyone)
  const liar = new Wallet('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a')
  t.equal(liar.address.toLowerCase(), operators[3], 'anvil account 4 is member 3')
  const jobId = `0x${'5a'.repeat(32)}` as Hex
  const commit = async (byte: string): Promise<unknown> => await signCommitment({ jobId, member: operators[3] as Hex, commitment: `0x${byte.repeat(32)}` as Hex }, deployment.chainId, registry, liar)
  const evidence: CheckedEvidence = checkEquivocation('commitment', await commit('01'), await commit('02'), deployment.chainId, registry)

  const followers = signers.map(() => createRegistryFollower({ provider, registry, fromBlock: deployment.deployBlock, confirmations: 0, pollIntervalMs: 100, logger }))
  for (const f of followers) await f.start()
  t.teardown(async () => { for (const f of followers) await f.stop() })
  const sent: Hex[] = []
  const turnMs = 1500
  const provers = signers.map((s, i) => {
    const real = createEvidenceChain({ provider, address: evidenceAddress, signer: s })
    // the real chain, noting who sent a transaction
    const counted: EvidenceChain = { proven: real.proven, prove: async (e, o) => { sent.push(operators[i] as Hex); return await real.prove(e, o) } }
    return createEvidenceProver({ turnMs }, { chain: counted, follower: followers[i]!, self: operators[i] as Hex, logger })
  })
  for (const p of provers) p.start()
  t.teardown(() => { for (const p of provers) p.stop() })
  for (const p of provers) p.offer(evidence)
  for (const p of provers) p.offer(evidence) // a pair offered twice is one turn

  const first = operators.findIndex((m) => proverRank(jobId, operators[3] as Hex, operators, m) === 0)
  const contract = new Contract(evidenceAddress, evidenceArtifact.abi, provider)
  const deadline = Date.now() + 30_000
  while (!(await contract.getFunction('proven')(operators[3], jobId) as boolean)) {
    if (Date.now() > deadline) throw new Error('never proven')
    await sleep(100)
  }
  // the later turns see it proven (or the member gone) and send nothing
  await sleep(3 * turnMs + 500)
  t.same(sent, [operators[first]], 'one transaction, from the member first in turn')
  t.equal(await chain.registry.getFunction('isMember')(operators[3]), false, 'the equivocator is no longer a member')
  t.equal(sent.includes(operators[3] as Hex), false)
})

tap.test('the first in turn cannot send: the next one proves it', async (t) => {
  const chain = await startGovernedChain(t, 4)
  const { provider, signers, operators, deployment, gov } = chain
  for (const s of signers) await registerCandidate({ registry: deployment.contracts.registry, operator: s, peerId: `12D3Koo${await s.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
  await electMembers({ ...gov, operators })
  const registry = deployment.contracts.registry.toLowerCase() as Hex
  const liar = new Wallet('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a')
  const jobId = `0x${'6b'.repeat(32)}` as Hex
  const commit = async (byte: string): Promise<unknown> => await signCommitment({ jobId, member: operators[3] as Hex, commitment: `0x${byte.repeat(32)}` as Hex }, deployment.chainId, registry, liar)
  const evidence = checkEquivocation('commitment', await commit('01'), await commit('02'), deployment.chainId, registry)
  const follower = createRegistryFollower({ provider, registry, fromBlock: deployment.deployBlock, confirmations: 0, pollIntervalMs: 100, logger })
  await follower.start()
  t.teardown(async () => { await follower.stop() })
  const order = operators.slice(0, 3).toSorted((a, b) => (proverRank(jobId, operators[3] as Hex, operators, a) ?? 0) - (proverRank(jobId, operators[3] as Hex, operators, b) ?? 0))
  const turnMs = 800
  const provers = order.slice(0, 2).map((self, rank) => {
    const signer = signers[operators.indexOf(self)]!
    const real = createEvidenceChain({ provider, address: deployment.contracts.evidence as Hex, signer })
    // the first in turn has lost its RPC: every call fails
    const chainFor: EvidenceChain = rank === 0 ? { proven: async () => { throw new Error('ECONNREFUSED') }, prove: async () => { throw new Error('ECONNREFUSED') } } : real
    return createEvidenceProver({ turnMs }, { chain: chainFor, follower, self, logger })
  })
  for (const p of provers) { p.start(); p.offer(evidence) }
  t.teardown(() => { for (const p of provers) p.stop() })
  const contract = new Contract(deployment.contracts.evidence as string, evidenceArtifact.abi, provider)
  const deadline = Date.now() + 30_000
  while (!(await contract.getFunction('proven')(operators[3], jobId) as boolean)) {
    if (Date.now() > deadline) throw new Error('never proven')
    await sleep(100)
  }
  t.pass('proven by the second in turn')
})
