import { getAddress, hexlify, randomBytes } from 'ethers'
import tap from 'tap'
import { electMembers, membershipActions, openGov, propose, registerCandidate } from '#governance/index.ts'
import { createGovernanceReader } from '../../src/chain/governance-reader.ts'
import type { Hex } from '#protocol/messages.ts'
import { startGovernedChain } from '../fixtures/governed-chain.ts'

// The page's governance view reads what `virusmap gov proposals|members` reads, newest first and
// paged, with a short cache that a clock drives here.
const { provider, signers, deployment, gov, operators, deployer } = await startGovernedChain(tap, 2)
const { contracts } = deployment

tap.test('proposals newest first with their states, paged by cursor; members with terms and engines', async (t) => {
  for (const [i, op] of signers.entries()) {
    await registerCandidate({ registry: contracts.registry, operator: op, peerId: `12D3Koo${operators[i]!}`, x25519Key: hexlify(randomBytes(32)) as Hex, metadataURI: `virusmap:engines=YARA,ClamAV;node=${i}` })
  }
  const elected = await electMembers({ ...gov, operators: [operators[0]!] })
  const pending = await propose(openGov(contracts, provider, deployment.deployBlock), deployer, membershipActions(contracts.registry, 'admit', [operators[1]!]), 'Admit the second\nwith a second line')

  let clock = 1_000_000
  const reader = createGovernanceReader({ provider, contracts, deployBlock: deployment.deployBlock, ttlMs: 5000, now: () => clock })
  const first = await reader.proposals({ limit: 1 })
  t.equal(first?.proposals.length, 1)
  const newest = first?.proposals[0]
  t.equal(newest?.id, pending.id.toString(), 'newest first')
  t.match(newest?.state, /^(Pending|Active)$/)
  t.match(newest?.description, /^Admit the second\nwith a second line/)
  t.equal(newest?.createdBlock, pending.blockNumber)
  t.same(newest?.votes, { for: '0', against: '0', abstain: '0' })
  t.equal(newest?.eta, null)
  t.match(newest?.actions[0], { target: contracts.registry.toLowerCase(), call: `registry.admit(${getAddress(operators[1]!)})` })
  t.equal(first?.next, pending.id.toString())

  const second = await reader.proposals({ limit: 1, after: first?.next })
  const election = second?.proposals[0]
  t.equal(election?.id, elected.proposalId.toString())
  t.equal(election?.state, 'Executed', 'the election went through')
  t.ok(BigInt(election?.votes.for ?? '0') > 0n)
  t.ok(BigInt(election?.quorum ?? '0') > 0n)
  t.type(election?.eta, 'number', 'a queued-then-executed proposal keeps its eta')
  t.equal(second?.next, undefined, 'the last page has no cursor')
  t.equal(await reader.proposals({ limit: 5, after: '12345' }), undefined, 'an unknown cursor')

  const members = await reader.members()
  t.equal(members.length, 1)
  t.match(members[0], { operator: operators[0]!.toLowerCase(), peerId: `12D3Koo${operators[0]!}`, metadataURI: 'virusmap:engines=YARA,ClamAV;node=0' })
  t.type(members[0]?.registeredAt, 'number')

  // within the TTL a new proposal is not seen (nobody asked the chain); after it, it is
  const later = await propose(openGov(contracts, provider, deployment.deployBlock), deployer, membershipActions(contracts.registry, 'admit', [operators[1]!]), 'Admit the second, again')
  t.equal((await reader.proposals({ limit: 10 }))?.proposals.length, 2, 'cached listing')
  clock += 5001
  const fresh = await reader.proposals({ limit: 10 })
  t.equal(fresh?.proposals.length, 3)
  t.equal(fresh?.proposals[0]?.id, later.id.toString())
})

tap.test('an unreachable chain is UNAVAILABLE (503), and is asked again next time', async (t) => {
  const { JsonRpcProvider } = await import('ethers')
  const dead = new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true })
  t.teardown(() => dead.destroy())
  const reader = createGovernanceReader({ provider: dead, contracts, deployBlock: 0 })
  await t.rejects(reader.proposals({ limit: 1 }), { code: 'UNAVAILABLE' })
  await t.rejects(reader.members(), { code: 'UNAVAILABLE' })
  await t.rejects(reader.proposals({ limit: 1 }), { code: 'UNAVAILABLE' }, 'a failure is not cached')
})
