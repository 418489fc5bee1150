// `virusmap evidence list|submit`: the pure check of untrusted evidence (every way it can lie), then
// end to end on anvil with the deployment `virusmap deploy` makes: a member that signed two
// commitments for one job, kept by a node's EvidenceRepository and served by its API, is listed,
// proven on chain from a reporter's keystore (bond slashed, reporter paid, member removed), and not
// proven twice; a file with hostile evidence is refused before any transaction.
import t, { type Test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Contract, HDNodeWallet, Mnemonic, Signature, Wallet, concat, hexlify, parseEther, randomBytes, toBeHex } from 'ethers'
import { setBalance } from '#governance/anvil-time.ts'
import { runCli } from '../../src/cli/run.ts'
import { EvidenceError, MAX_EVIDENCE_BYTES, checkEvidence } from '../../src/cli/evidence-input.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import { openDatabase } from '../../src/db/database.ts'
import { EvidenceRepository } from '../../src/db/evidence-repository.ts'
import { evidenceReader } from '../../src/supernode/api-adapters.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { deployVirusMap } from '#governance/index.ts'
import { registryArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { signAttestation, signCommitment, signVerdict } from '#protocol/signing.ts'
import type { Hex, ReportAttestation, SignedCommitment, Verdict } from '#protocol/messages.ts'
import { startTestChain } from '../../../contracts/test/test-chain.ts'

const rand32 = (): Hex => hexlify(randomBytes(32)) as Hex
const lower = (a: string): Hex => a.toLowerCase() as Hex
const CHAIN = 31337
const REG = lower(hexlify(randomBytes(20)))

const mined = async (p: Promise<unknown>): Promise<void> => { await (await p as { wait(): Promise<unknown> }).wait() }

function errorCode (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof EvidenceError) return err.code
    throw err
  }
  return undefined
}

