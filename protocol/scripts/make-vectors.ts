/**
 * Writes protocol/test/vectors/*.json: fixed keys and inputs with the bytes, digests, signatures and
 * report this implementation derives from them, so other implementations can check themselves.
 * Run: npx node protocol/scripts/make-vectors.ts (key-wrap nonces are random: re-running changes
 * the wraps, hence the job id and everything signed after it; the vectors test checks consistency).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  commitmentDigest, deriveReport, EIP712_TYPES, eip712Domain, encodeMessage, KEY_WRAP_INFO, quorumThreshold,
  scanJobId, scanJobStructHash, submissionDigest, submissionOf, verdictDigest, verdictHash
} from '../src/index.ts'
import type { GossipMessage } from '../src/index.ts'
import { CHAIN_ID, CONTENT_KEY, EPHEMERAL_SECRET, hex, makeIndicatorJob, makeReveal, makeSignedJob, member, MEMBERS, REGISTRY, result, SHA256, SUBMITTER } from '../test/fixtures.ts'

const dir = join(import.meta.dirname, '..', 'test', 'vectors')
const encoded = (msg: GossipMessage): string => `0x${bytesToHex(encodeMessage(msg))}`

const signedJob = await makeSignedJob()
const { job } = signedJob
const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
const votes = [
  [result('yara', 'malicious', 'Win32_Evil_A'), result('hashlist', 'undetected', '', { method: 'hash' })],
  [result('yara', 'malicious', 'Win32_Evil_B'), result('hashlist', 'malicious', 'KnownBad', { method: 'hash' })],
  [result('yara', 'suspicious', 'Packed_UPX', { engineVersion: '4.5.2' }), result('hashlist', 'undetected', '', { method: 'hash' })]
]
const reveals = await Promise.all(votes.map((results, i) => makeReveal(job, member(i), results, job.commitDeadline + 1000 + i)))
const report = deriveReport({ job: signedJob, verdicts: reveals.map(r => r.reveal), memberCount: MEMBERS.length, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY })

const indicator = await makeSignedJob(await makeIndicatorJob('url', 'http://example.com/login'))

const vectors: Record<string, unknown> = {
  keys: {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    domain: eip712Domain(CHAIN_ID, REGISTRY),
    types: EIP712_TYPES,
    members: MEMBERS.map(m => ({
      privateKey: m.wallet.privateKey, address: m.address, x25519SecretKey: hex(m.x25519SecretKey), x25519PublicKey: hex(m.x25519PublicKey)
    }))
  },
  'key-wrap': {
    info: KEY_WRAP_INFO,
    contentKey: hex(CONTENT_KEY),
    sha256: SHA256,
    ephemeralSecretKey: hex(EPHEMERAL_SECRET),
    ephemeralPublicKey: job.ephemeralPublicKey,
    wraps: job.keyWraps.map((w, i) => ({ ...w, memberSecretKey: hex(member(i).x25519SecretKey) }))
  },
  'scan-job': {
    job,
    structHash: scanJobStructHash(job),
    jobId,
    signer: job.origin,
    signature: signedJob.signature,
    encoded: encoded(signedJob)
  },
  'indicator-job': {
    rawSubject: 'HTTP://Example.COM:80/login#top',
    job: indicator.job,
    submission: submissionOf(indicator.job),
    submissionDigest: submissionDigest(submissionOf(indicator.job), CHAIN_ID, REGISTRY),
    submitterPrivateKey: SUBMITTER.wallet.privateKey,
    structHash: scanJobStructHash(indicator.job),
    jobId: scanJobId(indicator.job, CHAIN_ID, REGISTRY),
    signer: indicator.job.origin,
    signature: indicator.signature,
    encoded: encoded(indicator)
  },
  commitments: reveals.map(({ commit, reveal }) => ({
    verdictHash: verdictHash(reveal.verdict),
    salt: reveal.salt,
    commitment: commit.commitment,
    digest: commitmentDigest(commit.commitment, CHAIN_ID, REGISTRY),
    signature: commit.signature,
    encoded: encoded(commit)
  })),
  verdicts: reveals.map(({ reveal }) => ({
    verdict: reveal.verdict,
    salt: reveal.salt,
    verdictHash: verdictHash(reveal.verdict),
    digest: verdictDigest(reveal.verdict, CHAIN_ID, REGISTRY),
    signature: reveal.signature,
    encoded: encoded(reveal)
  })),
  report,
  quorum: [3, 2, 4].flatMap((faultDivisor) =>
    Array.from({ length: 10 }, (_, i) => ({ memberCount: i + 1, faultDivisor, threshold: quorumThreshold(i + 1, faultDivisor) })))
}

await mkdir(dir, { recursive: true })
for (const [name, value] of Object.entries(vectors)) {
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`)
}
console.log(`wrote ${Object.keys(vectors).length} vector files to ${dir}`)
