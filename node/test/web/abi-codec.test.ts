/**
 * The page's ABI codec against ethers (which the CLI sends with), on the artifacts' own ABIs: the
 * same calldata for every call the governance page makes, the same decoding, and refusals (not
 * crashes or silent misreads) for malformed, oversize and hostile answers.
 */
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { AbiCoder, Interface, id, randomBytes, hexlify } from 'ethers'
import { governorArtifact, timelockArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { abiDecode, abiEncode, createAbi } from '../../src/web/abi-codec.js'

const governor = createAbi(governorArtifact.abi, keccak_256)
const vmt = createAbi(vmtArtifact.abi, keccak_256)
const ethersGovernor = new Interface(governorArtifact.abi)
const ethersVmt = new Interface(vmtArtifact.abi)
const coder = AbiCoder.defaultAbiCoder()
const A = `0x${'ab'.repeat(20)}`
const B = `0x${'0c'.repeat(20)}`

tap.test('calldata is byte for byte what ethers encodes, for every call the page sends or reads', async (t) => {
  const pid = 2n ** 255n + 12345n
  const actions = [[A, B], [0n, 7n], ['0x', hexlify(randomBytes(37))], id('Admit\nü')]
  const cases: Array<[ReturnType<typeof createAbi>, Interface, string, unknown[]]> = [
    [vmt, ethersVmt, 'delegate', [A]],
    [vmt, ethersVmt, 'getVotes', [A]],
    [vmt, ethersVmt, 'balanceOf', [B]],
    [vmt, ethersVmt, 'delegates', [A]],
    [governor, ethersGovernor, 'castVoteWithReason', [pid, 1, 'runs YARA; ünïcode ✓ and a reason longer than one 32-byte word of text']],
    [governor, ethersGovernor, 'castVoteWithReason', [pid, 2, '']],
    [governor, ethersGovernor, 'state', [pid]],
    [governor, ethersGovernor, 'proposalVotes', [pid]],
    [governor, ethersGovernor, 'getVotes', [A, 99n]],
    [governor, ethersGovernor, 'hasVoted', [pid, A]],
    [governor, ethersGovernor, 'queue', actions],
    [governor, ethersGovernor, 'execute', actions],
    [governor, ethersGovernor, 'hashProposal', actions],
    [governor, ethersGovernor, 'token', []]
  ]
  for (const [ours, theirs, name, args] of cases) t.equal(ours.encode(name, args), theirs.encodeFunctionData(name, args), name)
  t.equal(hexlify(abiEncode(['address[]', 'uint256[]', 'bytes[]', 'bytes32'], actions)), coder.encode(['address[]', 'uint256[]', 'bytes[]', 'bytes32'], actions), 'hashProposal\'s preimage')
  t.equal(hexlify(abiEncode(['int8', 'int256', 'bool', 'bytes4', 'string[]'], [-128n, -1n, true, '0x01020304', ['a', '', 'ü'.repeat(40)]])),
    coder.encode(['int8', 'int256', 'bool', 'bytes4', 'string[]'], [-128n, -1n, true, '0x01020304', ['a', '', 'ü'.repeat(40)]]))
})

tap.test('decoding agrees with ethers, and errors decode by the artifacts\' ABIs', async (t) => {
  const votes = coder.encode(['uint256', 'uint256', 'uint256'], [1n, 2n ** 200n, 0n])
  t.same(governor.decode('proposalVotes', votes), [1n, 2n ** 200n, 0n])
  t.same(governor.decode('state', coder.encode(['uint8'], [7])), [7n])
  t.same(vmt.decode('delegates', coder.encode(['address'], [A])), [A])
  t.same(abiDecode(['string[]', 'bytes', 'int16'], coder.encode(['string[]', 'bytes', 'int16'], [['x', 'ÿ'], '0xdead', -300]) as string), [['x', 'ÿ'], '0xdead', -300n])
  const unexpected = ethersGovernor.encodeErrorResult('GovernorUnexpectedProposalState', [5n, 3, `0x${'00'.repeat(31)}02`])
  t.equal(governor.decodeError(unexpected), `GovernorUnexpectedProposalState(5, 3, 0x${'00'.repeat(31)}02)`)
  const timelock = createAbi(timelockArtifact.abi, keccak_256)
  t.equal(timelock.decodeError(new Interface(timelockArtifact.abi).encodeErrorResult('TimelockUnexpectedOperationState', [id('x'), id('y')])), `TimelockUnexpectedOperationState(${id('x')}, ${id('y')})`)
  t.equal(governor.decodeError(`0x08c379a0${coder.encode(['string'], ['plain revert']).slice(2)}`), 'Error(plain revert)')
  t.equal(governor.decodeError('0x12345678'), undefined, 'an unknown selector')
  t.equal(governor.decodeError({ data: '0x' }), undefined, 'not hex at all')
  t.equal(governor.decodeError(`${unexpected.slice(0, 20)}`), 'GovernorUnexpectedProposalState(…)', 'a truncated error is named, not decoded')
})

tap.test('hostile and malformed answers are refused with MALFORMED', async (t) => {
  const expectMalformed = (f: () => unknown, what: string): void => { t.throws(f, { name: 'AbiError', code: 'MALFORMED' }, what) }
  expectMalformed(() => governor.decode('state', '0x'), 'empty')
  expectMalformed(() => governor.decode('state', '0x1'), 'odd hex')
  expectMalformed(() => governor.decode('state', 'banana'), 'not hex')
  expectMalformed(() => governor.decode('state', 42 as unknown as string), 'not a string')
  expectMalformed(() => governor.decode('state', `0x${'ff'.repeat(32)}`), 'a uint8 word past 255')
  expectMalformed(() => vmt.decode('delegates', `0x${'ff'.repeat(32)}`), 'an address with high bits')
  expectMalformed(() => abiDecode(['bool'], `0x${'00'.repeat(31)}02`), 'a bool of 2')
  expectMalformed(() => abiDecode(['string'], `0x${'00'.repeat(31)}20${'ff'.repeat(32)}`), 'a length of 2^256-1')
  expectMalformed(() => abiDecode(['string'], `0x${'ff'.repeat(32)}`), 'an offset of 2^256-1')
  expectMalformed(() => abiDecode(['uint256[]'], `0x${'00'.repeat(31)}20${'00'.repeat(28)}7fffffff`), 'a list of 2^31 elements in 64 bytes (no allocation)')
  expectMalformed(() => abiDecode(['string'], coder.encode(['bytes'], ['0xfffe']) as string), 'a string that is not UTF-8')
  expectMalformed(() => abiDecode(['int8'], coder.encode(['int16'], [200]) as string), 'an int8 word out of range')
  // 1 MiB of zeros decodes as zero-length strings quickly: nothing scales with what the data claims
  t.same(abiDecode(['string', 'bytes'], `0x${'00'.repeat(31)}40${'00'.repeat(31)}40${'00'.repeat(1 << 20)}`), ['', '0x'])
})

tap.test('bad arguments and unknown functions are refused before anything is sent', async (t) => {
  const expectCode = (code: string, f: () => unknown, what: string): void => { t.throws(f, { name: 'AbiError', code }, what) }
  expectCode('BAD_ARGUMENT', () => vmt.encode('delegate', ['0x1234']), 'a short address')
  expectCode('BAD_ARGUMENT', () => vmt.encode('delegate', [`${A}<script>`]), 'markup in an address')
  expectCode('BAD_ARGUMENT', () => governor.encode('castVoteWithReason', [1n, 256, 'x']), 'support past uint8')
  expectCode('BAD_ARGUMENT', () => governor.encode('castVoteWithReason', [-1n, 1, 'x']), 'a negative uint256')
  expectCode('BAD_ARGUMENT', () => governor.encode('castVoteWithReason', [1n, 1, 7]), 'a number as the reason')
  expectCode('BAD_ARGUMENT', () => governor.encode('state', [1.5]), 'a fraction')
  expectCode('BAD_ARGUMENT', () => governor.encode('queue', [[A], [0n], ['0xzz'], id('x')]), 'calldata that is not hex')
  expectCode('BAD_ARGUMENT', () => governor.encode('queue', [[A], [0n], ['0x'], '0x1234']), 'a short bytes32')
  expectCode('UNKNOWN_FUNCTION', () => governor.encode('transfer', [A, 1n]), 'the Governor has no transfer')
  expectCode('UNKNOWN_FUNCTION', () => governor.encode('state', [1n, 2n]), 'no state with two arguments')
  expectCode('UNSUPPORTED_TYPE', () => abiEncode(['tuple'], [[]]), 'tuples')
  expectCode('MALFORMED', () => createAbi({ abi: [] }, keccak_256), 'an artifact instead of its abi')
})
