import tap from 'tap'
import { TypedDataEncoder } from 'ethers'
import { EIP712_TYPES, eip712Domain, scanJobId, scanJobStructHash, verdictHash } from '../src/index.ts'
import { CHAIN_ID, makeJob, makeVerdict, member, REGISTRY, result } from './fixtures.ts'

const job = makeJob()

tap.test('the domain names VirusMap v1 on this chain and registry', async t => {
  t.same(eip712Domain(CHAIN_ID, REGISTRY), { name: 'VirusMap', version: '1', chainId: CHAIN_ID, verifyingContract: REGISTRY })
})

tap.test('the job id is the EIP-712 digest and depends on the domain', async t => {
  const id = scanJobId(job, CHAIN_ID, REGISTRY)
  t.equal(id, TypedDataEncoder.hash(eip712Domain(CHAIN_ID, REGISTRY), EIP712_TYPES.ScanJob, job))
  t.match(id, /^0x[0-9a-f]{64}$/)
  t.not(scanJobId(job, CHAIN_ID + 1, REGISTRY), id, 'other chain')
  t.not(scanJobId(job, CHAIN_ID, `0x${'11'.repeat(20)}`), id, 'other registry')
  t.not(scanJobId({ ...job, size: job.size + 1 }, CHAIN_ID, REGISTRY), id, 'other content')
  t.not(scanJobStructHash(job), id, 'struct hash differs from the domain-bound digest')
})

tap.test('verdictHash is the struct hash and covers every field', async t => {
  const v = makeVerdict(job, member(1), [result('yara', 'malicious', 'X')])
  const h = verdictHash(v)
  t.equal(h, TypedDataEncoder.from(EIP712_TYPES.Verdict).hash(v))
  t.not(verdictHash({ ...v, scannedAt: v.scannedAt + 1 }), h)
  t.not(verdictHash({ ...v, results: [result('yara', 'suspicious', 'X')] }), h)
  t.not(verdictHash({ ...v, results: [] }), h)
})