t.test('checkEvidence: a real pair passes; every lie is refused with a code', async (st) => {
  const m = new Wallet(hexlify(randomBytes(32)))
  const other = new Wallet(hexlify(randomBytes(32)))
  const jobId = rand32()
  const c = async (w: Wallet, member = w.address, job = jobId, registry = REG): Promise<SignedCommitment> =>
    await signCommitment({ jobId: job, member: lower(member), commitment: rand32() }, CHAIN, registry, w)
  const [a, b] = [await c(m), await c(m)]
  const e = { kind: 'commitment', member: lower(m.address), job_id: jobId, first: a, second: b }
  const ok = checkEvidence(e, CHAIN, REG)
  st.equal(ok.member, lower(m.address))
  st.equal(ok.jobId, jobId)
  st.same(checkEvidence({ type: 'evidence', id: 'x', attributes: e }, CHAIN, REG).kind, 'commitment', 'the API item form')

  const verdict = (results: Verdict['results']): Verdict => ({ jobId, member: lower(m.address), sha256: rand32(), membershipBlock: 3, scannedAt: 1_780_000_000_000, results })
  const v1 = await signVerdict(verdict([]), rand32(), CHAIN, REG, m)
  const v2 = await signVerdict(verdict([{ engine: 'YARA', engineVersion: '4', engineUpdate: '', category: 'malicious', result: 'x', method: 'yara' }]), rand32(), CHAIN, REG, m)
  st.equal(checkEvidence({ kind: 'verdict', first: v1, second: v2 }, CHAIN, REG).kind, 'verdict')
  const sameVerdictOtherSalt = await signVerdict(v1.verdict, rand32(), CHAIN, REG, m)
  st.equal(errorCode(() => checkEvidence({ kind: 'verdict', first: v1, second: sameVerdictOtherSalt }, CHAIN, REG)), 'NOT_CONFLICTING', 'a new salt is no conflict')

  // two attestations for one job naming different commitment sets: the split a member signs when it lies to half the network
  const attestation = (committed: Wallet[]): ReportAttestation => ({ jobId, committed: committed.map((w) => lower(w.address)).toSorted(), commitments: committed.map(() => rand32()), revealed: [], verdicts: [] })
  const at1 = await signAttestation(attestation([m]), CHAIN, REG, m)
  const at2 = await signAttestation(attestation([m, other]), CHAIN, REG, m)
  const okAttestation = checkEvidence({ kind: 'attestation', first: at1, second: at2 }, CHAIN, REG)
  st.same([okAttestation.kind, okAttestation.member, okAttestation.jobId], ['attestation', lower(m.address), jobId])
  st.equal(errorCode(() => checkEvidence({ kind: 'attestation', first: at1, second: { ...at1 } }, CHAIN, REG)), 'NOT_CONFLICTING', 'one attestation twice')
  const byOther = await signAttestation(attestation([m, other]), CHAIN, REG, other)
  st.equal(errorCode(() => checkEvidence({ kind: 'attestation', first: at1, second: byOther }, CHAIN, REG)), 'NOT_CONFLICTING', 'two members')
  st.equal(errorCode(() => checkEvidence({ kind: 'attestation', first: at1, second: { ...byOther, member: lower(m.address) } }, CHAIN, REG)), 'WRONG_SIGNER', 'another key signing in the member\'s name')
  st.equal(errorCode(() => checkEvidence({ kind: 'attestation', first: at1, second: a }, CHAIN, REG)), 'MALFORMED', 'a commitment given as an attestation')

  const sig = Signature.from(b.signature)
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const highS = concat([sig.r, toBeHex(N - BigInt(sig.s), 32), new Uint8Array([sig.v === 27 ? 28 : 27])])
  const hostile: Array<[string, unknown, string]> = [
    ['null', null, 'MALFORMED'],
    ['an array', [e], 'MALFORMED'],
    ['a string', JSON.stringify(e), 'MALFORMED'],
    ['another kind', { ...e, kind: 'attestation' }, 'MALFORMED'],
    ['no kind', { ...e, kind: undefined }, 'MALFORMED'],
    ['a verdict kind for commitments', { ...e, kind: 'verdict' }, 'MALFORMED'],
    ['a missing message', { ...e, second: undefined }, 'MALFORMED'],
    ['an extra key', { ...e, first: { ...a, extra: 1 } }, 'MALFORMED'],
    ['a __proto__ key', { ...e, first: JSON.parse(`{"type":"commitment","commitment":${JSON.stringify(a.commitment)},"signature":"${a.signature}","__proto__":{}}`) as unknown }, 'MALFORMED'],
    ['a short signature', { ...e, second: { ...b, signature: b.signature.slice(0, 130) } }, 'MALFORMED'],
    ['a non-hex job', { ...e, second: { ...b, commitment: { ...b.commitment, jobId: `0x${'zz'.repeat(32)}` } } }, 'MALFORMED'],
    ['an oversize verdict', { kind: 'verdict', first: v1, second: { ...v2, verdict: { ...v2.verdict, results: [{ ...v2.verdict.results[0]!, result: 'x'.repeat(100_000) }] } } }, 'MALFORMED'],
    ['one message twice', { ...e, second: a }, 'NOT_CONFLICTING'],
    ['two jobs', { ...e, second: await c(m, m.address, rand32()) }, 'NOT_CONFLICTING'],
    ['two members', { ...e, second: await c(other) }, 'NOT_CONFLICTING'],
    ['a commitment another key signed for the member', { ...e, second: await c(other, m.address) }, 'WRONG_SIGNER'],
    ['a commitment signed under another registry', { ...e, second: await c(m, m.address, jobId, lower(other.address)) }, 'WRONG_SIGNER'],
    ['a high-s spelling', { ...e, second: { ...b, signature: highS } }, 'WRONG_SIGNER'],
    ['a v 0/1 spelling', { ...e, second: { ...b, signature: concat([sig.r, sig.s, new Uint8Array([sig.v - 27])]) } }, 'WRONG_SIGNER'],
    ['a zero signature', { ...e, second: { ...b, signature: hexlify(new Uint8Array(65)) } }, 'WRONG_SIGNER']
  ]
  for (const [what, value, expected] of hostile) st.equal(errorCode(() => checkEvidence(value, CHAIN, REG)), expected, what)
  st.equal(errorCode(() => checkEvidence(e, CHAIN + 1, REG)), 'WRONG_SIGNER', 'another chain')
})

