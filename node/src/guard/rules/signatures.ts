// Signatures that authorize more than they show: eth_sign and personal_sign of a digest or a
// serialized transaction (blind signing), Seaport and Blur orders in which the user gives and gets
// nothing, and a Blur bulk signature (a Merkle root of orders nobody shows) asked by another site
// than Blur's: how the 2023 Blur drainers took whole collections with one signature.
import { finding, type Finding, type RuleInput } from '../finding.ts'
import { pageHost } from './malicious.ts'

/** Blur fee rates are basis points of the price: this much or more leaves the seller nothing */
const ALL_OF_IT = 10_000n
const isBlurHost = (host: string): boolean => host === 'blur.io' || host.endsWith('.blur.io')

export function signaturesRule (input: RuleInput): Finding[] {
  const out: Finding[] = []
  const user = input.request.from
  for (const a of input.request.actions) {
    if (a.kind === 'eth-sign') out.push(finding('eth-sign', 'block', 'eth_sign signs an opaque digest that can be any transaction', { digest: a.digest }))
    if (a.kind === 'personal-sign' && a.shape === 'hash32') out.push(finding('blind-signature', 'block', 'the message is a 32-byte digest, not text: it can authorize anything', { message: a.preview }))
    if (a.kind === 'personal-sign' && a.shape === 'rlp-tx') out.push(finding('raw-transaction-signature', 'block', 'the message is a serialized transaction', { message: a.preview }))
    if (a.kind === 'personal-sign' && a.shape === 'binary') out.push(finding('opaque-message', 'warn', 'the message is binary data, not readable text', { message: a.preview }))
    if (a.kind === 'seaport-order' && a.offerer === user && a.offer.length > 0) {
      const back = a.consideration.filter(c => c.recipient === user && (c.startAmount > 0n || c.endAmount > 0n))
      if (back.length === 0) {
        out.push(finding('seaport-giveaway', 'block', 'the order gives your assets away and pays you nothing', {
          offer: a.offer.map(i => ({ itemType: i.itemType, token: i.token, amount: i.startAmount.toString() })),
          considerationRecipients: [...new Set(a.consideration.map(c => c.recipient))]
        }))
      }
    }
    if (a.kind === 'blur-order' && a.trader === user && a.side === 1) {
      const feeRate = a.fees.filter(f => f.recipient !== user).reduce((sum, f) => sum + f.rate, 0n)
      if (a.price === 0n || feeRate >= ALL_OF_IT) {
        out.push(finding('blur-giveaway', 'block', 'the Blur order sells your NFT for nothing', {
          collection: a.collection,
          tokenId: a.tokenId.toString(),
          price: a.price.toString(),
          feeRecipients: [...new Set(a.fees.map(f => f.recipient))]
        }))
      }
    }
    if (a.kind === 'blur-root') {
      const host = pageHost(input.page.origin)
      if (host === undefined) out.push(finding('blur-bulk-signature', 'warn', 'a Blur bulk signature signs orders this request does not show', { root: a.root }))
      else if (!isBlurHost(host)) out.push(finding('blur-bulk-signature', 'block', `${host} asks for a Blur bulk signature, which signs orders this request does not show; Blur itself asks on blur.io`, { root: a.root, host }))
    }
  }
  return out
}
