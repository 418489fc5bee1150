import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import { openDatabase } from '../../src/db/database.ts'
import { EvidenceRepository } from '../../src/db/evidence-repository.ts'
import { evidenceReader } from '../../src/supernode/api-adapters.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { CHAIN_ID, MEMBERS, MEMBERSHIP_BLOCK, NOW, OUTSIDER, REGISTRY, hashes, signedJob, type Member } from '../fixtures/signed-reports.ts'
import { recoverCommitmentSigner, signCommitment } from '#protocol/signing.ts'
import { validateCommitment, type ValidationContext } from '#protocol/validation.ts'
import { DEFAULT_JOB_BOUNDS } from '#protocol/timing.ts'
import { DEFAULT_MAX_JOB_AGE_BLOCKS } from '#protocol/job-age.js'
import type { Hex, ScanJob, SignedCommitment } from '#protocol/messages.ts'
import { startApi } from '../fixtures/api-server.ts'

const KEY = 'e1'.repeat(32)

const get = async (url: string): Promise<Response> => await fetch(url, { headers: { 'x-apikey': KEY } })

interface EvidenceBody { data: Array<{ type: string, id: string, attributes: { kind: string, member: string, job_id: string, recorded_at: number, first: SignedCommitment, second: SignedCommitment } }> }

t.test('conflicting signed commitments from one member are kept and served over HTTP', async (st) => {
  const dir = await mkdtemp(join(tmpdir(), 'vm-evidence-'))
  const db = await openDatabase({ path: dir })
  st.teardown(async () => { await db.close(); await rm(dir, { recursive: true, force: true }) })
  const repo = new EvidenceRepository(db)

  const { job, jobId } = await signedJob(hashes(Buffer.from('equivocation sample')))
  const liar = MEMBERS[1] as Member
  // what the coordinator's commits-topic handler holds: the job, and the first commitment per member
  const held = new Map<Hex, SignedCommitment>()
  const ctx: ValidationContext = {
    chainId: CHAIN_ID,
    registry: REGISTRY,
    now: NOW + 1000,
    maxSampleBytes: 1 << 20,
    followedBlock: MEMBERSHIP_BLOCK,
    maxJobAgeBlocks: DEFAULT_MAX_JOB_AGE_BLOCKS,
    isMemberAt: (a, block) => block === MEMBERSHIP_BLOCK && MEMBERS.some((m) => m.address === a),
    membersAt: () => MEMBERS.map((m) => m.address),
    enginesAt: () => [],
    boundsAt: () => ({ ...DEFAULT_JOB_BOUNDS, clockSkewMs: 5000 }),
    getJob: (id): ScanJob | undefined => id === jobId ? job.job : undefined,
    getCommitment: (id, m) => id === jobId ? held.get(m)?.commitment.commitment : undefined,
    getConflictingCommitment: () => undefined,
    commitmentCount: (id) => id === jobId ? held.size : 0,
    getVerdictHash: () => undefined,
    getAttestation: () => undefined,
    hasComplaint: () => false,
    jobForSubmission: () => undefined
  }
  const commit = async (byte: string): Promise<SignedCommitment> =>
    await signCommitment({ jobId, member: liar.address, commitment: `0x${byte.repeat(32)}` as Hex }, CHAIN_ID, REGISTRY, liar.wallet)

  const first = await commit('aa')
  validateCommitment(first, ctx)
  held.set(liar.address, first)
  const second = await commit('bb')
  // the same path as the coordinator: the validator accepts the second one as the conflict, and the pair is kept
  st.same(validateCommitment(second, ctx), { jobId, member: liar.address, conflict: true })
  st.equal(await repo.add({ kind: 'commitment', member: liar.address, jobId, first, second, recordedAt: NOW + 1500 }), true)

  const ports: ApiPorts = {
    ...createMemoryNode().ports,
    evidence: evidenceReader(repo),
    keys: { find: async (key) => key === KEY ? { id: 'k', perMinute: 1000, perDay: 100_000 } : undefined }
  }
  const server = await startApi(t, ports)

  for (const spelling of [liar.address, liar.address.toUpperCase().replace('0X', '0x'), liar.address.slice(2)]) {
    const res = await get(`${server.url}/api/virusmap/evidence/${spelling}`)
    st.equal(res.status, 200, spelling)
    const body = await res.json() as EvidenceBody
    st.equal(body.data.length, 1)
    const e = body.data[0]
    st.equal(e?.type, 'evidence')
    st.equal(e?.id, `${liar.address.toLowerCase()}-${jobId}-commitment`)
    st.equal(e?.attributes.kind, 'commitment')
    st.equal(e?.attributes.member, liar.address.toLowerCase())
    st.equal(e?.attributes.job_id, jobId)
    st.equal(e?.attributes.recorded_at, Math.floor((NOW + 1500) / 1000))
    st.ok(Number.isInteger(e?.attributes.recorded_at))
    // anyone can check the proof: both messages recover to the member and differ
    for (const msg of [e?.attributes.first, e?.attributes.second]) {
      st.equal(recoverCommitmentSigner(msg as SignedCommitment, CHAIN_ID, REGISTRY), liar.address)
    }
    st.not(e?.attributes.first.commitment.commitment, e?.attributes.second.commitment.commitment)
    st.same(e?.attributes.first, first)
    st.same(e?.attributes.second, second)
  }

  const list = await (await get(`${server.url}/api/virusmap/evidence`)).json() as { data: Array<{ type: string, id: string }> }
  st.same(list.data.map((d) => [d.type, d.id]), [['evidence_member', liar.address.toLowerCase()]])

  // honest and unknown members: an empty list, not an error
  for (const other of [MEMBERS[0] as Member, OUTSIDER]) {
    const res = await get(`${server.url}/api/virusmap/evidence/${other.address}`)
    st.equal(res.status, 200)
    st.same(await res.json(), { data: [] })
  }

  // malformed ids
  for (const bad of ['0x1234', 'zz'.repeat(20), `0x${'ab'.repeat(21)}`, '0x', `0x${'ab'.repeat(20)}%20`, '-1']) {
    const res = await get(`${server.url}/api/virusmap/evidence/${bad}`)
    st.equal(res.status, 400, bad)
    const body = await res.json() as { error: { code: string } }
    st.equal(body.error.code, 'InvalidArgumentError')
  }

  // needs a key like every /api/virusmap route
  st.equal((await fetch(`${server.url}/api/virusmap/evidence/${liar.address}`)).status, 401)

  const openapi = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, unknown> }
  st.ok(openapi.paths['/api/virusmap/evidence/{member}'])
  st.ok(openapi.paths['/api/virusmap/evidence'])
})

t.test('a node without an evidence port answers 503', async (st) => {
  const server = await startApi(t, createMemoryNode().ports)
  const res = await fetch(`${server.url}/api/virusmap/evidence/0x${'ab'.repeat(20)}`)
  st.equal(res.status, 503)
  st.equal((await fetch(`${server.url}/api/virusmap/evidence`)).status, 503)
})
