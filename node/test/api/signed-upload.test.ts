/**
 * POST /api/v3/files with a wallet's signed Submission in the form fields before the file (protocol
 * SPEC 17): the port gets it, a checked one earns a signed receipt, and malformed fields are 400s.
 */
import { createHash } from 'node:crypto'
import tap from 'tap'
import { Wallet } from 'ethers'
import { checkFileSubmission, recoverReceiptSigner, signReceipt, signSubmission } from '#protocol/index.ts'
import type { FileSubmission, Hex, Receipt } from '#protocol/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'

const CHAIN_ID = 31337
const REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
const wallet = new Wallet(`0x${'07'.repeat(32)}`)
const node = new Wallet(`0x${'01'.repeat(32)}`)
const BYTES = Buffer.from('a sample a wallet found')
const SHA = `0x${createHash('sha256').update(BYTES).digest('hex')}` as Hex

/** The memory node's ports, with a submitter that does what the node's does with a submission: check it against the bytes, sign a receipt. */
function ports (seen: Array<FileSubmission | undefined>): ApiPorts {
  const base = createMemoryNode().ports
  return {
    ...base,
    submitter: {
      async submitFile (source, meta, options) {
        seen.push(meta.submission)
        const chunks: Uint8Array[] = []
        for await (const chunk of source) chunks.push(chunk)
        const sha256 = `0x${createHash('sha256').update(Buffer.concat(chunks)).digest('hex')}` as Hex
        const now = Date.now()
        const s = meta.submission === undefined ? undefined : checkFileSubmission(meta.submission, sha256, { chainId: CHAIN_ID, registry: REGISTRY, now, clockSkewMs: 1000, maxAgeMs: 600_000 })
        const done = await base.submitter.submitFile((async function * () { yield Buffer.concat(chunks) })(), { filename: meta.filename }, options)
        if (s === undefined) return done
        const receipt: Receipt = { sha256, submitter: s.submitter, submittedAt: s.submittedAt, receivedAt: now, jobId: done.analysisId }
        return { ...done, receipt: { ...receipt, signature: await signReceipt(receipt, CHAIN_ID, REGISTRY, node) } }
      }
    }
  }
}

async function fields (overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const submittedAt = Date.now() - 1000
  const signature = await signSubmission({ kind: 'file', sha256: SHA, context: 'phish', submittedAt }, CHAIN_ID, REGISTRY, wallet)
  return { sha256: SHA, submitter: wallet.address, submitted_at: String(submittedAt), signature, context: 'phish', ...overrides }
}

/** The fields go before the file: the route reads those parsed when the file part starts. */
function form (before: Record<string, string>): FormData {
  const f = new FormData()
  for (const [k, v] of Object.entries(before)) f.append(k, v)
  f.append('file', new Blob([BYTES]), 'sample.bin')
  return f
}

tap.test('a signed upload reaches the port and is answered with the node\'s receipt', async (t) => {
  const seen: Array<FileSubmission | undefined> = []
  const api = await startApi(t, ports(seen))
  const res = await fetch(`${api.url}/api/v3/files`, { method: 'POST', body: form(await fields()) })
  t.equal(res.status, 200)
  const body = await res.json() as { data: { id: Hex }, meta: { receipt: Receipt & { signature: Hex } } }
  t.equal(seen[0]?.submitter, wallet.address.toLowerCase())
  t.equal(body.meta.receipt.jobId, body.data.id)
  t.equal(body.meta.receipt.submitter, wallet.address.toLowerCase())
  const { signature, ...receipt } = body.meta.receipt
  t.equal(recoverReceiptSigner(receipt, signature, CHAIN_ID, REGISTRY), node.address.toLowerCase())
})

tap.test('an unsigned upload stays anonymous with no receipt', async (t) => {
  const seen: Array<FileSubmission | undefined> = []
  const api = await startApi(t, ports(seen))
  const res = await fetch(`${api.url}/api/v3/files`, { method: 'POST', body: form({}) })
  t.equal(res.status, 200)
  t.notOk(Object.hasOwn(await res.json() as object, 'meta'))
  t.same(seen, [undefined])
})

tap.test('malformed, hostile or mismatched submissions are 400s', async (t) => {
  const api = await startApi(t, ports([]))
  const good = await fields()
  const cases: Array<[string, FormData]> = [
    ['no sha256', form({ ...good, sha256: '' })],
    ['short sha256', form({ ...good, sha256: '0x1234' })],
    ['a bad address', form({ ...good, submitter: '0x12' })],
    ['a short signature', form({ ...good, signature: '0xabcd' })],
    ['a time that is not a number', form({ ...good, submitted_at: 'yesterday' })],
    ['an old signature', form(await fields({ submitted_at: String(Date.now() - 3_600_000) }))],
    ['a context the wallet did not sign', form({ ...good, context: 'changed' })],
    ['a signature over other bytes', form({ ...good, sha256: `0x${'ab'.repeat(32)}` })],
    ['an oversize context', form({ ...good, context: 'x'.repeat(5000) })]
  ]
  for (const [name, body] of cases) {
    await t.test(name, async (st) => { await expectVtError(st, await fetch(`${api.url}/api/v3/files`, { method: 'POST', body }), 400, 'BadRequestError') })
  }
  const repeated = new FormData()
  repeated.append('submitter', wallet.address)
  repeated.append('submitter', wallet.address)
  repeated.append('file', new Blob([BYTES]))
  await expectVtError(t, await fetch(`${api.url}/api/v3/files`, { method: 'POST', body: repeated }), 400, 'BadRequestError')
})
