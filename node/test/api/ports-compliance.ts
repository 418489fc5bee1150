/**
 * What every ApiPorts implementation owes the routes, run against the supernode's adapters over
 * real repositories (ports-compliance.test.ts) and against the in-memory double the API tests use,
 * so the two cannot drift: lookups of what was never seen, file and indicator submissions and
 * their coded errors, the analyses they make, and votes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Wallet } from 'ethers'
import { indicatorSha256, recoverReceiptSigner, signSubmission } from '#protocol/index.ts'
import { sanitizeFilename } from '../../src/ingest/filename.ts'
import { detectFileType } from '../../src/scan/file-type.ts'
import type { Hex, IndicatorKind } from '#protocol/index.ts'
import type { AnalysisReader, ApiPorts, FileReader, IndicatorPort, SampleSubmitter, VoteStore } from '../../src/api/ports/index.ts'
import type { Test } from 'tap'

export interface PortsUnderTest {
  ports: ApiPorts & { submitter: SampleSubmitter, analyses: AnalysisReader, files: FileReader, indicators: IndicatorPort, votes: VoteStore }
  /** the deployment submissions are signed for */
  chainId: number
  registry: Hex
  /** who signs this node's receipts, lowercase */
  receiptSigner: Hex
  /** the operator wallet that signs unsigned indicator submissions, lowercase */
  operator: Hex
  /** members at the block jobs run under */
  memberCount: number
}

const hashOf = (alg: string, bytes: Uint8Array): Hex => `0x${createHash(alg).update(bytes).digest('hex')}`
const randomHex = (bytes: number): Hex => `0x${randomBytes(bytes).toString('hex')}`
const WALLET = new Wallet(`0x${'5a'.repeat(32)}`)
const OTHER = new Wallet(`0x${'5b'.repeat(32)}`)
const address = (w: Wallet): Hex => w.address.toLowerCase() as Hex

async function * chunks (...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p
}

/** a text sample no other test holds (detected as text by both) */
const sampleBytes = (): Uint8Array => new TextEncoder().encode(`a compliance sample ${randomBytes(12).toString('hex')}\n`)

async function signedFile (u: PortsUnderTest, sha256: Hex, wallet = WALLET, submittedAt = Date.now()): Promise<{ sha256: Hex, context: string, submitter: Hex, submittedAt: number, signature: Hex }> {
  const context = 'seen in a phishing mail'
  const signature = await signSubmission({ kind: 'file', sha256, context, submittedAt }, u.chainId, u.registry, wallet) as Hex
  return { sha256, context, submitter: address(wallet), submittedAt, signature }
}

async function signedIndicator (u: PortsUnderTest, kind: IndicatorKind, subject: string, canonical: string, options: { wallet?: Wallet, context?: string, submittedAt?: number } = {}): Promise<Parameters<IndicatorPort['submitIndicator']>[0]> {
  const { wallet = WALLET, context = '', submittedAt = Date.now() } = options
  const submitterSignature = await signSubmission({ kind, sha256: indicatorSha256(canonical), context, submittedAt }, u.chainId, u.registry, wallet) as Hex
  return { kind, subject, context, submitter: address(wallet), submittedAt, submitterSignature }
}