t.test('evidence list and submit end to end on anvil', async (st) => {
  const { anvil, provider } = await startTestChain(st)
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-evidence-'))
  st.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const mnemonic = Mnemonic.fromPhrase('test test test test test test test test test test test junk')
  const [deployer, reporter] = [0, 1].map((i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).connect(provider)) as [HDNodeWallet, HDNodeWallet]
  const { contracts, deployBlock, chainId } = await deployVirusMap({
    deployer,
    plan: { tokenSupply: parseEther('1000000'), votingDelay: 1, votingPeriod: 10, proposalThreshold: 0n, quorumNumerator: 4, timelockMinDelay: 3600 }
  })
  // Governance's part (bond, admission) as the timelock sends it, impersonated.
  await provider.send('anvil_impersonateAccount', [contracts.timelock])
  await setBalance(provider, contracts.timelock, parseEther('1'))
  const registry = new Contract(contracts.registry, registryArtifact.abi, await provider.getSigner(contracts.timelock))
  const vmt = new Contract(contracts.vmt, vmtArtifact.abi, deployer)
  const BOND = parseEther('1000')
  await mined(registry.getFunction('setCandidateBond')(contracts.vmt, BOND))
  const member = new Wallet(hexlify(randomBytes(32)), provider)
  await setBalance(provider, member.address, parseEther('1'))
  await mined(vmt.getFunction('transfer')(member.address, BOND))
  await mined((vmt.connect(member) as Contract).getFunction('approve')(contracts.registry, BOND))
  await mined((registry.connect(member) as Contract).getFunction('register')('12D3KooWLiar', rand32(), ''))
  await mined(registry.getFunction('admit')(member.address))
  await provider.send('anvil_stopImpersonatingAccount', [contracts.timelock])

  // The node saw the member commit twice to one job and kept the pair.
  const db = await openDatabase({ path: join(dir, 'db') })
  st.teardown(async () => { await db.close() })
  const repo = new EvidenceRepository(db)
  const jobId = rand32()
  const [first, second] = [await signCommitment({ jobId, member: lower(member.address), commitment: rand32() }, chainId, contracts.registry, member),
    await signCommitment({ jobId, member: lower(member.address), commitment: rand32() }, chainId, contracts.registry, member)]
  await repo.add({ kind: 'commitment', member: lower(member.address), jobId, first, second, recordedAt: Date.now() })
  const KEY = 'e1'.repeat(32)
  const ports: ApiPorts = { ...createMemoryNode().ports, evidence: evidenceReader(repo), keys: { find: async (key) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined } }
  const server = await startApi(st, ports)
  await writeFile(join(dir, 'deployment.json'), JSON.stringify({ chainId, rpcUrl: anvil.rpcUrl, deployBlock, contracts, nodes: [{ api: server.url }], apiKey: KEY }))

  const PASS = 'correct horse battery staple'
  await writeFile(join(dir, 'reporter.key'), reporter.privateKey, { mode: 0o600 })
  const run = async (argv: string[]): Promise<{ code: number, out: string, err: string }> => {
    let out = ''
    let err = ''
    const code = await runCli(argv, { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } }, signal: new AbortController().signal, env: { VIRUSMAP_KEYSTORE_PASSWORD: PASS }, cwd: dir })
    return { code, out, err }
  }
  const fails = async (tt: Test, argv: string[], exit: number, pattern: RegExp): Promise<void> => {
    const r = await run(argv)
    tt.equal(r.code, exit, `${argv.join(' ').slice(0, 80)} exits ${exit}: ${r.err}`)
    tt.match(r.err, pattern)
    tt.equal(r.err.trim().split('\n').length, 1, 'one line')
    tt.notMatch(r.err, /\n\s+at /, 'no stack trace')
  }
  st.equal((await run(['keystore', 'import', 'reporter.json', '--key-file', 'reporter.key', '--scrypt-n', '1024'])).code, 0)
  const common = ['--deployment', 'deployment.json']

  const members = await run(['evidence', 'list', ...common, '--json'])
  st.equal(members.code, 0, members.err)
  st.same(JSON.parse(members.out), [lower(member.address)])
  const listed = await run(['evidence', 'list', member.address, ...common])
  st.match(listed.out, new RegExp(`commitment\\s+job ${jobId}`))
  const items = await run(['evidence', 'list', member.address, ...common, '--json'])
  const [item] = JSON.parse(items.out) as unknown[]
  await writeFile(join(dir, 'item.json'), JSON.stringify(item))

  // hostile files and arguments: refused before any transaction
  await writeFile(join(dir, 'forged.json'), JSON.stringify({ kind: 'commitment', first, second: { ...second, commitment: { ...second.commitment, commitment: rand32() } } }))
  await writeFile(join(dir, 'garbage.json'), '{"kind":')
  await writeFile(join(dir, 'huge.json'), ' '.repeat(MAX_EVIDENCE_BYTES + 1))
  const signs = ['--keystore', 'reporter.json', ...common]
  await fails(st, ['evidence', 'submit', '--file', 'forged.json', ...signs], 1, /not evidence of equivocation \(WRONG_SIGNER\)/)
  await fails(st, ['evidence', 'submit', '--file', 'garbage.json', ...signs], 1, /garbage.json is not JSON/)
  await fails(st, ['evidence', 'submit', '--file', 'huge.json', ...signs], 1, /larger than/)
  await fails(st, ['evidence', 'submit', '--file', 'missing.json', ...signs], 1, /cannot read missing.json: ENOENT/)
  await fails(st, ['evidence', 'submit', ...signs], 1, /a MEMBER .* or --file FILE/)
  await fails(st, ['evidence', 'submit', '0x1234', ...signs], 1, /MEMBER must be a 20-byte address/)
  await fails(st, ['evidence', 'submit', member.address, '--job', 'nope', ...signs], 1, /--job takes a 32-byte job id/)
  await fails(st, ['evidence', 'submit', member.address, '--job', rand32(), ...signs], 2, /holds no valid evidence/)
  const escaped = await run(['evidence', 'list', '\u001b[31mred', ...common])
  st.equal(escaped.code, 1)
  st.match(escaped.err, /MEMBER must be a 20-byte address/)
  st.notOk(escaped.err.includes('\u001b'), 'no terminal escape reaches the terminal')
  await fails(st, ['evidence', 'burn', ...common], 1, /list or submit/)
  await fails(st, ['evidence', 'list', ...common, '--api', 'http://127.0.0.1:1'], 4, /127\.0\.0\.1:1/)
  // a node that answers garbage is a network failure, in one line
  const liar = createServer((req, res) => {
    if (req.url?.endsWith('/evidence') === true) { res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":5}'); return }
    if (req.url?.includes('/evidence/0x00') === true) { res.writeHead(200, { 'content-length': String(64 * 1024 * 1024) }).end(); return }
    res.writeHead(200).end('<html>not json')
  })
  await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve))
  st.teardown(() => { liar.close() })
  const liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`
  await fails(st, ['evidence', 'list', ...common, '--api', liarUrl], 4, /has no data list/)
  await fails(st, ['evidence', 'list', member.address, ...common, '--api', liarUrl], 4, /with no JSON/)
  await fails(st, ['evidence', 'list', `0x${'00'.repeat(20)}`, ...common, '--api', liarUrl], 4, /too large/)
  await fails(st, ['evidence', 'submit', member.address, ...signs, '--api', liarUrl], 4, /with no JSON/)
  st.equal(await registry.getFunction('isMember')(member.address), true, 'nothing was sent')

  const before = await vmt.getFunction('balanceOf')(reporter.address) as bigint
  const done = await run(['evidence', 'submit', member.address, ...signs, '--json'])
  st.equal(done.code, 0, done.err)
  const out = JSON.parse(done.out) as { member: string, jobId: string, kind: string, slashed: string, reward: string }
  st.same([out.member, out.jobId, out.kind, out.slashed, out.reward], [lower(member.address), jobId, 'commitment', BOND.toString(), (BOND / 10n).toString()])
  st.equal(await vmt.getFunction('balanceOf')(reporter.address) as bigint, before + BOND / 10n, 'the reporter got its share')
  st.equal(await registry.getFunction('isMember')(member.address), false, 'removed')
  await fails(st, ['evidence', 'submit', '--file', 'item.json', ...signs], 1, /already proven on chain/)
})
