import tap from 'tap'
import { Transaction } from 'ethers'
import { decodeRequest, GuardError, MAX_DATA_BYTES, type Address } from '../../src/guard/index.ts'
import { call, MAX, MAX160, permit2TransferTypedData, permit2TypedData, permitTypedData, seaportTypedData, tx, typed } from './fixtures/requests.ts'

const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const TOKEN: Address = '0x1111111111111111111111111111111111111111'
const OTHER: Address = '0x2222222222222222222222222222222222222222'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    if (!(err instanceof GuardError)) throw err
    return err.code
  }
}

tap.test('transactions: token methods become actions', async (t) => {
  t.same(decodeRequest(call(USER, TOKEN, 'approve', [OTHER, MAX])).actions, [{ kind: 'approve', via: 'approve', token: TOKEN, spender: OTHER, amount: MAX }])
  t.same(decodeRequest(call(USER, TOKEN, 'increaseAllowance', [OTHER, 5n])).actions, [{ kind: 'approve', via: 'increaseAllowance', token: TOKEN, spender: OTHER, amount: 5n }])
  t.same(decodeRequest(call(USER, TOKEN, 'setApprovalForAll', [OTHER, true])).actions, [{ kind: 'approval-for-all', token: TOKEN, operator: OTHER, approved: true }])
  t.same(decodeRequest(call(USER, TOKEN, 'transfer', [OTHER, 7n])).actions, [{ kind: 'transfer', token: TOKEN, to: OTHER, amount: 7n }])
  t.same(decodeRequest(call(USER, TOKEN, 'safeTransferFrom(address,address,uint256)', [USER, OTHER, 9n])).actions, [{ kind: 'nft-transfer', standard: 'erc721', token: TOKEN, from: USER, to: OTHER, ids: [9n], amounts: [1n] }])
  t.same(decodeRequest(tx(USER, OTHER, '0x', 10n)).actions, [{ kind: 'native-transfer', to: OTHER, value: 10n }])
  const claim = decodeRequest(call(USER, TOKEN, 'claim', [], 3n))
  t.same(claim.actions, [{ kind: 'contract-call', to: TOKEN, selector: '0x4e71d92d' }, { kind: 'native-transfer', to: TOKEN, value: 3n }])
  t.same(claim.tx, { from: USER, to: TOKEN, value: 3n, data: '0x4e71d92d' })
  // mixed-case hex and `input` instead of `data` as some dapps send it
  const upper = decodeRequest({ method: 'eth_sendTransaction', params: [{ from: USER.toUpperCase().replace('0X', '0x'), to: TOKEN, input: '0x4E71D92D' }] })
  t.equal(upper.from, USER)
  t.equal(upper.tx?.data, '0x4e71d92d')
})

tap.test('typed data: Permit, Permit2 single/batch/transfer, Seaport, other', async (t) => {
  const permit = decodeRequest(typed(USER, permitTypedData(TOKEN, USER, OTHER, MAX, MAX)))
  t.same(permit.actions, [{ kind: 'permit', token: TOKEN, owner: USER, spender: OTHER, amount: MAX, deadline: MAX }])
  const single = decodeRequest(typed(USER, permit2TypedData([{ token: TOKEN, amount: MAX160, expiration: 2000000000n }], OTHER, 1900000000n, false))).actions[0]
  t.match(single, { kind: 'permit2', variant: 'single', spender: OTHER, tokens: [{ token: TOKEN, amount: MAX160, expiration: 2000000000n }] })
  const batch = decodeRequest(typed(USER, permit2TypedData([{ token: TOKEN, amount: 1n, expiration: 1n }, { token: OTHER, amount: 2n, expiration: 1n }], OTHER, 1n, true))).actions[0]
  t.match(batch, { kind: 'permit2', variant: 'batch', tokens: [{ token: TOKEN }, { token: OTHER }] })
  t.match(decodeRequest(typed(USER, permit2TransferTypedData(TOKEN, 5n, OTHER, 77n))).actions[0], { kind: 'permit2', variant: 'transfer-from', tokens: [{ token: TOKEN, amount: 5n, expiration: 77n }] })
  const order = decodeRequest(typed(USER, seaportTypedData(USER, [{ itemType: 2, token: TOKEN, identifierOrCriteria: 1n, startAmount: 1n, endAmount: 1n }], [{ itemType: 0, token: '0x0000000000000000000000000000000000000000', startAmount: 1n, endAmount: 1n, recipient: OTHER }]))).actions[0]
  t.match(order, { kind: 'seaport-order', offerer: USER, offer: [{ itemType: 2, token: TOKEN }], consideration: [{ recipient: OTHER }] })
  // an object instead of a JSON text is accepted too
  const mail = { types: { Mail: [{ name: 'contents', type: 'string' }] }, primaryType: 'Mail', domain: { name: 'x' }, message: { contents: 'hi' } }
  t.same(decodeRequest({ method: 'eth_signTypedData_v4', params: [USER, mail] }).actions, [{ kind: 'typed-data', primaryType: 'Mail', verifyingContract: undefined }])
})

