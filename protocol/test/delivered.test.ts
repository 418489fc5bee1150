/**
 * A member's signed delivery (SPEC section 18): the digest is the one DataMarket.deliveredDigest computes
 * (the contract's formula rebuilt here with abi.encode; contracts/test/data-market.e2e.test.ts checks it against
 * the deployed contract), the vector pins it, and any changed field recovers another signer.
 */
import tap from 'tap'
import { AbiCoder, TypedDataEncoder, concat, keccak256, toUtf8Bytes } from 'ethers'
import { EIP712_TYPES, deliveredDigest, eip712Domain, recoverDeliveredSigner, signDelivered } from '../src/index.ts'
import type { Delivered, Hex } from '../src/index.ts'
import { CHAIN_ID, member, REGISTRY } from './fixtures.ts'

const delivered: Delivered = { market: `0x${'4d'.repeat(20)}`, orderId: 7n, wrapHash: `0x${'a5'.repeat(32)}` }
// the vector: delivered under CHAIN_ID and REGISTRY
const DIGEST = '0xaa3191c1bc65ef6a1c1952d82275f18c1acfab79eb58b15dfd895a23a60f516f'

tap.test('the digest is DataMarket\'s: typehash, abi.encode of the fields, the protocol\'s domain', async (t) => {
  const TYPE = 'Delivered(address market,uint256 orderId,bytes32 wrapHash)'
  t.equal(TypedDataEncoder.from(EIP712_TYPES.Delivered).encodeType('Delivered'), TYPE)
  const structHash = keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'address', 'uint256', 'bytes32'],
    [keccak256(toUtf8Bytes(TYPE)), delivered.market, delivered.orderId, delivered.wrapHash]))
  const contractDigest = keccak256(concat(['0x1901', TypedDataEncoder.hashDomain(eip712Domain(CHAIN_ID, REGISTRY)), structHash]))
  t.equal(deliveredDigest(delivered, CHAIN_ID, REGISTRY), contractDigest)
  t.equal(deliveredDigest(delivered, CHAIN_ID, REGISTRY), DIGEST, 'the vector')
  t.equal(TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.Delivered, delivered), DIGEST, 'ethers agrees')
})

tap.test('a delivery recovers its member; another order, market, wrap or chain recovers someone else', async (t) => {
  const m = member(1)
  const signature = await signDelivered(delivered, CHAIN_ID, REGISTRY, m.wallet)
  t.equal(recoverDeliveredSigner(delivered, signature, CHAIN_ID, REGISTRY), m.address)
  t.equal(recoverDeliveredSigner(delivered, signature, CHAIN_ID, REGISTRY, m.address), m.address, 'the claimed shortcut agrees')
  t.not(recoverDeliveredSigner({ ...delivered, orderId: 8n }, signature, CHAIN_ID, REGISTRY), m.address)
  t.not(recoverDeliveredSigner({ ...delivered, market: `0x${'4e'.repeat(20)}` }, signature, CHAIN_ID, REGISTRY), m.address)
  t.not(recoverDeliveredSigner({ ...delivered, wrapHash: `0x${'a6'.repeat(32)}` }, signature, CHAIN_ID, REGISTRY), m.address)
  t.not(recoverDeliveredSigner(delivered, signature, CHAIN_ID + 1, REGISTRY), m.address)
  t.throws(() => recoverDeliveredSigner(delivered, '0x00' as Hex, CHAIN_ID, REGISTRY), { code: 'BAD_SIGNATURE' })
  const highS = `${signature.slice(0, 66)}${'f'.repeat(64)}${signature.slice(130)}` as Hex
  t.throws(() => recoverDeliveredSigner(delivered, highS, CHAIN_ID, REGISTRY), { code: 'BAD_SIGNATURE' }, 'a high s has no second spelling')
})
