// Keccak-256, the hash behind every EIP-712 digest a node computes (about a hundred a job on each member),
// by each implementation the project has, side by side on the same inputs: noble's JavaScript (the
// protocol's own, and the web page's) and the `keccak` package's native addon driven directly (what a
// supernode passes to the protocol, node/src/crypto/native-keccak.ts). Every answer is checked against noble's.
// Sizes: 64 bytes (a digest's 0x1901 ‖ domain ‖ struct), 200 (a verdict's fields), 600 (a job's), 4 KiB.
// Run: npx node bench/keccak.ts [--runs 50000]
import { parseArgs } from 'node:util'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { loadNativeKeccak } from '../node/src/crypto/native-keccak.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50000' } } })
const runs = Number(values.runs)
const native = loadNativeKeccak()
if (native instanceof Error) throw native
const implementations: Array<[string, (b: Uint8Array) => Uint8Array]> = [
  ['noble (protocol, web page)', keccak_256],
  ['native addon (supernode)', native]
]

console.log(`Keccak-256, ${runs} hashes per size and implementation, microseconds per hash (best of 3 passes)`)
for (const size of [64, 200, 600, 4096]) {
  const inputs = Array.from({ length: 64 }, (_, i) => new Uint8Array(size).map((_byte, j) => (i * 131 + j * 7) & 0xff))
  const expected = inputs.map((b) => Buffer.from(keccak_256(b)).toString('hex'))
  const line: string[] = []
  let base = 0
  for (const [name, hash] of implementations) {
    inputs.forEach((b, i) => { if (Buffer.from(hash(b)).toString('hex') !== expected[i]) throw new Error(`${name} answers otherwise than noble`) })
    let best = Infinity
    for (let pass = 0; pass < 3; pass++) {
      const t0 = performance.now()
      for (let i = 0; i < runs; i++) hash(inputs[i & 63] as Uint8Array)
      best = Math.min(best, (performance.now() - t0) * 1000 / runs)
    }
    base ||= best
    line.push(`${name} ${best.toFixed(2)} us (${(base / best).toFixed(1)}x)`)
  }
  console.log(`${String(size).padStart(5)} B: ${line.join('   ')}`)
}
