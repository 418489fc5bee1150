/** The node's signed receipt (SPEC section 17): hashes as ethers does, names its node, and a front-run breaks it. */
import tap from 'tap'
import { TypedDataEncoder } from 'ethers'
import { EIP712_TYPES, eip712Domain, receiptBrokenBy, receiptDigest, recoverReceiptSigner, signReceipt } from '../src/index.ts'
import type { Hex, Receipt } from '../src/index.ts'
import { CHAIN_ID, member, NOW, OUTSIDER, REGISTRY, SHA256, SUBMITTER } from './fixtures.ts'

const receipt: Receipt = { sha256: SHA256, submitter: SUBMITTER.address, submittedAt: NOW - 5_000, receivedAt: NOW, jobId: `0x${'4a'.repeat(32)}` }

tap.test('a receipt signs and recovers its node; any changed field is another node', async (t) => {
  t.equal(TypedDataEncoder.from(EIP712_TYPES.Receipt).encodeType('Receipt'), 'Receipt(bytes32 sha256,address submitter,uint64 submittedAt,uint64 receivedAt,bytes32 jobId)')
  t.equal(receiptDigest(receipt, CHAIN_ID, REGISTRY), TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.Receipt, receipt))
  const node = member(0)
  const signature = await signReceipt(receipt, CHAIN_ID, REGISTRY, node.wallet)
  t.equal(recoverReceiptSigner(receipt, signature, CHAIN_ID, REGISTRY), node.address)
  t.not(recoverReceiptSigner({ ...receipt, submitter: OUTSIDER.address }, signature, CHAIN_ID, REGISTRY), node.address)
  t.not(recoverReceiptSigner({ ...receipt, receivedAt: NOW + 1 }, signature, CHAIN_ID, REGISTRY), node.address)
  t.throws(() => recoverReceiptSigner(receipt, '0x00' as Hex, CHAIN_ID, REGISTRY), { code: 'BAD_SIGNATURE' })
})

tap.test('a job from the same node for the same file under another wallet breaks the receipt', async (t) => {
  const node = member(0).address
  t.ok(receiptBrokenBy(receipt, node, { origin: node, sha256: SHA256, submitter: OUTSIDER.address }), 'front-run under the node\'s own wallet')
  t.notOk(receiptBrokenBy(receipt, node, { origin: node, sha256: SHA256, submitter: SUBMITTER.address }), 'the job the receipt promised')
  t.notOk(receiptBrokenBy(receipt, node, { origin: member(1).address, sha256: SHA256, submitter: OUTSIDER.address }), 'another node\'s job is not this node\'s breach')
  t.notOk(receiptBrokenBy(receipt, node, { origin: node, sha256: `0x${'00'.repeat(32)}`, submitter: OUTSIDER.address }), 'another file')
})
