/**
 * Chaos on a real devnet (issue "Keeps working under load"): a stream of submissions while
 * members are killed -9 and restarted at random (seeded, bounded: one member down at a time, so a
 * quorum stays possible). The stream lasts until KILLS members have been killed and are back, however
 * slow the machine restarts them, rather than for a fixed time that a loaded machine fills with fewer kills.
 * Every acknowledged analysis must end completed or explicitly failed, none stays queued, and every
 * acknowledged sample downloads byte-identical from the node that took it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import { runCli } from '../../src/cli/run.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { startDevnet } from '../../src/devnet/devnet.ts'
import { seededRandom } from '../../scripts/reputation/random.ts'
import { spawnSupernode, waitUntilReady } from '../../src/devnet/node-process.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'

const SEED = 20261204
const KILLS = 3

interface Acked { id: string, sha256: string, bytes: Buffer, node: number }

tap.test('members killed -9 and restarted during a submission stream: every analysis ends, every sample survives', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'virusmap-chaos-'))
  const devnet: Devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 3000, revealWindowMs: 4000 })
  t.teardown(async () => {
    await devnet.stop()
    await rm(dir, { recursive: true, force: true })
  })
  // seeded, so a failing run can be replayed
  const random = seededRandom(SEED)
  const down = new Set<number>()
  const acked: Acked[] = []
  let refused = 0
  let kills = 0
  /** aborted once the last killed member is back: the stream ends with the chaos */
  const streaming = new AbortController()
  const clients = devnet.info.nodes.map((n) => createVtClient({ baseUrl: n.api, apiKey: devnet.info.apiKey }))

  async function restart (i: number): Promise<void> {
    const info = devnet.info.nodes[i]
    if (info == null) return
    const proc = spawnSupernode(join(info.dataDir, 'config.json'), join(info.dataDir, 'supernode.log'))
    devnet.processes[i] = proc
    await waitUntilReady(proc, info.api, 4, { timeoutMs: 90_000 })
  }

  const chaos = (async () => {
    // a restart that fails ends the stream too
    try {
      while (kills < KILLS) {
        // a job takes its commit and reveal windows (7 s), so a kill 2 to 4 s into a member's run lands on jobs in flight
        await sleep(2000 + random() * 2000)
        // node 0 stays up: it is where the test creates its download key
        const victim = 1 + Math.floor(random() * 3)
        const proc = devnet.processes[victim]
        if (proc == null || down.size > 0) continue
        down.add(victim)
        proc.child.kill('SIGKILL')
        t.comment(`killed node ${victim} (-9)`)
        await sleep(1000 + random() * 2000)
        await restart(victim)
        down.delete(victim)
        kills++
        t.comment(`node ${victim} back`)
      }
    } finally {
      streaming.abort()
    }
  })()

  const stream = (async () => {
    for (let i = 0; !streaming.signal.aborted; i++) {
      const alive = [0, 1, 2, 3].filter((n) => !down.has(n))
      const node = alive[Math.floor(random() * alive.length)] ?? 0
      const bytes = Buffer.concat([Buffer.from(`chaos sample ${i} `), randomBytes(1024 + Math.floor(random() * 8192))])
      try {
        const { id } = await (clients[node] as (typeof clients)[number]).uploadFile(bytes, { filename: `chaos-${i}.bin`, signal: AbortSignal.timeout(30_000) })
        acked.push({ id, sha256: createHash('sha256').update(bytes).digest('hex'), bytes, node })
      } catch {
        // not acknowledged (the node died under the request, or was busy): nothing was promised
        refused++
      }
      // about one upload a second: every member scans every job on this one machine, and a faster stream only
      // slows the restarts and leaves a longer queue to drain after it
      await sleep(500 + random() * 1000)
    }
  })()
  await Promise.all([chaos, stream])
  t.equal(kills, KILLS, `${KILLS} members killed -9 and restarted during the stream`)
  t.ok(acked.length >= 10, `${acked.length} submissions acknowledged, ${refused} not`)

  const statuses = new Map<string, string>()
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline && statuses.size < acked.length) {
    for (const a of acked) {
      if (statuses.has(a.id)) continue
      const res = await fetch(`${devnet.info.nodes[a.node]?.api}/api/v3/analyses/${a.id}`, { headers: { 'x-apikey': devnet.info.apiKey } }).catch(() => undefined)
      const status = res?.ok === true ? (await res.json() as { data: { attributes: { status: string } } }).data.attributes.status : undefined
      if (status === 'completed' || status === 'failed') statuses.set(a.id, status)
    }
    await sleep(1000)
  }
  const open = acked.filter((a) => !statuses.has(a.id))
  t.same(open.map((a) => a.id), [], 'no acknowledged analysis stays queued or in progress')
  const completed = [...statuses.values()].filter((s) => s === 'completed').length
  t.comment(`${completed} completed, ${statuses.size - completed} failed of ${acked.length}`)
  t.ok(completed >= acked.length / 2, 'most analyses complete despite the kills')

  let out = ''
  const code = await runCli(['apikey', 'create', '--data-dir', devnet.info.nodes[0]?.dataDir as string, '--privilege', 'download', '--name', 'chaos', '--json'], {
    stdout: { write: (s: string) => { out += s } }, stderr: { write: () => {} }, signal: AbortSignal.timeout(30_000), env: {}, cwd: dir
  })
  t.equal(code, 0, 'download key created on node 0')
  const key = (JSON.parse(out) as { key: string }).key
  for (const a of acked.filter((x) => x.node === 0)) {
    const res = await fetch(`${devnet.info.nodes[0]?.api}/api/v3/files/${a.sha256}/download`, { headers: { 'x-apikey': key } })
    t.equal(res.status, 200, `sample ${a.sha256.slice(0, 12)} downloads`)
    t.ok(Buffer.from(await res.arrayBuffer()).equals(a.bytes), 'byte-identical')
  }
  if (!t.passing()) {
    for (const n of devnet.info.nodes) {
      const log = await readFile(join(n.dataDir, 'supernode.log'), 'utf8').catch(() => '')
      for (const line of log.split('\n').filter((l) => /"level":[56]0/.test(l)).slice(-8)) t.comment(`node ${n.index}: ${line.slice(0, 500)}`)
    }
  }
})
