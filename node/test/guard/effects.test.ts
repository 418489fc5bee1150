// Folding logs into the user's effects: all token standards, and logs a hostile contract forges.
import tap from 'tap'
import { AbiCoder, zeroPadValue } from 'ethers'
import { foldEffects, MAX_OTHER_MOVEMENTS, NATIVE_TOKEN, PERMIT2, TOPICS, type Address, type Log } from '../../src/guard/index.ts'

const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const OTHER: Address = '0x2222222222222222222222222222222222222222'
const TOKEN: Address = '0x1111111111111111111111111111111111111111'
const NFT: Address = '0x3333333333333333333333333333333333333333'
const coder = AbiCoder.defaultAbiCoder()
const topic = (a: string): string => zeroPadValue(a, 32)
const word = (n: bigint): string => coder.encode(['uint256'], [n])

tap.test('ERC-20, ERC-721, ERC-1155 single and batch, native, approvals', async (t) => {
  const logs: Log[] = [
    { address: TOKEN, topics: [TOPICS.transfer, topic(USER), topic(OTHER)], data: word(100n) },
    { address: TOKEN, topics: [TOPICS.transfer, topic(OTHER), topic(USER)], data: word(30n) },
    { address: NATIVE_TOKEN, topics: [TOPICS.transfer, topic(USER), topic(OTHER)], data: word(5n) },
    { address: NFT, topics: [TOPICS.transfer, topic(USER), topic(OTHER), word(7n)], data: '0x' },
    { address: NFT, topics: [TOPICS.transferSingle, topic(OTHER), topic(OTHER), topic(USER)], data: coder.encode(['uint256', 'uint256'], [1n, 10n]) },
    { address: NFT, topics: [TOPICS.transferBatch, topic(OTHER), topic(USER), topic(OTHER)], data: coder.encode(['uint256[]', 'uint256[]'], [[1n, 2n], [4n, 6n]]) },
    { address: TOKEN, topics: [TOPICS.approval, topic(USER), topic(OTHER)], data: word(2n ** 256n - 1n) },
    { address: NFT, topics: [TOPICS.approvalForAll, topic(USER), topic(OTHER)], data: word(1n) },
    { address: NFT, topics: [TOPICS.approval, topic(USER), topic(OTHER), word(9n)], data: '0x' },
    // someone else's approval: not the user's grant
    { address: TOKEN, topics: [TOPICS.approval, topic(OTHER), topic(USER)], data: word(1n) }
  ]
  const e = foldEffects(USER, logs, [{ standard: 'native', token: NATIVE_TOKEN, from: USER, to: OTHER, amount: 2n }])
  t.equal(e.native, -7n)
  t.same(e.erc20, [{ token: TOKEN, delta: -70n }])
  t.same(e.nfts, [
    { standard: 'erc721', token: NFT, id: 7n, delta: -1n },
    { standard: 'erc1155', token: NFT, id: 1n, delta: 6n },
    { standard: 'erc1155', token: NFT, id: 2n, delta: -6n }
  ])
  t.same(e.approvals, [
    { standard: 'erc20', token: TOKEN, spender: OTHER, amount: 2n ** 256n - 1n },
    { standard: 'erc721-all', token: NFT, spender: OTHER, approved: true },
    { standard: 'erc721', token: NFT, spender: OTHER, id: 9n }
  ])
  t.equal(e.transfers.length, 8)
})

