/**
 * POST /api/v3/files tells a signed upload's wallet when its submission deposit does not cover a report
 * (SPEC 17 rule 0): the upload is taken all the same, with `meta.deposit` saying it will not earn. No notice
 * when the deposit covers it, when no deposit is needed, for an unsigned upload, or when the lookup fails.
 */
import tap from 'tap'
import type { Test } from 'tap'
import { parseEther, Wallet } from 'ethers'
import { DEFAULT_REWARD_PARAMS, REWARD_PARAMETER_KEYS, signSubmission } from '#protocol/index.ts'
import type { DepositTotals, Hex } from '#protocol/index.ts'
import { createDepositNotices } from '../../src/rewards/deposit-notice.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { staticFollower } from '../fixtures/memory-network.ts'
import { createHash } from 'node:crypto'

const CHAIN_ID = 31337
const REGISTRY = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex
const wallet = new Wallet(`0x${'07'.repeat(32)}`)
const account = wallet.address.toLowerCase() as Hex
const BYTES = Buffer.from('a sample a wallet found, deposit or not')
const SHA = `0x${createHash('sha256').update(BYTES).digest('hex')}` as Hex
const D = parseEther('8')

async function signedForm (): Promise<FormData> {
  const submittedAt = Date.now() - 1000
  const f = new FormData()
  const signature = await signSubmission({ kind: 'file', sha256: SHA, context: '', submittedAt }, CHAIN_ID, REGISTRY, wallet)
  for (const [k, v] of Object.entries({ sha256: SHA, submitter: wallet.address, submitted_at: String(submittedAt), signature, context: '' })) f.append(k, v)
  f.append('file', new Blob([BYTES]), 'sample.bin')
  return f
}

/** The API over the memory node with deposit notices: `required` at the followed block (absent: unset), the wallet's totals from `totals`. */
async function api (t: Test, required: bigint | undefined, totals: (a: Hex) => Promise<DepositTotals>, asked: Hex[] = []): Promise<string> {
  const follower = staticFollower([], { parameters: required === undefined ? {} : { [REWARD_PARAMETER_KEYS.submissionDeposit]: required } })
  const deposits = createDepositNotices({ deposits: { totals: async (a) => { asked.push(a); return await totals(a) } }, follower })
  return (await startApi(t, { ...createMemoryNode().ports, deposits })).url
}

const upload = async (url: string, body: FormData): Promise<{ status: number, meta?: { deposit?: { code: string, required: string, locked: string, message: string } } }> => {
  const res = await fetch(`${url}/api/v3/files`, { method: 'POST', body })
  return { status: res.status, ...(await res.json() as object) }
}

tap.test('a wallet with no deposit locked is told its signed upload will not earn; the upload is taken', async (t) => {
  const asked: Hex[] = []
  const url = await api(t, D, async () => ({ deposited: 0n, withdrawalsRequested: 0n }), asked)
  const r = await upload(url, await signedForm())
  t.equal(r.status, 200, 'not a refusal')
  t.same(asked, [account], 'asked about the lowercase submitter')
  t.equal(r.meta?.deposit?.code, 'NO_DEPOSIT')
  t.equal(r.meta?.deposit?.required, D.toString())
  t.equal(r.meta?.deposit?.locked, '0')
  t.match(r.meta?.deposit?.message, new RegExp(`will not earn: ${account} has 0 VMT locked .* needs 8 VMT`))
  t.match(r.meta?.deposit?.message, /virusmap deposit --keystore YOUR_KEYSTORE --amount 8$/, 'and how to lock one')
})

tap.test('what a withdrawal request took back does not count as locked', async (t) => {
  const url = await api(t, D, async () => ({ deposited: parseEther('12'), withdrawalsRequested: parseEther('4.5') }))
  const r = await upload(url, await signedForm())
  t.equal(r.meta?.deposit?.locked, parseEther('7.5').toString())
  t.match(r.meta?.deposit?.message, /has 7\.5 VMT locked.* --amount 0\.5$/)
})

tap.test('no notice when the deposit covers it, when none is needed, for unsigned uploads, or when the lookup fails', async (t) => {
  const covered = await upload(await api(t, D, async () => ({ deposited: D, withdrawalsRequested: 0n })), await signedForm())
  t.equal(covered.status, 200)
  t.equal(covered.meta?.deposit, undefined, 'exactly one deposit locked')
  const asked: Hex[] = []
  const off = await upload(await api(t, 0n, async () => ({ deposited: 0n, withdrawalsRequested: 0n }), asked), await signedForm())
  t.equal(off.meta?.deposit, undefined, 'rewardSubmissionDeposit 0: no deposit needed')
  t.same(asked, [], 'and the chain is not asked')
  const unset = await upload(await api(t, undefined, async () => ({ deposited: 0n, withdrawalsRequested: 0n })), await signedForm())
  t.equal(unset.meta?.deposit?.required, DEFAULT_REWARD_PARAMS.submissionDeposit?.toString(), 'rewardSubmissionDeposit unset: the protocol\'s default deposit is needed')
  const unsignedAsked: Hex[] = []
  const anonymous = new FormData()
  anonymous.append('file', new Blob([BYTES]), 'sample.bin')
  const unsigned = await upload(await api(t, D, async () => ({ deposited: 0n, withdrawalsRequested: 0n }), unsignedAsked), anonymous)
  t.equal(unsigned.status, 200)
  t.equal(unsigned.meta, undefined, 'an unsigned upload earns nothing anyway: no meta')
  t.same(unsignedAsked, [])
  const failing = await upload(await api(t, D, async () => { throw new Error('rpc down') }), await signedForm())
  t.equal(failing.status, 200, 'a failed lookup never fails the upload')
  t.equal(failing.meta?.deposit, undefined)
})

tap.test('a hostile submitter field is refused before any deposit lookup', async (t) => {
  const asked: Hex[] = []
  const url = await api(t, D, async () => ({ deposited: 0n, withdrawalsRequested: 0n }), asked)
  const f = new FormData()
  for (const [k, v] of Object.entries({ sha256: SHA, submitter: `0x${'zz'.repeat(20)}`, submitted_at: String(Date.now()), signature: '0x00', context: '' })) f.append(k, v)
  f.append('file', new Blob([BYTES]), 'sample.bin')
  t.equal((await upload(url, f)).status, 400)
  t.same(asked, [])
})
