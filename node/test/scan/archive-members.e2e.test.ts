import tap from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createArchiveEngine } from '../../src/scan/archive-engine.ts'
import { withArchiveMembers } from '../../src/scan/archive-members.ts'
import { ScanAbortedError } from '../../src/scan/engine.ts'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { makeZip } from './archive-helpers.ts'
import { PROJECT_RULES, SLOW_RULE, SLOW_SAMPLE, eicar, input, silentLogger } from './yara-helpers.ts'
import type { ArchiveCoverage, MemberBudget } from '../../src/scan/archive-members.ts'
import type { ArchiveEngine } from '../../src/scan/archive-engine.ts'
import type { Engine } from '../../src/scan/engine.ts'
import type { SessionEngine } from '../../src/scan/scan-session.ts'
import type { EngineResult } from '#protocol/messages.ts'
import type { Test } from 'tap'

const smallFiles = (n: number): Array<{ name: string, data: Uint8Array }> =>
  Array.from({ length: n }, (_, i) => ({ name: `docs/file-${i}.txt`, data: Buffer.from(`note ${i}: nothing to see here, just a small text file number ${i}\n`) }))
const eicarMember = { name: 'eicar.com', data: Buffer.from(eicar()) }

async function archivesFor (t: Test): Promise<ArchiveEngine> {
  const archives = createArchiveEngine({ timeoutMs: 30_000, tmpDir: t.testdir({}), logger: silentLogger })
  await archives.start()
  t.teardown(async () => { await archives.stop() })
  return archives
}

async function yaraFor (t: Test, archives: ArchiveEngine, budget: Partial<MemberBudget> = {}, rulesDirs = [PROJECT_RULES]) {
  const yara = createYaraEngine({ rulesDirs, timeoutMs: 30_000, logger: silentLogger })
  const engine = withArchiveMembers(yara, archives, { budget, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  return { yara, engine }
}

const coverage = (detail: unknown): ArchiveCoverage | undefined => (detail as { archive?: ArchiveCoverage } | undefined)?.archive

tap.test('a zip of 1,500 small files plus EICAR gets its verdict quickly', async t => {
  const zip = makeZip([...smallFiles(1500), eicarMember])
  t.ok(zip.length < 300_000, `${Math.round(zip.length / 1024)} KiB`)
  const archives = await archivesFor(t)
  const { yara, engine } = await yaraFor(t, archives)
  const pids = yara.scannerPids
  const started = performance.now()
  const { result, detail } = await engine.scanDetailed?.(input(zip)) ?? { result: undefined, detail: undefined }
  const ms = performance.now() - started
  t.comment(`verdict in ${Math.round(ms)} ms`)
  t.same([result?.category, result?.result], ['malicious', 'EICAR_Test_File'], 'EICAR, the last member, is found')
  t.match(coverage(detail), { members: 1501, scanned: 1501, failed: 0, summary: 'scanned 1501 of 1501 members' })
  t.ok(ms < 10_000, 'well within a scan budget')
  t.same(yara.scannerPids, pids, 'on the warm scanners, none started for the members')
})

tap.test('budgets: a large archive gets a verdict from what fits, and says so', async t => {
  const archives = await archivesFor(t)
  const { engine } = await yaraFor(t, archives, { maxMembers: 1000, maxBytes: 64 * 1024 })

  const late = await engine.scanDetailed?.(input(makeZip([...smallFiles(1500), eicarMember])))
  t.equal(late?.result.category, 'undetected', 'EICAR past the member budget is not reached')
  t.match(coverage(late?.detail), { members: 1501, scanned: 1000, stoppedBy: 'members', summary: 'scanned 1000 of 1501 members (members budget)' })

  const early = await engine.scanDetailed?.(input(makeZip([eicarMember, ...smallFiles(1500)])))
  t.equal(early?.result.result, 'EICAR_Test_File', 'within the budget it is')
  t.match(coverage(early?.detail), { scanned: 1, stoppedBy: 'detection', summary: 'scanned 1 of 1501 members (stopped at a detection)' })

  const big = { name: 'big.bin', data: Buffer.alloc(100 * 1024, 1) }
  const bytes = await engine.scanDetailed?.(input(makeZip([big, eicarMember])))
  t.equal(bytes?.result.result, 'EICAR_Test_File', 'a member over the byte budget is skipped, the next one scanned')
  t.match(coverage(bytes?.detail), { members: 2, scanned: 1, scannedBytes: 68, stoppedBy: 'bytes' })
})

tap.test('time budget: a member scan running past it is cut, the verdict stands', async t => {
  const archives = await archivesFor(t)
  const dir = t.testdir({ rules: { 'eicar.yar': readFileSync(join(PROJECT_RULES, 'virusmap/eicar.yar'), 'utf8'), 'slow.yar': SLOW_RULE } })
  const { yara, engine } = await yaraFor(t, archives, { maxMs: 500 }, [`${dir}/rules`])
  const started = performance.now()
  const r = await engine.scanDetailed?.(input(makeZip([{ name: 'slow.bin', data: SLOW_SAMPLE }, eicarMember])))
  t.ok(performance.now() - started < 5000, 'at the budget, not after the rule')
  t.equal(r?.result.category, 'undetected')
  t.match(coverage(r?.detail), { members: 2, scanned: 0, stoppedBy: 'time', summary: 'scanned 0 of 2 members (time budget)' })
  t.equal((await yara.scan(input(eicar()))).result, 'EICAR_Test_File', 'the engine scans on')
})

const result = (category: EngineResult['category'], label = ''): EngineResult => ({ engine: 'Rec', engineVersion: '1', engineUpdate: '20260101', category, result: label, method: 'blacklist' })

/** an engine with sessions that records how it was used and takes `delayMs` per scan */
function recordingEngine (delayMs: number) {
  const used = { sessions: 0, sessionScans: 0, scans: 0 }
  const judge = async (bytes: Uint8Array, signal?: AbortSignal): Promise<EngineResult> => {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, delayMs)
      signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new ScanAbortedError({ cause: signal.reason })) }, { once: true })
    })
    return Buffer.from(bytes).toString('latin1') === eicar() ? result('malicious', 'EICAR') : result('undetected')
  }
  const engine: SessionEngine = {
    name: 'Rec', version: '1', signatureDate: '20260101', kinds: ['file'],
    start: async () => {},
    stop: async () => {},
    scan: async (i, o) => { used.scans++; return await judge(i.bytes, o?.signal) },
    withSession: async (work) => { used.sessions++; return await work(async (i, o) => { used.sessionScans++; return await judge(i.bytes, o?.signal) }) }
  }
  return { engine, used }
}

