import tap from 'tap'
import { MembershipHistory } from '../../src/chain/membership-history.ts'
import type { Hex } from '../../../protocol/src/messages.ts'

const A = '0x00000000000000000000000000000000000000aa' as Hex
const B = '0x00000000000000000000000000000000000000bb' as Hex

tap.test('membership answers by block, as the registry checkpoints do', async (t) => {
  const h = new MembershipHistory()
  h.admitted(A, 10)
  h.admitted(B, 12)
  h.removed(A, 20)
  h.admitted(A, 30)
  t.notOk(h.isMemberAt(A, 9))
  t.ok(h.isMemberAt(A, 10), 'member from the admission block on')
  t.ok(h.isMemberAt(A, 19))
  t.notOk(h.isMemberAt(A, 20), 'not a member from the removal block on')
  t.ok(h.isMemberAt(A, 30), 're-admitted')
  t.same(h.membersAt(11), [A])
  t.same(h.membersAt(12), [A, B])
  t.same(h.membersAt(25), [B])
})

tap.test('addresses compare case-insensitively; unknown ones are never members', async (t) => {
  const h = new MembershipHistory()
  h.admitted(A.toUpperCase().replace('0X', '0x') as Hex, 1)
  t.ok(h.isMemberAt(A, 1))
  t.notOk(h.isMemberAt(B, 1))
  t.equal(h.candidate(B), undefined)
  h.registered({ operator: B, peerId: '12D3Koo', x25519Key: `0x${'11'.repeat(32)}`, metadataURI: '' })
  t.equal(h.candidate(B)?.peerId, '12D3Koo')
})

tap.test('terms lapse at their end block with no event; re-election renews', async (t) => {
  const h = new MembershipHistory()
  h.admitted(A, 10)
  h.termSet(A, 10, 20)
  t.ok(h.isMemberAt(A, 19))
  t.notOk(h.isMemberAt(A, 20), 'lapsed at the term end (exclusive)')
  h.termSet(A, 25, 40)
  t.notOk(h.isMemberAt(A, 24))
  t.ok(h.isMemberAt(A, 25), 're-elected')
  t.same(h.membersAt(30), [A])
  h.removed(A, 30)
  t.notOk(h.isMemberAt(A, 35))
})
