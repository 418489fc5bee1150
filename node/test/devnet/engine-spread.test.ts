import tap from 'tap'
import { DEVNET_EVERY_MEMBER_FILE_ENGINES, DEVNET_FILE_ENGINES, DEVNET_INDICATOR_ENGINES, devnetEngineSets, devnetFileEngines } from '../../src/devnet/engine-spread.ts'

const holders = (sets: string[][], engine: string): number => sets.filter((s) => s.includes(engine)).length

tap.test('with 1-3 members everyone runs every engine', async (t) => {
  for (const n of [1, 2, 3]) {
    t.same(devnetEngineSets(n), Array.from({ length: n }, () => [...DEVNET_FILE_ENGINES, ...DEVNET_EVERY_MEMBER_FILE_ENGINES, ...DEVNET_INDICATOR_ENGINES]), `${n} members`)
  }
})

tap.test('from 4 members: file engines spread, each held by two or more, nobody holds them all; indicator engines everywhere', async (t) => {
  for (const fileEngines of [DEVNET_FILE_ENGINES, [...DEVNET_FILE_ENGINES, 'ClamAV'], ['YARA', 'ClamAV']]) {
    for (let n = 4; n <= 9; n++) {
      const sets = devnetEngineSets(n, fileEngines)
      const what = `${n} members, ${fileEngines.length} file engines`
      t.equal(sets.length, n, what)
      t.ok(fileEngines.every((e) => holders(sets, e) >= 2), `${what}: every file engine has two or more members`)
      t.ok(sets.every((s) => fileEngines.some((e) => !s.includes(e))), `${what}: no member holds every file engine`)
      t.ok(DEVNET_INDICATOR_ENGINES.every((e) => holders(sets, e) === n), `${what}: every member judges indicators`)
      t.equal(holders(sets, 'tlsh'), n, `${what}: every member digests files (tlsh)`)
      t.ok(sets.every((s) => new Set(s).size === s.length), `${what}: no repeats (the registry refuses them)`)
    }
  }
  t.same(devnetEngineSets(4)[0], ['VirusMap-Heuristics', 'VirusMap-HashList', 'VirusMap-Archive', 'tlsh', ...DEVNET_INDICATOR_ENGINES], 'member 0 leaves out YARA')
})

tap.test('a single file engine is never taken from anyone', async (t) => {
  t.ok(devnetEngineSets(5, ['YARA']).every((s) => s.includes('YARA')))
})

tap.test('with clamd, ClamAV joins the file engines so that YARA and ClamAV are each missing from a different member', async (t) => {
  t.same(devnetFileEngines({ clamav: false }), [...DEVNET_FILE_ENGINES])
  const fileEngines = devnetFileEngines({ clamav: true })
  t.same(fileEngines.toSorted(), [...DEVNET_FILE_ENGINES, 'ClamAV'].toSorted())
  for (let n = 4; n <= 9; n++) {
    const sets = devnetEngineSets(n, fileEngines)
    t.ok(sets.some((s) => s.includes('ClamAV') && !s.includes('YARA')), `${n} members: one holds ClamAV without YARA`)
    t.ok(sets.some((s) => s.includes('YARA') && !s.includes('ClamAV')), `${n} members: one holds YARA without ClamAV`)
    t.ok(holders(sets, 'ClamAV') >= 2 && holders(sets, 'ClamAV') < n, `${n} members: ClamAV on some members, not all`)
  }
})
