/**
 * Is the edit distance between a and b at most `max`? Levenshtein by default (what
 * eth-phishing-detect's fuzzy list uses); with `transpositions`, optimal string alignment, which
 * also counts a swap of neighbours ("metmaask") as one edit, the typo squatters register most.
 * Banded: only cells within `max` of the diagonal are computed, so a long hostile host costs
 * O(n * max), and it stops as soon as a whole row is past `max`.
 */
export function editDistanceWithin (a: string, b: string, max: number, options: { transpositions?: boolean } = {}): boolean {
  if (Math.abs(a.length - b.length) > max) return false
  const out = max + 1
  const swaps = options.transpositions === true
  let before = new Uint32Array(b.length + 1).fill(out)
  let prev = new Uint32Array(b.length + 1)
  let cur = new Uint32Array(b.length + 1)
  for (let j = 0; j <= b.length; j++) prev[j] = Math.min(j, out)
  for (let i = 1; i <= a.length; i++) {
    cur.fill(out)
    cur[0] = Math.min(i, out)
    let best = cur[0] as number
    const from = Math.max(1, i - max)
    const to = Math.min(b.length, i + max)
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (swaps && i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, (before[j - 2] as number) + 1)
      }
      cur[j] = v
      if (v < best) best = v
    }
    if (best > max) return false
    ;[before, prev, cur] = [prev, cur, before]
  }
  return (prev[b.length] as number) <= max
}
