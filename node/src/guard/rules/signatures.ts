// Signatures that authorize more than they show: eth_sign and personal_sign of a digest or a
// serialized transaction (blind signing), and Seaport orders in which the user gives and gets nothing.
import { finding, type Finding, type RuleInput } from '../finding.ts'

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
  }
  return out
}
