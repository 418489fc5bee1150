import tap from 'tap'
import { JobModel } from '../src/model/job-model.ts'
import { Overlay } from '../src/model/overlay.ts'
import { DEFAULT_PARAMS } from '../src/model/params.ts'
import { createRng } from '../src/prng.ts'
import type { ModelMessage } from '../src/model/model-message.ts'

const N = 12
const COMMIT_MS = 10_000

interface Payload { kind: string, job: number, member?: number }

/**
 * Runs two jobs on N members and checks every acceptance against the node's rule (SPEC section 6): a
 * member takes a commitment, verdict or attestation only once it holds the job, and a verdict before the
 * commit deadline only once it holds every other member's commitment. Returns the breaches and the run.
 */
function run (waits: boolean, seed = 4): { breaches: string[], overlay: Overlay, model: JobModel } {
  const overlay = new Overlay(N, DEFAULT_PARAMS, createRng(seed).fork('overlay'))
  const model = new JobModel(overlay, { members: N, roles: [], engineMs: 50, commitMs: COMMIT_MS, revealMs: COMMIT_MS, clockSkewMs: 1000 })
  if (!waits) overlay.behind = () => undefined
  const known = new Set<string>()
  const commits = new Map<string, Set<number>>()
  const breaches: string[] = []
  const deliver = overlay.onDeliver
  overlay.onDeliver = (peer: number, msg: ModelMessage, at: number) => {
    const p = msg.payload as Payload
    const key = `${peer}/${p.job}`
    if (p.kind === 'job') known.add(key)
    else if (!known.has(key)) breaches.push(`${p.kind} before its job at ${key}`)
    if (p.kind === 'commitment') commits.set(key, (commits.get(key) ?? new Set()).add(p.member as number))
    const deadline = (model.outcomes[p.job]?.submittedAt ?? 0) + COMMIT_MS
    if (p.kind === 'verdict' && at < deadline && (commits.get(key)?.size ?? 0) < N - 1) breaches.push(`early verdict at ${key}`)
    deliver(peer, msg, at)
  }
  overlay.q.runUntil(3000)
  for (const origin of [0, 5]) {
    model.submit(origin)
    known.add(`${origin}/${model.outcomes.length - 1}`)
    overlay.q.runUntil(overlay.q.now + 30_000)
  }
  return { breaches, overlay, model }
}

tap.test('a member relay validates and forwards a job message only once it holds what the node would need', async (t) => {
  const old = run(false)
  t.ok(old.breaches.length > 0, `without the waits verdicts are accepted early (${old.breaches.length}: ${old.breaches.slice(0, 2).join('; ')})`)
  const now = run(true)
  t.same(now.breaches, [], 'with them, none')
  t.ok(now.overlay.stats.waited > 0, `messages waited (${now.overlay.stats.waited})`)
  t.equal(now.overlay.stats.waitsExpired, 0, 'and none was given up')
  for (const out of now.model.outcomes) t.equal(out.reportedAt.size, N, `job ${out.job}: every member reports`)
  t.equal(now.overlay.stats.causalityViolations, 0)
})

tap.test('a verdict whose commitment never comes waits to the bound, then is dropped without a penalty', async (t) => {
  const overlay = new Overlay(3, DEFAULT_PARAMS, createRng(1).fork('overlay'))
  const model = new JobModel(overlay, { members: 3, roles: [], engineMs: 50, commitMs: 1000, revealMs: 1000, clockSkewMs: 100 })
  overlay.q.runUntil(3000)
  model.submit(0)
  overlay.q.runUntil(overlay.q.now + 5000)
  const before = overlay.stats.deliveries
  // member 1 reveals a verdict opening a commitment nobody holds
  overlay.publish(1, 700, true, { kind: 'verdict', job: 0, member: 1, opens: '1:forged', category: 'malicious' })
  overlay.q.runUntil(overlay.q.now + DEFAULT_PARAMS.maxWaitMs + 2000)
  t.equal(overlay.stats.deliveries, before, 'never accepted')
  t.equal(overlay.stats.waitsExpired, 2, 'given up at both other members')
  t.equal(overlay.score(0, 1), 0, 'an ignored message costs its sender nothing')
})