tap.test('malformed and forged logs are ignored, never thrown', async (t) => {
  const logs: Log[] = [
    { address: TOKEN, topics: [TOPICS.transfer, '0x1234', topic(OTHER)], data: word(1n) },
    { address: TOKEN, topics: [TOPICS.transfer, topic(USER), topic(OTHER)], data: '0xzz' },
    { address: TOKEN, topics: [TOPICS.transfer, `0x${'ff'.repeat(32)}`, topic(OTHER)], data: word(1n) },
    { address: NFT, topics: [TOPICS.transferBatch, topic(OTHER), topic(USER), topic(OTHER)], data: coder.encode(['uint256[]', 'uint256[]'], [[1n], [1n, 2n]]) },
    { address: NFT, topics: [TOPICS.transferBatch, topic(OTHER), topic(USER), topic(OTHER)], data: coder.encode(['uint256[]', 'uint256[]'], [Array(300).fill(1n), Array(300).fill(1n)]) },
    { address: NFT, topics: [TOPICS.transferSingle, topic(OTHER), topic(USER), topic(OTHER)], data: '0x1234' },
    { address: NFT, topics: [TOPICS.approvalForAll, topic(USER)], data: word(1n) },
    // a self-transfer moves nothing
    { address: TOKEN, topics: [TOPICS.transfer, topic(USER), topic(USER)], data: word(50n) }
  ]
  const e = foldEffects(USER, logs)
  t.same(e, { native: 0n, erc20: [], nfts: [], approvals: [], transfers: [], others: [] })
})

tap.test('movements that do not touch the user are kept apart, in order, bounded', async (t) => {
  const logs: Log[] = [
    { address: TOKEN, topics: [TOPICS.transfer, topic(OTHER), topic(NFT)], data: word(3n) },
    { address: TOKEN, topics: [TOPICS.transfer, topic(NFT), topic(USER)], data: word(3n) },
    ...Array.from({ length: MAX_OTHER_MOVEMENTS + 100 }, () => ({ address: TOKEN, topics: [TOPICS.transfer, topic(OTHER), topic(NFT)], data: word(1n) }))
  ]
  const e = foldEffects(USER, logs)
  t.same(e.transfers, [{ standard: 'erc20', token: TOKEN, from: NFT, to: USER, amount: 3n }])
  t.equal(e.others?.length, MAX_OTHER_MOVEMENTS, 'a flood of movements is cut, not kept whole')
  t.same(e.others?.[0], { standard: 'erc20', token: TOKEN, from: OTHER, to: NFT, amount: 3n })
  t.same(e.erc20, [{ token: TOKEN, delta: 3n }], 'others never count toward the user\'s balance')
})

tap.test('Permit2\'s own Approval and Permit logs are allowances the user grants; copies elsewhere and malformed ones are not', async (t) => {
  const MAX160 = (1n << 160n) - 1n
  const logs: Log[] = [
    { address: PERMIT2, topics: [TOPICS.permit2Approval, topic(USER), topic(TOKEN), topic(OTHER)], data: coder.encode(['uint160', 'uint48'], [MAX160, 0n]) },
    { address: PERMIT2.toUpperCase().replace('0X', '0x'), topics: [TOPICS.permit2Permit, topic(USER), topic(NFT), topic(OTHER)], data: coder.encode(['uint160', 'uint48', 'uint48'], [5n, 1_900_000_000n, 3n]) },
    // a contract of its own emitting Permit2's events holds no allowance the user granted
    { address: TOKEN, topics: [TOPICS.permit2Approval, topic(USER), topic(TOKEN), topic(OTHER)], data: coder.encode(['uint160', 'uint48'], [MAX160, 0n]) },
    { address: PERMIT2, topics: [TOPICS.permit2Approval, topic(USER), topic(TOKEN)], data: coder.encode(['uint160', 'uint48'], [1n, 0n]) },
    { address: PERMIT2, topics: [TOPICS.permit2Permit, topic(USER), topic(TOKEN), topic(OTHER)], data: '0x1234' },
    { address: PERMIT2, topics: [TOPICS.permit2Approval, topic(USER), `0x${'ff'.repeat(32)}`, topic(OTHER)], data: coder.encode(['uint160', 'uint48'], [1n, 0n]) },
    // another owner's grant is not the user's
    { address: PERMIT2, topics: [TOPICS.permit2Approval, topic(OTHER), topic(TOKEN), topic(USER)], data: coder.encode(['uint160', 'uint48'], [1n, 0n]) }
  ]
  t.same(foldEffects(USER, logs).approvals, [
    { standard: 'erc20', token: TOKEN, spender: OTHER, amount: MAX160, via: PERMIT2, expiresAt: 0n },
    { standard: 'erc20', token: NFT, spender: OTHER, amount: 5n, via: PERMIT2, expiresAt: 1_900_000_000n }
  ])
})
