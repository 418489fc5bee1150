// waitForReceipt: a transaction's receipt once mined, a ReceiptTimeoutError when it never is (a reorg dropped
// it), the signal's reason at once when aborted, and a failing RPC's error as it is; nothing left running after.
import tap from 'tap'
import { ReceiptTimeoutError, waitForReceipt } from '../../src/chain/receipt-wait.ts'
import type { TransactionReceipt } from 'ethers'
import type { ReceiptSource } from '../../src/chain/receipt-wait.ts'

const HASH = `0x${'ab'.repeat(32)}`
const RECEIPT = { hash: HASH, blockNumber: 7, status: 1, logs: [] } as unknown as TransactionReceipt

/** a chain that mines the transaction at its `minedAt`-th answer (never when undefined), counting the questions */
function chain (minedAt?: number): ReceiptSource & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    getTransactionReceipt: async (hash) => {
      asked.push(hash)
      return minedAt !== undefined && asked.length >= minedAt ? RECEIPT : null
    }
  }
}

tap.test('a mined transaction: its receipt at the first answer, or at the poll that finds it', async (t) => {
  const at = chain(1)
  t.equal(await waitForReceipt(at, HASH, { timeoutMs: 1000, pollMs: 5 }), RECEIPT)
  t.same(at.asked, [HASH], 'asked once')
  const later = chain(3)
  t.equal(await waitForReceipt(later, HASH, { timeoutMs: 1000, pollMs: 5 }), RECEIPT)
  t.equal(later.asked.length, 3, 'asked until mined')
})

tap.test('a transaction never mined: RECEIPT_TIMEOUT after the timeout, not a wait without end', async (t) => {
  const never = chain()
  const started = Date.now()
  const err = await waitForReceipt(never, HASH, { timeoutMs: 60, pollMs: 10 }).catch((e: unknown) => e)
  t.ok(err instanceof ReceiptTimeoutError)
  t.equal((err as ReceiptTimeoutError).code, 'RECEIPT_TIMEOUT')
  t.ok(Date.now() - started >= 60, 'not before the timeout')
  t.ok(never.asked.length >= 2, 'asked more than once in the while')
  const zero = chain()
  await t.rejects(waitForReceipt(zero, HASH, { timeoutMs: 0 }), { code: 'RECEIPT_TIMEOUT' }, 'a zero timeout asks once and answers')
  t.equal(zero.asked.length, 1)
  const patient = chain()
  await t.rejects(waitForReceipt(patient, HASH, { pollMs: 5 }, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' }, 'no timeout given: the default two minutes, not at once')
  t.ok(patient.asked.length >= 2, 'asked again and again meanwhile')
})

tap.test('an abort ends the wait at once with the signal\'s reason; an aborted signal asks nothing', async (t) => {
  const never = chain()
  const started = Date.now()
  await t.rejects(waitForReceipt(never, HASH, { timeoutMs: 600_000, pollMs: 60_000 }, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' })
  t.ok(Date.now() - started < 10_000, 'long before the poll or the timeout')
  const controller = new AbortController()
  controller.abort(new Error('stopping'))
  const idle = chain()
  await t.rejects(waitForReceipt(idle, HASH, { timeoutMs: 1000 }, { signal: controller.signal }), { message: 'stopping' })
  t.same(idle.asked, [], 'nothing asked')
})

tap.test('an RPC that fails: its error, as it is', async (t) => {
  const broken: ReceiptSource = { getTransactionReceipt: async () => { throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }) } }
  await t.rejects(waitForReceipt(broken, HASH, { timeoutMs: 1000 }), { code: 'ECONNREFUSED' })
})
