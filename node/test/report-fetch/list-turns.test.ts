// The order other jobId lists under an anchored root are tried in (list-turns.ts): per signing member, the held
// list's signer last, a signer's lists with more jobs held here first, and ties rotating from pass to pass so a
// liar that also signed the anchored list cannot keep it behind its forgeries.
import tap from 'tap'
import { signerTurns } from '../../src/report-fetch/list-turns.ts'
import type { Hex } from '#protocol/messages.ts'
import type { StoredAnchorProposal } from '../../src/db/anchor-repository.ts'

const list = (proposer: string, id: number): StoredAnchorProposal => ({
  epoch: 1, root: `0x${'11'.repeat(32)}`, leafCount: 1, jobIds: [`0x${id.toString(16).padStart(64, '0')}`], leaves: [], proposer: proposer as Hex, signature: '0x'
})
const liar = '0x' + 'aa'.repeat(20)
const honest = '0x' + 'bb'.repeat(20)
const forged = [1, 2, 3].map((id) => list(liar, id))
const anchored = list(liar, 9)
const other = list(honest.toUpperCase().replace('0X', '0x'), 7)
const ids = (turn: { lists: StoredAnchorProposal[] }): Hex[] => turn.lists.map((l) => l.jobIds[0] as Hex)

tap.test('one turn per signer, the held list\'s signer last, whatever the case of its address', async (t) => {
  const turns = signerTurns([...forged, anchored, other], () => 0, 0, liar.toUpperCase())
  t.same(turns.map((s) => s.proposer), [honest, liar])
  t.equal(turns[1]?.lists.length, 4, 'all of one signer\'s lists share its turn')
})

tap.test('a signer\'s list with jobs held here goes first', async (t) => {
  const turns = signerTurns([...forged, anchored], (l) => (l === anchored ? 1 : 0), 0, honest)
  t.same(ids(turns[0] as { lists: StoredAnchorProposal[] })[0], anchored.jobIds[0])
})

tap.test('ties rotate from pass to pass: each of a signer\'s lists comes first in turn', async (t) => {
  const firsts = new Set([0, 1, 2, 3].map((round) => ids(signerTurns([...forged, anchored], () => 0, round, honest)[0] as { lists: StoredAnchorProposal[] })[0]))
  t.equal(firsts.size, 4, 'the anchored list among them')
  t.ok(firsts.has(anchored.jobIds[0] as Hex))
})

tap.test('no lists: no turns', async (t) => {
  t.same(signerTurns([], () => 0, 5, liar), [])
})
