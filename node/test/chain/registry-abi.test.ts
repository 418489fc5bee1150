import tap from 'tap'
import { Interface } from 'ethers'
import { registryInterface } from '../../src/chain/registry-abi.ts'
import { registryArtifact } from '#governance/artifacts.ts'

// the node reads the registry through ISupernodeRegistry's ABI; the deployed SupernodeRegistry must
// emit the same events and answer the same functions, selector for selector
const implementation = new Interface(registryArtifact.abi)

tap.test('the interface the node reads carries the membership events the follower applies', async (t) => {
  for (const name of ['CandidateRegistered', 'MemberAdmitted', 'MemberTermSet', 'MemberRemoved', 'EnginesSet']) {
    const event = registryInterface.getEvent(name)
    t.ok(event, name)
    t.equal(event?.topicHash, implementation.getEvent(name)?.topicHash, `${name}: the implementation emits the same event`)
  }
  t.notOk(registryInterface.getFunction('admit'), 'governance setters are not part of it')
})

tap.test('SupernodeRegistry implements every function of the interface', async (t) => {
  const functions: string[] = []
  registryInterface.forEachFunction((fn) => { functions.push(fn.format('sighash')) })
  t.ok(functions.length >= 9, `${functions.length} functions`)
  for (const sighash of functions) t.equal(implementation.getFunction(sighash)?.selector, registryInterface.getFunction(sighash)?.selector, sighash)
})
