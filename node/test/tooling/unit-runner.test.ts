// `npm test` runs every test file once: the unit files in the runner's shards (node/test/runner/unit-runner.ts),
// every e2e and slow file by .taprc's include, one process each. A test file in a new folder, or a shard the
// scripts do not name, fails here instead of quietly never running.
import { globSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import tap from 'tap'
import { isUnitTestFile, ROOT, TEST_FOLDERS, UNIT_SHARDS, unitTestFiles } from '../runner/unit-runner.ts'
import { shardOf, SLOW_UNIT_FILES } from '../runner/unit-shards.ts'

const taprc = readFileSync(join(ROOT, '.taprc'), 'utf8')
/** .taprc's include list, read as tap reads the block: one quoted glob a line */
const include = [...(taprc.split(/^include:$/m)[1] ?? '').matchAll(/^ {2}- "(.+)"$/gm)].map((m) => m[1] as string)
const shardFiles = Array.from({ length: UNIT_SHARDS }, (_, i) => `node/test/runner/unit-${i + 1}.ts`)
const isFixture = (path: string): boolean => /(^|\/)(fixtures?|dist)\//.test(path)

tap.test('every test file runs once: a unit file in one shard, any other in its own process', async (t) => {
  const everyTest = globSync(['**/*.test.ts'], { cwd: ROOT, exclude: (path) => path.includes('node_modules') || path.startsWith('.') }).filter((p) => !isFixture(p)).toSorted()
  const units = unitTestFiles()
  const shards = shardFiles.map((_, i) => shardOf(units, i + 1, UNIT_SHARDS))
  const ownProcess = globSync(include.filter((glob) => glob.endsWith('.test.ts')), { cwd: ROOT }).filter((p) => !isFixture(p))
  t.ok(units.length > 200, `${units.length} unit files`)
  t.same([...shards.flat(), ...ownProcess].toSorted(), everyTest, 'the shards and .taprc together are every test file, none twice')
  t.same(shards.flat().toSorted(), units, 'the shards part the unit files')
  for (const file of SLOW_UNIT_FILES.keys()) t.ok(units.includes(file), `the slow file ${file} is a unit file`)
  t.notOk(ownProcess.some(isUnitTestFile), '.taprc runs no unit file on its own')
  for (const folder of TEST_FOLDERS) t.ok(include.includes(`${folder}/**/*.@(e2e|slow).test.ts`), `.taprc runs ${folder}'s e2e and slow files`)
})

tap.test('npm test and npm run test:unit run every shard', async (t) => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  t.same(globSync(include.filter((glob) => !glob.endsWith('.test.ts')), { cwd: ROOT }).toSorted(), shardFiles, '.taprc (npm test)')
  for (const file of shardFiles) t.ok(scripts['test:unit']?.split(' ').includes(file), `test:unit runs ${file}`)
})

tap.test('a unit file is a *.test.ts that is neither e2e nor slow, outside fixtures; shards even out the seconds', async (t) => {
  t.ok(isUnitTestFile('node/test/api/indicators.test.ts'))
  t.notOk(isUnitTestFile('node/test/e2e/devnet.e2e.test.ts'))
  t.notOk(isUnitTestFile('protocol/test/fuzz.slow.test.ts'))
  t.notOk(isUnitTestFile('node/test/fixtures/x.test.ts'))
  t.notOk(isUnitTestFile('node/test/runner/unit-1.ts'))
  t.same(shardOf(['a', 'b', 'c', 'd', 'e'], 1, 2), ['a', 'c', 'e'], 'files of equal cost alternate')
  t.same(shardOf(['a', 'b', 'c', 'd', 'e'], 2, 2), ['b', 'd'])
  const seconds = new Map([['b', 10]])
  t.same(shardOf(['a', 'b', 'c', 'd', 'e'], 1, 2, seconds), ['b'], 'the slowest alone')
  t.same(shardOf(['a', 'b', 'c', 'd', 'e'], 2, 2, seconds), ['a', 'c', 'd', 'e'], 'the others fill the other shard, in their order')
})
