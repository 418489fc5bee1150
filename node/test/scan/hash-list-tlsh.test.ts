import tap from 'tap'
import { createHash } from 'node:crypto'
import { fuzzyDistance } from '#protocol/rewards/fuzzy.ts'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/params.ts'
import { createHashListEngine } from '../../src/scan/hash-list-engine.ts'
import { DEFAULT_TLSH_THRESHOLD, parseFeed } from '../../src/scan/hash-list.ts'
import type { HashListDetail } from '../../src/scan/hash-list.ts'
import { tlsh } from '../../src/scan/tlsh.ts'
import { TlshNeighbours } from '../../src/scan/tlsh-neighbours.ts'
import { input, mutants, realFile, silentLogger } from './tlsh-helpers.ts'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const elf = realFile('elf').bytes
const rule = realFile('rule').bytes
const other = realFile('other-rule').bytes
/** a digest with a fixed header and a body of one repeated hex digit */
const body = (fill: string): string => `t1${'ab'.repeat(3)}${fill.repeat(64)}`

tap.test('parseFeed: TLSH digests (T1 and 3.x spellings) are kept apart from exact hashes; near-misses skipped', async t => {
  const digest = tlsh(elf)
  const feed = parseFeed([
    `${digest} Win.Trojan.Listed`,
    `${tlsh(rule).slice(2).toLowerCase()},Rule.Listed`,
    `${sha256(elf)} Exact.Listed`,
    `${digest.slice(0, -1)} too-short`,
    `T2${digest.slice(2)} wrong-version`,
    `${digest}G bad-hex`
  ].join('\n'), 'HashList.feed')
  t.same([...feed.tlsh.entries()], [[digest.toLowerCase(), 'Win.Trojan.Listed'], [tlsh(rule).toLowerCase(), 'Rule.Listed']])
  t.same([...feed.entries.keys()], [sha256(elf)])
  t.equal(feed.skipped, 3)
})

tap.test('hash list: variants of a listed sample match its TLSH within the threshold; others do not', async t => {
  t.equal(DEFAULT_TLSH_THRESHOLD, DEFAULT_REWARD_PARAMS.fuzzyThreshold, 'the default is the rewards\' near-duplicate distance')
  const dir = t.testdir({ 'listed.txt': `${tlsh(elf)} Win.Trojan.Listed\n${tlsh(rule)} Rule.Listed\n${sha256(other)} Other.Exact\n` })
  const engine = createHashListEngine({ feeds: [`${dir}/listed.txt`], timeoutMs: 30_000, logger: silentLogger })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  for (const [file, label] of [[elf, 'Win.Trojan.Listed'], [rule, 'Rule.Listed']] as const) {
    for (const [how, bytes] of [['the listed sample itself', Buffer.from(file)] as const, ...mutants(file)]) {
      const { result, detail } = await engine.scanDetailed(input(bytes))
      const near = detail?.tlsh !== undefined && 'neighbour' in detail.tlsh ? detail.tlsh.neighbour : undefined
      t.same([result.category, result.result], ['malicious', label], `${label}, ${how}: flagged (distance ${near?.distance})`)
      t.equal(near?.distance, fuzzyDistance(tlsh(file).toLowerCase(), tlsh(bytes).toLowerCase()), 'the rewards\' distance')
    }
  }
  const exact = await engine.scan(input(other))
  t.same([exact.category, exact.result], ['malicious', 'Other.Exact'], 'exact hashes still match')
  // another rule file, a byte longer so its exact hash is not the listed one
  const unrelated = await engine.scanDetailed(input(Buffer.concat([other, Buffer.from('\n')])))
  t.equal(unrelated.result.category, 'undetected', 'an unrelated sample is not a neighbour')
  const tiny = await engine.scanDetailed(input('short'))
  t.same([tiny.result.category, (tiny.detail as HashListDetail).tlsh], ['undetected', { code: 'TLSH_TOO_SHORT' }], 'a sample TLSH cannot digest matches exact hashes only')
})

tap.test('hash list: threshold 0 matches equal bodies only; -1 turns the lookup off', async t => {
  const dir = t.testdir({ 'listed.txt': `${tlsh(rule)} Rule.Listed\n` })
  const appended = mutants(rule)[0]?.[1] as Buffer
  const strict = createHashListEngine({ feeds: [`${dir}/listed.txt`], tlshThreshold: 0, timeoutMs: 30_000, logger: silentLogger })
  const off = createHashListEngine({ feeds: [`${dir}/listed.txt`], tlshThreshold: -1, timeoutMs: 30_000, logger: silentLogger })
  await Promise.all([strict.start(), off.start()])
  t.teardown(async () => { await Promise.all([strict.stop(), off.stop()]) })
  t.equal((await strict.scan(input(rule))).category, 'malicious', 'distance 0 at threshold 0')
  t.equal((await strict.scan(input(appended))).category, 'undetected', 'a variant is past threshold 0')
  const offResult = await off.scanDetailed(input(rule))
  t.same([offResult.result.category, offResult.detail?.tlsh], ['undetected', undefined], 'off: not even hashed')
})

tap.test('TlshNeighbours: the nearest within the threshold, ties to the smaller digest in any insertion order', async t => {
  const sample = body('0')
  // a and b differ from the sample in their header (not scored) and one 2-bit code of the body (distance 1)
  const a = `t1${'cd'.repeat(3)}${'0'.repeat(63)}1`
  const b = `t1${'ef'.repeat(3)}${'0'.repeat(63)}1`
  for (const order of [[a, b], [b, a]]) {
    const index = new TlshNeighbours()
    for (const d of order) index.add(d, d === a ? 'A' : 'B')
    index.add(body('f'), 'Far')
    t.same(index.nearest(sample, 30), { listed: a, label: 'A', distance: 1 }, 'equal distance: the smaller digest')
    t.equal(index.nearest(sample, 0), undefined, 'nothing at distance 0')
    t.equal(index.nearest(sample, -1), undefined, 'off')
  }
  t.equal(new TlshNeighbours().nearest(sample, 768), undefined, 'an empty list')
})
