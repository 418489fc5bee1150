/** Receipts this node signed survive a restart (the database reopened) and are found by job id in any hex case. */
import tap from 'tap'
import { openDatabase, ReceiptRepository } from '../../src/db/index.ts'
import type { StoredReceipt } from '../../src/db/index.ts'
import type { Hex } from '#protocol/messages.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const receipt: StoredReceipt = { sha256: hex('ab', 32), submitter: hex('07', 20), submittedAt: 1_700_000_000_000, receivedAt: 1_700_000_000_500, jobId: hex('0c', 32), signature: hex('1b', 65) }

tap.test('a stored receipt is there after the database is reopened', async (t) => {
  const path = t.testdir()
  const first = await openDatabase({ path })
  await new ReceiptRepository(first).put(receipt)
  await first.close()

  const db = await openDatabase({ path })
  t.teardown(async () => { await db.close() })
  const receipts = new ReceiptRepository(db)
  t.same(await receipts.get(receipt.jobId), receipt)
  t.same(await receipts.get(hex('0C', 32)), receipt, 'the key does not depend on the caller\'s hex case')
  t.equal(await receipts.get(hex('0d', 32)), undefined, 'another job has none')
})
