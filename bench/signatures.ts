// What a gossip message's signature costs a node: ethers (TypedDataEncoder + recoverAddress, as
// protocol v2 first shipped) beside the protocol's eip712-hash.js over @noble/curves (a signer seen
// for the first time: recovery; a member seen before: verification against its remembered key), for
// the two messages every member sends per job, and signing the same way both ways.
// Run: npx node bench/signatures.ts [--runs 2000]
import { parseArgs } from 'node:util'
import { TypedDataEncoder, verifyTypedData, Wallet } from 'ethers'
import { EIP712_TYPES, eip712, eip712Domain, signCommitment, signVerdict } from '#protocol/index.ts'
import type { Hex, Verdict } from '#protocol/index.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' } } })
const runs = Number(values.runs)
const chainId = 31337
const registry = `0x${'11'.repeat(20)}` as Hex
const domain = eip712Domain(chainId, registry)
const wallets = Array.from({ length: 16 }, () => new Wallet(Wallet.createRandom().privateKey))
const b32 = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`

const verdictOf = (w: Wallet, i: number): Verdict => ({
  jobId: b32(i), member: w.address.toLowerCase() as Hex, sha256: b32(i + 1), membershipBlock: 12, scannedAt: 1_700_000_000_000 + i,
  results: ['ClamAV', 'YARA', 'VirusMap-Heuristics'].map(engine => ({ engine, engineVersion: '1.0', engineUpdate: '20261201', category: 'undetected', result: '', method: 'blacklist' }))
})

function time (fn: (i: number) => unknown): number {
  for (let i = 0; i < 50; i++) fn(i)
  const started = performance.now()
  for (let i = 0; i < runs; i++) fn(i)
  return (performance.now() - started) / runs
}

async function timeAsync (fn: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < runs; i++) await fn(i)
  return (performance.now() - started) / runs
}

// signed messages from 16 members, as a node receives them
const verdicts = await Promise.all(Array.from({ length: 256 }, async (_, i) => {
  const w = wallets[i % wallets.length] as Wallet
  return await signVerdict(verdictOf(w, i), b32(7), chainId, registry, w)
}))
const commitments = await Promise.all(Array.from({ length: 256 }, async (_, i) => {
  const w = wallets[i % wallets.length] as Wallet
  return await signCommitment({ jobId: b32(i), member: w.address.toLowerCase() as Hex, commitment: b32(i + 9) }, chainId, registry, w)
}))
const pick = <T>(xs: T[], i: number): T => xs[i % xs.length] as T

const rows: Array<[string, number, number]> = []
rows.push(['verdict: digest + recover', time(i => { const m = pick(verdicts, i); return verifyTypedData(domain, EIP712_TYPES.Verdict, m.verdict, m.signature) }),
  time(i => { const m = pick(verdicts, i); return eip712.recoverDigest(eip712.digest('Verdict', m.verdict, chainId, registry), m.signature) })])
rows.push(['verdict: digest + check a known member', NaN,
  time(i => { const m = pick(verdicts, i); return eip712.recoverDigest(eip712.digest('Verdict', m.verdict, chainId, registry), m.signature, m.verdict.member) })])
rows.push(['commitment: digest + check a known member', time(i => { const m = pick(commitments, i); return verifyTypedData(domain, EIP712_TYPES.VerdictCommitment, m.commitment, m.signature) }),
  time(i => { const m = pick(commitments, i); return eip712.recoverDigest(eip712.digest('VerdictCommitment', m.commitment, chainId, registry), m.signature, m.commitment.member) })])
rows.push(['verdict: digest only', time(i => TypedDataEncoder.hash(domain, EIP712_TYPES.Verdict, pick(verdicts, i).verdict)),
  time(i => eip712.digest('Verdict', pick(verdicts, i).verdict, chainId, registry))])
const signer = wallets[0] as Wallet
rows.push(['verdict: sign', await timeAsync(async i => await signer.signTypedData(domain, EIP712_TYPES.Verdict, verdictOf(signer, i))),
  await timeAsync(async i => await signVerdict(verdictOf(signer, i), b32(7), chainId, registry, signer))])

console.log(`runs: ${runs} each (ms per operation)`)
console.log(`${'operation'.padEnd(44)}${'ethers'.padStart(10)}${'protocol'.padStart(10)}${'speed-up'.padStart(10)}`)
for (const [what, before, after] of rows) {
  console.log(`${what.padEnd(44)}${(Number.isNaN(before) ? '-' : before.toFixed(3)).padStart(10)}${after.toFixed(3).padStart(10)}${(Number.isNaN(before) ? '-' : `${(before / after).toFixed(1)}x`).padStart(10)}`)
}
