import { createHash } from 'node:crypto'
import tap from 'tap'
import { bodyDistance } from '#protocol/rewards/fuzzy.ts'
import { FuzzyIndex } from '#protocol/rewards/fuzzy-index.ts'

/** deterministic bytes, so a failure reproduces */
function bytesOf (seed: string, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 32) out.set(createHash('sha256').update(`${seed}/${i}`).digest().subarray(0, Math.min(32, n - i)), i)
  return out
}

/** what FamilyIndex did before the index: measure every digest, keep the nearest within the limit, ties by key */
function scan (entries: Array<[string, Uint8Array]>, body: Uint8Array, limit: number): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const [key, other] of entries) {
    const d = bodyDistance(body, other, limit)
    if (d <= limit && (d < bestDistance || (d === bestDistance && (best === undefined || key < best)))) {
      best = key
      bestDistance = d
    }
  }
  return best
}

/** `centre` with `codes` random 2-bit codes changed, as a family's samples and their variants lie around it */
function near (centre: Uint8Array, codes: number, seed: string): Uint8Array {
  const body = Uint8Array.from(centre)
  const r = bytesOf(seed, 2 * codes)
  for (let k = 0; k < codes; k++) {
    const code = (r[2 * k] as number) % 128
    const shift = 2 * (code % 4)
    const byte = code >> 2
    body[byte] = ((body[byte] as number) & ~(3 << shift)) | (((r[2 * k + 1] as number) & 3) << shift)
  }
  return body
}

const LIMITS = [0, 1, 2, 10, 29, 30, 31, 32, 33, 60, 120, 768]

tap.test('the index finds exactly what a scan of every digest finds: random and clustered digests, every limit', async (t) => {
  const centres = Array.from({ length: 40 }, (_, i) => bytesOf(`centre-${i}`, 32))
  const entries: Array<[string, Uint8Array]> = []
  const index = new FuzzyIndex()
  let compared = 0
  let found = 0
  for (let i = 0; i < 1500; i++) {
    const pick = bytesOf(`pick-${i}`, 2)
    const body = (pick[0] as number) < 64 ? bytesOf(`random-${i}`, 32) : near(centres[(pick[1] as number) % centres.length] as Uint8Array, (pick[0] as number) % 40, `near-${i}`)
    // a lookup before each addition, as FamilyIndex.assign does, at every limit
    for (const limit of LIMITS) {
      const want = scan(entries, body, limit)
      const got = index.nearest(body, limit)
      compared++
      if (want !== undefined) found++
      if (got !== want) t.fail(`entry ${i}, limit ${limit}: index ${got}, scan ${want}`)
    }
    // keys out of insertion order, so ties by key are tested
    const key = `k${(i * 7919) % 1500}`
    entries.push([key, body])
    index.add(key, body)
  }
  t.equal(compared, 1500 * LIMITS.length, 'every lookup compared')
  t.ok(found > 5000, `most lookups of clustered digests find a family (${found} of ${compared})`)
  t.pass('no lookup differed')
})

tap.test('ties go to the smaller key, duplicates and equal bodies included', async (t) => {
  const a = bytesOf('a', 32)
  const index = new FuzzyIndex()
  index.add('m', a)
  index.add('c', near(a, 1, 'one'))
  index.add('b', a)
  index.add('b', a)
  t.equal(index.nearest(a, 30), 'b', 'distance 0 twice: the smaller key')
  t.equal(index.nearest(a, 0), 'b')
  t.equal(index.nearest(bytesOf('far', 32), 30), undefined, 'nothing near')
})

tap.test('hostile limits give what a scan gives: nothing for a negative or NaN limit, everything past 768', async (t) => {
  const entries: Array<[string, Uint8Array]> = Array.from({ length: 20 }, (_, i) => [`k${i}`, bytesOf(`h${i}`, 32)])
  const index = new FuzzyIndex()
  for (const [k, b] of entries) index.add(k, b)
  const q = bytesOf('q', 32)
  const limits = [-1, Number.NaN, Number.NEGATIVE_INFINITY, 0.5, 30.9, 1e9, Number.POSITIVE_INFINITY]
  // the first lookups scan, later ones use the lists: both answer each limit as a scan does
  for (const round of ['scanning', 'indexed', 'indexed again']) {
    for (const limit of limits) t.equal(index.nearest(q, limit), scan(entries, q, limit), `${round}: limit ${limit}`)
  }
  t.equal(index.nearest(q, -1), undefined)
  t.ok(index.nearest(q, Number.POSITIVE_INFINITY) !== undefined)
  t.equal(new FuzzyIndex().nearest(q, 30), undefined, 'an empty index')
})

tap.test('after deletions the index finds what a scan of the remaining digests finds: before and after the lists, through compactions, keys added again', async (t) => {
  const centres = Array.from({ length: 12 }, (_, i) => bytesOf(`dc-${i}`, 32))
  const live = new Map<string, Uint8Array>()
  const index = new FuzzyIndex()
  let compared = 0
  let deleted = 0
  for (let i = 0; i < 1200; i++) {
    const pick = bytesOf(`dpick-${i}`, 3)
    const body = near(centres[(pick[1] as number) % centres.length] as Uint8Array, (pick[0] as number) % 40, `dnear-${i}`)
    for (const limit of [0, 10, 30, 33]) {
      const got = index.nearest(body, limit)
      compared++
      if (got !== scan([...live], body, limit)) t.fail(`step ${i}, limit ${limit}: index ${got}`)
    }
    // keys come back (a family dropped and founded again), and most are deleted again
    const key = `k${(i * 7919) % 150}`
    if (!live.has(key)) {
      live.set(key, body)
      index.add(key, body)
    }
    if ((pick[2] as number) < 160) {
      const victim = `k${pick[2] as number}`
      if (live.delete(victim)) deleted++
      index.delete(victim)
    }
  }
  // more deleted than ever live (150 keys) at once: the index compacts itself (at 64 deleted and more than live) several times
  t.ok(deleted > 450, `deleted ${deleted}`)
  t.equal(compared, 4800, 'every lookup compared')
  t.equal(index.nearest(bytesOf('absent', 32), 768), scan([...live], bytesOf('absent', 32), 768), 'a scan of every remaining digest')
  index.delete('never-added')
  t.pass('deleting an absent key changes nothing')
})

tap.test('deleting a key added twice removes both entries', async (t) => {
  const a = bytesOf('twice', 32)
  const index = new FuzzyIndex()
  index.add('b', a)
  index.add('b', a)
  index.add('c', near(a, 2, 'c'))
  index.delete('b')
  t.equal(index.nearest(a, 30), 'c')
  index.delete('c')
  t.equal(index.nearest(a, 768), undefined)
})
