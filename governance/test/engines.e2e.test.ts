// Engine identities through governance: an election declares the new members' engines in the
// same proposal as their admission, a later proposal changes them, and lists the registry would
// refuse are refused before anything is proposed.
import t from 'tap'
import { hexlify, randomBytes } from 'ethers'
import { GovernanceError, checkEngineIds, electMembers, listMembers, openGov, parseEngineList, registerCandidate } from '../src/index.ts'
import { startGovernedChain } from '../../node/test/fixtures/governed-chain.ts'
import type { Hex } from '#protocol/messages.ts'

const { provider, signers, deployment, registry, gov, operators } = await startGovernedChain(t, 3)
for (const op of signers) {
  await registerCandidate({ registry: deployment.contracts.registry, operator: op, peerId: `12D3Koo${await op.getAddress()}`, x25519Key: hexlify(randomBytes(32)) as Hex })
}
const [op1, op2, op3] = operators as [Hex, Hex, Hex]
const enginesAt = async (operator: Hex, block: number): Promise<string[]> => [...await registry.getFunction('enginesAt')(operator, block) as string[]]

/** the GovernanceError code `fn` throws, if any */
function code (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof GovernanceError ? err.code : 'not a GovernanceError'
  }
  return undefined
}

t.test('an election sets engines in the same proposal, so they hold from the admission block', async (tt) => {
  const { executionBlock } = await electMembers({ ...gov, operators: [op1, op2], engines: { [op1]: ['YARA', 'ClamAV'], [op2]: ['VirusMap-Heuristics'] } })
  await provider.send('anvil_mine', ['0x1'])
  tt.ok(await registry.getFunction('isMemberAt')(op1, executionBlock))
  tt.same(await enginesAt(op1, executionBlock), ['YARA', 'ClamAV'])
  tt.same(await enginesAt(op2, executionBlock), ['VirusMap-Heuristics'])
  tt.same(await enginesAt(op1, executionBlock - 1), [], 'nothing before the proposal executed')
})

t.test('an engines-only proposal changes a member\'s engines and may admit nobody', async (tt) => {
  const { executionBlock } = await electMembers({ ...gov, operators: [], engines: { [op2]: ['VirusMap-Heuristics', 'YARA'] } })
  await provider.send('anvil_mine', ['0x1'])
  tt.same(await enginesAt(op2, executionBlock), ['VirusMap-Heuristics', 'YARA'])
  tt.same(await enginesAt(op2, executionBlock - 1), ['VirusMap-Heuristics'], 'the old list stays in history')
  const members = await listMembers(openGov(deployment.contracts, provider, deployment.deployBlock))
  tt.same(Object.fromEntries(members.map((m) => [m.operator.toLowerCase(), m.engines])), { [op1]: ['YARA', 'ClamAV'], [op2]: ['VirusMap-Heuristics', 'YARA'] }, 'gov members reads them')
})

t.test('an election without engines declares none', async (tt) => {
  const { executionBlock } = await electMembers({ ...gov, operators: [op3] })
  await provider.send('anvil_mine', ['0x1'])
  tt.same(await enginesAt(op3, executionBlock), [])
})

t.test('lists the registry would refuse are refused before a proposal is made', async (tt) => {
  tt.equal(code(() => { checkEngineIds(['YARA', 'ClamAV', 'x'.repeat(64), 'Engine 2.0_beta+1']) }), undefined, 'the contract\'s alphabet and length')
  for (const bad of [[''], [' YARA'], ['-YARA'], ['x'.repeat(65)], ['YA/RA'], ['YARA\n'], ['YARA', 'YARA'], Array.from({ length: 65 }, (_, i) => `E${i}`)]) {
    tt.equal(code(() => { checkEngineIds(bad) }), 'BAD_INPUT', JSON.stringify(bad).slice(0, 40))
  }
  tt.same(parseEngineList('ClamAV, YARA ,VirusMap-Heuristics'), ['ClamAV', 'YARA', 'VirusMap-Heuristics'], 'spaces around commas are not part of an id')
  tt.same(parseEngineList(''), [], 'empty: withdraw every engine')
  tt.equal(code(() => parseEngineList('ClamAV,,YARA')), 'BAD_INPUT')
  const before = await provider.getBlockNumber()
  await tt.rejects(electMembers({ ...gov, operators: [], engines: { [op1]: ['YARA', 'YARA'] } }), { name: 'GovernanceError', code: 'BAD_INPUT' })
  tt.equal(await provider.getBlockNumber(), before, 'nothing was sent')
})