tap.test('messages: text, 32-byte digest, serialized transaction, eth_sign', async (t) => {
  const sign = (m: string): unknown => decodeRequest({ method: 'personal_sign', params: [m, USER] }).actions[0]
  t.match(sign('Sign in to example.com'), { kind: 'personal-sign', shape: 'text' })
  t.match(sign(`0x${Buffer.from('hello\nworld').toString('hex')}`), { kind: 'personal-sign', shape: 'text', preview: 'hello\nworld' })
  t.match(sign(`0x${'ab'.repeat(32)}`), { kind: 'personal-sign', shape: 'hash32' })
  t.match(sign('0x00ff0102'), { kind: 'personal-sign', shape: 'binary' })
  const raw = Transaction.from({ to: TOKEN, value: 1n, nonce: 0, gasLimit: 21000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, chainId: 1n, type: 2 }).unsignedSerialized
  t.match(sign(raw), { kind: 'personal-sign', shape: 'rlp-tx' })
  t.match(sign(Transaction.from({ to: TOKEN, value: 1n, nonce: 0, gasLimit: 21000n, gasPrice: 1n, chainId: 1n, type: 0 }).unsignedSerialized), { kind: 'personal-sign', shape: 'rlp-tx' })
  // reversed parameters, as some dapps send them
  t.equal(decodeRequest({ method: 'personal_sign', params: [USER, 'hi'] }).from, USER)
  t.match(decodeRequest({ method: 'eth_sign', params: [USER, `0x${'cd'.repeat(32)}`] }).actions[0], { kind: 'eth-sign' })
  t.match(decodeRequest({ method: 'eth_requestAccounts' }), { from: undefined, actions: [{ kind: 'connect', method: 'eth_requestAccounts' }] })
})

tap.test('hostile input: a GuardError with a code, never a crash', async (t) => {
  const cases: Array<[unknown, string]> = [
    [null, 'BAD_TYPE'],
    ['eth_sendTransaction', 'BAD_TYPE'],
    [{ method: 42 }, 'BAD_TYPE'],
    [{ method: 'x'.repeat(10_000) }, 'OVERSIZE'],
    [{ method: 'eth_getBalance', params: [] }, 'UNSUPPORTED_METHOD'],
    [{ method: 'eth_sendTransaction', params: 'nope' }, 'BAD_TYPE'],
    [{ method: 'eth_sendTransaction', params: [1, 2, 3, 4, 5] }, 'TOO_MANY_ITEMS'],
    [{ method: 'eth_sendTransaction', params: [] }, 'BAD_TYPE'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: '0xabc' }] }, 'BAD_HEX'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: '0xzz' }] }, 'BAD_HEX'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: `0x${'00'.repeat(MAX_DATA_BYTES + 1)}` }] }, 'OVERSIZE'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: '0x1234' }] }, 'BAD_CALLDATA'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: '0x095ea7b3' + '00'.repeat(10) }] }, 'BAD_CALLDATA'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, data: '0x', input: '0x12' }] }, 'BAD_TYPE'],
    [{ method: 'eth_sendTransaction', params: [{ from: '0x1234', to: TOKEN }] }, 'BAD_ADDRESS'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, value: -1 }] }, 'BAD_NUMBER'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, value: `0x1${'0'.repeat(64)}` }] }, 'BAD_NUMBER'],
    [{ method: 'eth_sendTransaction', params: [{ from: USER, to: TOKEN, value: 1e300 }] }, 'BAD_NUMBER'],
    [{ method: 'eth_signTypedData_v4', params: [USER, '{not json'] }, 'BAD_JSON'],
    [{ method: 'eth_signTypedData_v4', params: [USER, 'x'.repeat(300_000)] }, 'OVERSIZE'],
    [{ method: 'eth_signTypedData_v4', params: [USER, { types: {}, primaryType: 'Permit', domain: {}, message: {} }] }, 'BAD_TYPED_DATA'],
    [{ method: 'eth_signTypedData_v4', params: [USER, { types: { A: [{ name: 'b', type: 'B' }], B: [{ name: 'a', type: 'A' }] }, primaryType: 'A', domain: {}, message: { b: {} } }] }, 'BAD_TYPED_DATA'],
    [{ method: 'eth_signTypedData_v4', params: [USER, { types: { M: [{ name: 'x', type: 'uint8' }] }, primaryType: 'M', domain: {}, message: { x: 300 } }] }, 'BAD_TYPED_DATA'],
    [{ method: 'eth_signTypedData_v4', params: [USER, 42] }, 'BAD_TYPE'],
    [{ method: 'personal_sign', params: [`0x${'0'.repeat(3)}`, USER] }, 'BAD_HEX'],
    [{ method: 'personal_sign', params: [{}, USER] }, 'BAD_TYPE'],
    [{ method: 'eth_sign', params: [USER, 12] }, 'BAD_TYPE']
  ]
  for (const [request, expected] of cases) t.equal(code(() => decodeRequest(request)), expected, JSON.stringify(request)?.slice(0, 100))

  // huge arrays: a Permit2 batch and a Seaport order with more items than the guard reads
  const many = Array.from({ length: 65 }, () => ({ token: TOKEN, amount: 1n, expiration: 1n }))
  t.equal(code(() => decodeRequest(typed(USER, permit2TypedData(many, OTHER, 1n, true)))), 'TOO_MANY_ITEMS')
  const items = Array.from({ length: 65 }, () => ({ itemType: 1, token: TOKEN, startAmount: 1n, endAmount: 1n, recipient: USER }))
  t.equal(code(() => decodeRequest(typed(USER, seaportTypedData(USER, items, [])))), 'TOO_MANY_ITEMS')
  // a wrong type inside otherwise valid typed data: a Permit whose spender is not an address cannot encode
  const bad = permitTypedData(TOKEN, USER, OTHER, 1n, 1n) as { message: Record<string, unknown> }
  bad.message.spender = 'bob'
  t.equal(code(() => decodeRequest(typed(USER, bad))), 'BAD_TYPED_DATA')
  // a huge ERC-1155 batch in calldata
  const { Interface } = await import('ethers')
  const batch = new Interface(['function safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)']).encodeFunctionData('safeBatchTransferFrom', [USER, OTHER, Array(300).fill(1n), Array(300).fill(1n), '0x'])
  t.equal(code(() => decodeRequest(tx(USER, TOKEN, batch))), 'TOO_MANY_ITEMS')
})
