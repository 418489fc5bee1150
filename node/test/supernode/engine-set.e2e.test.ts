import tap from 'tap'
import { pino } from 'pino'
import { ENGINE_DEFAULTS } from '../../src/supernode/engine-options.ts'
import { createEngineSet } from '../../src/supernode/engine-set.ts'
import { createLimiter } from '../../src/scan/limiter.ts'
import { GuardReportRepository, openDatabase } from '../../src/db/index.ts'
import { GUARD_REPORTS_ENGINE_NAME } from '../../src/intel/guard-reports-engine.ts'
import { makeZip } from '../scan/archive-helpers.ts'
import { PROJECT_RULES, eicar, input, silentLogger } from '../scan/yara-helpers.ts'

tap.test('limiter: at most n at once, FIFO, an aborted waiter leaves no slot behind', async t => {
  const limiter = createLimiter(2)
  let running = 0
  let peak = 0
  const gates: Array<() => void> = []
  const task = async (): Promise<void> => {
    running++
    peak = Math.max(peak, running)
    await new Promise<void>(resolve => { gates.push(resolve) })
    running--
  }
  const all = [limiter.run(task), limiter.run(task), limiter.run(task)]
  const controller = new AbortController()
  const aborted = limiter.run(task, { signal: controller.signal })
  await new Promise(resolve => setImmediate(resolve))
  t.same([limiter.active, limiter.pending], [2, 2])
  controller.abort(new Error('cancel'))
  await t.rejects(aborted, /cancel/)
  t.equal(limiter.pending, 1)
  while (gates.length > 0 || limiter.active > 0) {
    gates.shift()?.()
    await new Promise(resolve => setImmediate(resolve))
  }
  await Promise.all(all)
  t.equal(peak, 2)
  t.same([limiter.active, limiter.pending], [0, 0])
  t.throws(() => createLimiter(0))
})

tap.test('engine set: optional engines that cannot start are left out; archives reach YARA', async t => {
  const dir = t.testdir({ tmp: {} })
  const set = createEngineSet({
    ...ENGINE_DEFAULTS, rulesDirs: [PROJECT_RULES], yaraProcesses: 1, tmpDir: `${dir}/tmp`,
    clamav: { socket: `${dir}/no-clamd.sock` }, hashFeeds: [`${dir}/missing-feed.txt`],
    intelFeeds: [{ name: 'gone', source: `${dir}/missing-intel.txt`, refreshSeconds: 3600 }]
  }, { logger: silentLogger })
  await set.start()
  t.teardown(async () => { await set.stop() })
  t.same(set.engines.map(e => e.name).toSorted(), ['VirusMap-Addresses', 'VirusMap-Archive', 'VirusMap-Heuristics', 'VirusMap-Lists', 'VirusMap-Lookalike', 'VirusMap-Reputation', 'VirusMap-URL-Heuristics', 'YARA', 'tlsh'], 'no clamd, no hash feed: the node runs without them; an unreadable intel feed starts empty')
  const zipped = input(makeZip([{ name: 'eicar.com', data: Buffer.from(eicar()) }]))
  const yara = set.engines.find(e => e.name === 'YARA')
  t.equal((await yara?.scan(zipped))?.result, 'EICAR_Test_File', 'YARA judges the zip member')
})

tap.test('engine set: only the engines in "engines" start, even YARA is left out when unlisted; ids it does not have are logged', async t => {
  const dir = t.testdir({ tmp: {} })
  const logged: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { logged.push(JSON.parse(line) as Record<string, unknown>) } })
  const set = createEngineSet({
    ...ENGINE_DEFAULTS, rulesDirs: [PROJECT_RULES], yaraProcesses: 1, tmpDir: `${dir}/tmp`, reputation: false,
    engines: ['VirusMap-Heuristics', 'VirusMap-Lookalike', 'ClamAV']
  }, { logger })
  await set.start()
  t.teardown(async () => { await set.stop() })
  t.same(set.engines.map(e => e.name).toSorted(), ['VirusMap-Heuristics', 'VirusMap-Lookalike'], 'YARA, the archive and URL engines are left out')
  t.same(logged.find(l => Array.isArray(l['engines']))?.['engines'], ['ClamAV'], 'a listed engine the node has no config for is named in a warning')
})

tap.test('engine set: without the archive engine, YARA sees an archive as it is', async t => {
  const dir = t.testdir({ tmp: {} })
  const set = createEngineSet({
    ...ENGINE_DEFAULTS, rulesDirs: [PROJECT_RULES], yaraProcesses: 1, tmpDir: `${dir}/tmp`, heuristics: false,
    reputation: false, indicatorHeuristics: false, ethPhishingDetect: false, engines: ['YARA']
  }, { logger: silentLogger })
  await set.start()
  t.teardown(async () => { await set.stop() })
  t.same(set.engines.map(e => e.name), ['YARA'])
  const zipped = input(makeZip([{ name: 'eicar.com', data: Buffer.from(eicar()) }]))
  t.equal((await set.engines[0]?.scan(zipped))?.category, 'undetected', 'no members expanded for it')
})

tap.test('engine set: the guard-reports engine is built over the node\'s guard-report store, and only then', async t => {
  const dir = t.testdir({ tmp: {} })
  const db = await openDatabase({ path: `${dir}/db` })
  t.teardown(async () => { await db.close() })
  const config = { ...ENGINE_DEFAULTS, rulesDirs: [PROJECT_RULES], yaraProcesses: 1, tmpDir: `${dir}/tmp`, reputation: false, engines: [GUARD_REPORTS_ENGINE_NAME] }
  const withStore = createEngineSet(config, { logger: silentLogger, guardReports: new GuardReportRepository(db) })
  await withStore.start()
  t.teardown(async () => { await withStore.stop() })
  t.same(withStore.engines.map(e => e.name), [GUARD_REPORTS_ENGINE_NAME])
  const without = createEngineSet(config, { logger: silentLogger })
  await without.start()
  t.same(without.engines, [], 'no store: not built')
})
