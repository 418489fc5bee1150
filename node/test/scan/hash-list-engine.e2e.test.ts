import tap from 'tap'
import { createHash } from 'node:crypto'
import { writeFileSync, renameSync } from 'node:fs'
import { createHashListEngine } from '../../src/scan/hash-list-engine.ts'
import { parseFeed } from '../../src/scan/hash-list.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { engineCompliance } from './engine-compliance.ts'
import { eicar, input, silentLogger } from './yara-helpers.ts'

const sha256 = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex')
const md5 = (s: string | Uint8Array): string => createHash('md5').update(s).digest('hex')

tap.test('parseFeed: plain, labelled, ClamAV hdb lines; junk skipped', async t => {
  const a = sha256('a')
  const feed = parseFeed([
    '# comment', '', `${a}`, `${md5('b').toUpperCase()} Trojan.Generic`, `${md5('c')}:68:Eicar-Test-Signature:73`,
    `${sha256('d')},Evil.One,extra`, 'not-a-hash', `${a.slice(1)}`, `${a}zz`, '0'.repeat(63), 'x'.repeat(100_000)
  ].join('\r\n'), 'HashList.feed')
  t.equal(feed.entries.get(a), 'HashList.feed', 'unlabelled entries get the feed label')
  t.equal(feed.entries.get(md5('b')), 'Trojan.Generic', 'hashes are case-insensitive')
  t.equal(feed.entries.get(md5('c')), 'Eicar-Test-Signature', 'hdb: size then name')
  t.equal(feed.entries.get(sha256('d')), 'Evil.One')
  t.equal(feed.entries.size, 4)
  t.equal(feed.skipped, 5)
  const hostile = parseFeed(`${a} <script>alert(1)</script>${'A'.repeat(500)}`, 'x')
  t.match(hostile.entries.get(a), /^[\w.\-:/]{1,96}$/, 'labels are sanitised and bounded')
})

tap.test('hash list passes the engine compliance test', async t => {
  const dir = t.testdir({ 'bad.txt': `${sha256(eicar())} EICAR-Test-File\n` })
  engineCompliance(t, {
    create: () => createHashListEngine({ feeds: [`${dir}/bad.txt`], timeoutMs: 30_000, logger: silentLogger }),
    detected: input(eicar()),
    clean: input('just some text\n'),
    misbehaving: {
      create: () => createHashListEngine({ feeds: [`${dir}/bad.txt`], timeoutMs: 1500, concurrency: 2, logger: silentLogger, testHooks: true }),
      slow: input(TEST_HOOKS.hang),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('feeds reload without a restart; a broken feed keeps the last good one', async t => {
  const dir = t.testdir({ 'feed.txt': '# empty\n' })
  const engine = createHashListEngine({ feeds: [`${dir}/feed.txt`], timeoutMs: 30_000, reloadCheckMs: 0, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const sample = input('some sample bytes')
  t.equal((await engine.scan(sample)).category, 'undetected')

  // replace the file atomically, as an operator's cron job would
  writeFileSync(`${dir}/next.txt`, `${md5('some sample bytes')} Operator.Feed.Hit\n`)
  renameSync(`${dir}/next.txt`, `${dir}/feed.txt`)
  const hit = await engine.scan(sample)
  t.same([hit.category, hit.result], ['malicious', 'Operator.Feed.Hit'], 'md5 entry picked up on the next scan')

  const detailed = await engine.scanDetailed(sample)
  t.equal(detailed.detail?.sha256, sha256('some sample bytes'), 'hashes come from the bytes, not the caller')

  writeFileSync(`${dir}/next.txt`, '')
  renameSync(`${dir}/next.txt`, `${dir}/feed.txt`)
  t.equal((await engine.scan(sample)).category, 'undetected', 'an emptied feed drops the entry')
})

tap.test('hostile input: a missing feed fails start; large and odd samples scan', async t => {
  const dir = t.testdir({ 'feed.txt': `${sha256(new Uint8Array(32 << 20))}\n` })
  const missing = createHashListEngine({ feeds: [`${dir}/nope.txt`], timeoutMs: 30_000, logger: silentLogger })
  await t.rejects(missing.start(), { code: 'ENGINE_UNAVAILABLE' })
  await t.rejects(createHashListEngine({ feeds: [], timeoutMs: 30_000, logger: silentLogger }).start(), { code: 'ENGINE_UNAVAILABLE' })

  const engine = createHashListEngine({ feeds: [`${dir}/feed.txt`], timeoutMs: 30_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  const big = await engine.scan(input(new Uint8Array(32 << 20)))
  t.same([big.category, big.result], ['malicious', 'HashList.feed'], '32 MiB sample, default label from the feed name')
  t.equal((await engine.scan(input(new Uint8Array()))).category, 'undetected', 'empty sample')
})