export function portsCompliance (parent: Test, name: string, create: (t: Test) => Promise<PortsUnderTest>): void {
  parent.test(`${name}: what the node never saw is undefined or empty`, async t => {
    const { ports } = await create(t)
    for (const hash of [randomHex(32), randomHex(20), randomHex(16)]) t.equal(await ports.files.getFile(hash), undefined, `file ${hash.length}`)
    t.equal(await ports.analyses.getAnalysis(randomHex(32)), undefined)
    t.equal(await ports.indicators.getIndicator('url', 'http://never.example/'), undefined)
    t.equal(await ports.indicators.getIndicator('domain', 'never.example'), undefined)
    t.equal(await ports.indicators.getIndicatorByHash?.('url', randomHex(32)), undefined)
    t.same(await ports.indicators.relatedIndicators(randomHex(32)), [])
    t.same(await ports.indicators.urlsOn?.('domain', 'never.example', { limit: 10 }), [])
    t.same(await ports.votes.list('file', randomHex(32), 10), [])
    t.same(await ports.votes.totals('file', randomHex(32)), { harmless: 0, malicious: 0 })
  })

  parent.test(`${name}: a file submission is stored, then an analysis and a file by any of its hashes`, async t => {
    const u = await create(t)
    const { ports } = u
    const bytes = sampleBytes()
    const sha256 = hashOf('sha256', bytes)
    let stored = 0
    const filename = 'invoice\u0000\u202e.pdf.exe'
    const submitted = await ports.submitter.submitFile(chunks(bytes.subarray(0, 7), bytes.subarray(7)), { filename }, { onStored: () => { stored++ } })
    t.equal(submitted.sha256, sha256)
    t.match(submitted.analysisId, /^0x[0-9a-f]{64}$/)
    t.equal(submitted.receipt, undefined, 'no receipt for an unsigned upload')
    t.equal(stored, 1, 'onStored is called once the sample is stored')

    const analysis = await ports.analyses.getAnalysis(submitted.analysisId)
    t.equal(analysis?.id, submitted.analysisId)
    t.ok(analysis?.status === 'queued' || analysis?.status === 'in-progress', `pending (${analysis?.status})`)
    t.same([analysis?.sha256, analysis?.sha1, analysis?.md5, analysis?.size], [sha256, hashOf('sha1', bytes), hashOf('md5', bytes), bytes.length])
    t.equal(analysis?.memberCount, u.memberCount)
    t.equal(analysis?.verdictCount, 0)
    t.type(analysis?.membershipBlock, 'number')
    t.equal(analysis?.report, undefined)
    t.equal(analysis?.kind, undefined, 'a file analysis names no kind')
    t.equal(analysis?.receipt, undefined)

    const file = await ports.files.getFile(sha256)
    t.same(file?.sample, {
      sha256, sha1: hashOf('sha1', bytes), md5: hashOf('md5', bytes), size: bytes.length, fileType: detectFileType(bytes),
      names: [sanitizeFilename(filename)], firstSeen: file?.sample.firstSeen, lastSeen: file?.sample.lastSeen
    }, 'the name as served is sanitized')
    t.equal(file?.report, undefined)
    // lastSeen may move between reads: the node records the job's own sighting after the submission returns
    const sansLastSeen = (f: typeof file): unknown => f === undefined ? undefined : { ...f, sample: { ...f.sample, lastSeen: undefined } }
    t.same(sansLastSeen(await ports.files.getFile(hashOf('sha1', bytes))), sansLastSeen(file), 'by sha1')
    t.same(sansLastSeen(await ports.files.getFile(hashOf('md5', bytes))), sansLastSeen(file), 'by md5')

    const again = await ports.submitter.submitFile(chunks(bytes), { filename: 'second.bin' })
    t.equal(again.analysisId, submitted.analysisId, 'the same bytes join the analysis in flight')
    t.same((await ports.files.getFile(sha256))?.sample.names.toSorted(), [sanitizeFilename(filename), 'second.bin'].toSorted(), 'names accumulate')
  })

  parent.test(`${name}: a signed file submission earns a receipt; a bad one is refused before a byte is stored`, async t => {
    const u = await create(t)
    const { ports } = u
    const bytes = sampleBytes()
    const sha256 = hashOf('sha256', bytes)

    const cases: Array<[string, () => Promise<Awaited<ReturnType<typeof signedFile>>>, string]> = [
      ['another wallet signed', async () => ({ ...(await signedFile(u, sha256, OTHER)), submitter: address(WALLET) }), 'SIGNER_MISMATCH'],
      ['a signature that is not one', async () => ({ ...(await signedFile(u, sha256)), signature: `0x${'00'.repeat(65)}` as Hex }), 'BAD_SIGNATURE'],
      ['signed an hour ago', async () => await signedFile(u, sha256, WALLET, Date.now() - 3_600_000), 'SUBMISSION_EXPIRED'],
      ['signed for an hour ahead', async () => await signedFile(u, sha256, WALLET, Date.now() + 3_600_000), 'SUBMISSION_EXPIRED'],
      ['a short signature', async () => ({ ...(await signedFile(u, sha256)), signature: '0xabcd' as Hex }), 'MALFORMED'],
      ['a zero submitter', async () => ({ ...(await signedFile(u, sha256)), submitter: `0x${'00'.repeat(20)}` as Hex }), 'MALFORMED'],
      ['a control character in the context', async () => ({ ...(await signedFile(u, sha256)), context: 'a\u0000b' }), 'BAD_CONTEXT']
    ]
    for (const [what, make, code] of cases) {
      await t.rejects(ports.submitter.submitFile(chunks(bytes), { submission: await make() }), { code }, what)
    }
    t.equal(await ports.files.getFile(sha256), undefined, 'nothing stored for a refused submission')

    const mismatched = await signedFile(u, hashOf('sha256', sampleBytes()))
    await t.rejects(ports.submitter.submitFile(chunks(bytes), { submission: mismatched }), { code: 'HASH_MISMATCH' }, 'signed for other bytes')

    const submission = await signedFile(u, sha256)
    const out = await ports.submitter.submitFile(chunks(bytes), { submission })
    const receipt = out.receipt
    t.ok(receipt !== undefined, 'a receipt')
    if (receipt === undefined) return
    t.same([receipt.sha256, receipt.submitter, receipt.submittedAt], [sha256, submission.submitter, submission.submittedAt])
    t.equal(receipt.jobId, out.analysisId, 'the receipt names the job')
    t.type(receipt.receivedAt, 'number')
    const { signature, ...fields } = receipt
    t.equal(recoverReceiptSigner(fields, signature, u.chainId, u.registry), u.receiptSigner, 'signed by the node')
    t.same((await ports.analyses.getAnalysis(out.analysisId))?.receipt, receipt, 'the analysis carries the receipt')

    const joined = await ports.submitter.submitFile(chunks(bytes), { submission: await signedFile(u, sha256, OTHER) })
    t.equal(joined.analysisId, out.analysisId)
    t.equal(joined.receipt, undefined, 'a job joined in flight names its first submitter: no receipt for the second')
  })

  parent.test(`${name}: an upload that fails or is aborted stores nothing`, async t => {
    const { ports } = await create(t)
    const bytes = sampleBytes()
    let stored = 0
    const onStored = (): void => { stored++ }
    async function * tooLarge (): AsyncGenerator<Uint8Array> {
      yield bytes
      throw Object.assign(new Error('over the limit'), { code: 'SAMPLE_TOO_LARGE' })
    }
    await t.rejects(ports.submitter.submitFile(tooLarge(), {}, { onStored }), { code: 'SAMPLE_TOO_LARGE' }, 'the source\'s code comes back')
    const controller = new AbortController()
    async function * aborted (): AsyncGenerator<Uint8Array> {
      yield bytes
      controller.abort()
      yield bytes
    }
    await t.rejects(ports.submitter.submitFile(aborted(), {}, { onStored, signal: controller.signal }), { name: 'AbortError' }, 'aborted midway')
    await t.rejects(ports.submitter.submitFile(chunks(bytes), {}, { onStored, signal: AbortSignal.abort() }), { name: 'AbortError' }, 'aborted before')
    t.equal(stored, 0)
    t.equal(await ports.files.getFile(hashOf('sha256', bytes)), undefined)
  })

  parent.test(`${name}: an indicator is canonical; what has no canonical form is INVALID_INDICATOR`, async t => {
    const u = await create(t)
    const { ports } = u
    const invalid: Array<[IndicatorKind, string]> = [
      ['url', 'not a url'], ['url', 'http://'], ['url', `http://x.example/${'a'.repeat(5000)}`], ['domain', 'exa mple.com'],
      ['domain', '-bad-.example'], ['ip', '999.1.1.1'], ['wallet', '0x1234'], ['wallet', `eip155:1:0x${'zz'.repeat(20)}`]
    ]
    for (const [kind, subject] of invalid) {
      await t.rejects(ports.indicators.getIndicator(kind, subject), { code: 'INVALID_INDICATOR' }, `lookup ${kind} ${subject.slice(0, 40)}`)
      await t.rejects(ports.indicators.submitIndicator(await signedIndicator(u, kind, subject, subject)), { code: 'INVALID_INDICATOR' }, `submit ${kind}`)
      if (ports.indicators.submitAsOperator !== undefined) {
        await t.rejects(ports.indicators.submitAsOperator({ kind, subject, context: '' }), { code: 'INVALID_INDICATOR' }, `operator submit ${kind}`)
      }
    }
    await t.rejects(ports.indicators.submitIndicator({ ...(await signedIndicator(u, 'url', 'http://a.example/', 'http://a.example/')), kind: 'file' as IndicatorKind }), { code: 'INVALID_INDICATOR' }, 'a kind that is no indicator')
  })

  parent.test(`${name}: indicator submissions are checked, coded and recorded`, async t => {
    const u = await create(t)
    const { ports } = u
    const host = `evil-${randomBytes(4).toString('hex')}.example.com`
    const raw = `HTTP://${host.toUpperCase()}:80/login?x=1`
    const canonical = `http://${host}/login?x=1`
    const refused: Array<[string, Promise<Parameters<IndicatorPort['submitIndicator']>[0]>, string]> = [
      ['a control character in the context', signedIndicator(u, 'url', raw, canonical, { context: 'a\u0007b' }), 'INVALID_CONTEXT'],
      ['an oversize context', signedIndicator(u, 'url', raw, canonical, { context: 'c'.repeat(100_000) }), 'INVALID_CONTEXT'],
      ['signed an hour ago', signedIndicator(u, 'url', raw, canonical, { submittedAt: Date.now() - 3_600_000 }), 'SUBMISSION_EXPIRED'],
      ['signed for an hour ahead', signedIndicator(u, 'url', raw, canonical, { submittedAt: Date.now() + 3_600_000 }), 'SUBMISSION_EXPIRED'],
      ['signed over the subject as typed', signedIndicator(u, 'url', raw, raw), 'INVALID_SUBMITTER_SIGNATURE'],
      ['another wallet signed', (async () => ({ ...(await signedIndicator(u, 'url', raw, canonical, { wallet: OTHER })), submitter: address(WALLET) }))(), 'INVALID_SUBMITTER_SIGNATURE'],
      ['a short signature', (async () => ({ ...(await signedIndicator(u, 'url', raw, canonical)), submitterSignature: '0xabcd' as Hex }))(), 'INVALID_SUBMITTER_SIGNATURE']
    ]
    for (const [what, input, code] of refused) await t.rejects(ports.indicators.submitIndicator(await input), { code }, what)
    t.equal(await ports.indicators.getIndicator('url', canonical), undefined, 'a refused submission records nothing')

    const out = await ports.indicators.submitIndicator(await signedIndicator(u, 'url', raw, canonical, { context: 'phishing kit' }))
    t.same([out.subject, out.sha256], [canonical, indicatorSha256(canonical)])
    const analysis = await ports.analyses.getAnalysis(out.analysisId)
    t.same([analysis?.kind, analysis?.subject, analysis?.sha256, analysis?.memberCount], ['url', canonical, out.sha256, u.memberCount])
    t.ok(analysis?.status === 'queued' || analysis?.status === 'in-progress', `pending (${analysis?.status})`)

    const view = await ports.indicators.getIndicator('url', raw)
    t.same(view?.record && { ...view.record, firstSeen: 0, lastSeen: 0 }, {
      kind: 'url', subject: canonical, sha256: out.sha256, firstSeen: 0, lastSeen: 0, submitters: [address(WALLET)], context: 'phishing kit', submittedAt: view?.record?.submittedAt
    }, 'the record, found by any spelling')
    t.equal(view?.report, undefined)
    t.same(view?.relatedFiles, [])
    const byHash = await ports.indicators.getIndicatorByHash?.('url', out.sha256)
    t.same(byHash, { ...view, subject: canonical }, 'a submitted indicator is found by its hash before any report')
    t.same(await ports.indicators.urlsOn?.('domain', host, { limit: 10 }), [canonical], 'the URL is on its host')

    const again = await ports.indicators.submitIndicator(await signedIndicator(u, 'url', canonical, canonical, { wallet: OTHER }))
    t.equal(again.analysisId, out.analysisId, 'a second submission joins the analysis in flight')
    t.same((await ports.indicators.getIndicator('url', canonical))?.record?.submitters.toSorted(), [address(WALLET), address(OTHER)].toSorted(), 'and counts its submitter')

    if (ports.indicators.submitAsOperator !== undefined) {
      const domain = `unsigned-${randomBytes(4).toString('hex')}.example`
      const op = await ports.indicators.submitAsOperator({ kind: 'domain', subject: `${domain.toUpperCase()}.`, context: '' })
      t.equal(op.subject, domain)
      t.same((await ports.indicators.getIndicator('domain', domain))?.record?.submitters, [u.operator], 'the operator signed it')
    }
  })

  parent.test(`${name}: one vote per voter per object, newest first`, async t => {
    const { ports } = await create(t)
    const sha256 = randomHex(32)
    t.equal(await ports.votes.add('file', sha256, { voter: 'alice', verdict: 'malicious', date: 1000 }), true)
    t.equal(await ports.votes.add('file', sha256, { voter: 'alice', verdict: 'harmless', date: 2000 }), false, 'a second vote by the same voter')
    t.equal(await ports.votes.add('file', sha256, { voter: 'bob', verdict: 'harmless', date: 3000 }), true)
    t.equal(await ports.votes.add('url', sha256, { voter: 'alice', verdict: 'harmless', date: 4000 }), true, 'a URL with the same sha256 is another object')
    t.same(await ports.votes.list('file', sha256, 10), [{ voter: 'bob', verdict: 'harmless', date: 3000 }, { voter: 'alice', verdict: 'malicious', date: 1000 }])
    t.same(await ports.votes.list('file', sha256, 1), [{ voter: 'bob', verdict: 'harmless', date: 3000 }], 'at most limit')
    t.same(await ports.votes.totals('file', sha256), { harmless: 1, malicious: 1 })
    t.same(await ports.votes.totals('url', sha256), { harmless: 1, malicious: 0 })
  })
}