tap.test('one session per archive: every member on the scanner it holds', async t => {
  const archives = await archivesFor(t)
  const { engine: inner, used } = recordingEngine(0)
  const engine: Engine = withArchiveMembers(inner, archives, { logger: silentLogger })
  t.equal((await engine.scan(input(makeZip([...smallFiles(30), eicarMember])))).result, 'EICAR')
  t.same(used, { sessions: 1, sessionScans: 31, scans: 1 }, 'the container by scan(), its 31 members in one session')
})

tap.test('the caller\'s abort is not a budget: it rejects', async t => {
  const archives = await archivesFor(t)
  const { engine: inner } = recordingEngine(50)
  const engine: Engine = withArchiveMembers(inner, archives, { logger: silentLogger })
  const controller = new AbortController()
  setTimeout(() => { controller.abort(new Error('job cancelled')) }, 300)
  await t.rejects(engine.scan(input(makeZip(smallFiles(100))), { signal: controller.signal }), { code: 'SCAN_ABORTED' })
})

tap.test('a slow engine without a fast scanner stops at the time budget', async t => {
  const archives = await archivesFor(t)
  const { engine: inner, used } = recordingEngine(40)
  const engine = withArchiveMembers(inner, archives, { budget: { maxMs: 400 }, logger: silentLogger })
  const r = await engine.scanDetailed?.(input(makeZip([...smallFiles(100), eicarMember])))
  t.equal(r?.result.category, 'undetected')
  const c = coverage(r?.detail)
  t.equal(c?.stoppedBy, 'time')
  t.ok((c?.scanned ?? 0) > 0 && (c?.scanned ?? 0) < 20, `scanned ${c?.scanned} before the budget ran out`)
  t.equal(used.sessions, 1)
})
