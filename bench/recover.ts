// secp256k1 public-key recovery, the cost of each signed gossip message a node checks, by each library the
// project has, side by side on the same signatures: the `secp256k1` package's native libsecp256k1 (what a
// supernode passes to the protocol's verifier, node/src/crypto/native-recover.ts), tiny-secp256k1
// (libsecp256k1 in wasm, the protocol's own and the node's fallback), @noble/curves' recovery, and noble's
// verification against a signer's key kept with its precomputed tables (the verifier's path for a known
// member when no recovery is passed, as on the web page). Every answer is checked against the signer's key.
// Run: npx node bench/recover.ts [--runs 2000]
import { parseArgs } from 'node:util'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { recover } from 'tiny-secp256k1'
import type { RecoveryIdType } from 'tiny-secp256k1'
import { loadNativeRecover } from '../node/src/crypto/native-recover.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2000' } } })
const runs = Number(values.runs)

// 16 signers, as a 16-member network: each message hash signed by one of them
const keys = Array.from({ length: 16 }, () => secp256k1.utils.randomSecretKey())
const publics = keys.map((k) => secp256k1.getPublicKey(k, false))
const points = publics.map((p) => secp256k1.Point.fromBytes(p).precompute(6))
const signed = Array.from({ length: 512 }, (_, i) => {
  const hash = keccak_256(new TextEncoder().encode(`message ${i}`))
  const signer = i % keys.length
  const sig = secp256k1.sign(hash, keys[signer] as Uint8Array, { prehash: false, format: 'recovered' })
  // noble's 'recovered' format is the recovery bit first, then r and s
  return { hash, signer, rs: sig.subarray(1), v: sig[0] as number }
})
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

const { Point } = secp256k1
const { Fn } = Point
const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`)

/** the protocol verifier's check against a kept key (eip712-hash.js signedBy): u1·G + u2·Q has x = r and y's parity v */
function signedBy (point: InstanceType<typeof Point>, hash: Uint8Array, rs: Uint8Array, v: number): boolean {
  const r = toBigInt(rs.subarray(0, 32))
  const si = Fn.inv(toBigInt(rs.subarray(32)))
  const R = Point.BASE.multiplyUnsafe(Fn.create(toBigInt(hash) * si)).add(point.multiplyUnsafe(Fn.mul(r, si)))
  const { x, y } = R.toAffine()
  return x === r && Number(y & 1n) === v
}

const native = loadNativeRecover()
if (native instanceof Error) throw native

type Check = (m: (typeof signed)[number]) => boolean
const checks: Array<[string, Check]> = [
  ['secp256k1 ecdsaRecover (native libsecp256k1)', (m) => same(native(m.hash, m.rs, m.v) ?? new Uint8Array(), publics[m.signer] as Uint8Array)],
  ['tiny-secp256k1 recover (wasm libsecp256k1)', (m) => same(recover(m.hash, m.rs, m.v as RecoveryIdType, false) ?? new Uint8Array(), publics[m.signer] as Uint8Array)],
  ['@noble/curves recoverPublicKey', (m) => same(secp256k1.Signature.fromBytes(m.rs, 'compact').addRecoveryBit(m.v).recoverPublicKey(m.hash).toBytes(false), publics[m.signer] as Uint8Array)],
  ['@noble/curves check against a kept key (tables)', (m) => signedBy(points[m.signer] as InstanceType<typeof Point>, m.hash, m.rs, m.v)]
]

// rounds of 100 each in turn: a machine whose load changes during the run charges every library alike
const spent = checks.map(() => 0)
for (const [name, check] of checks) for (const m of signed.slice(0, 50)) if (!check(m)) throw new Error(`${name} got a wrong answer`)
for (let done = 0; done < runs; done += 100) {
  checks.forEach(([name, check], c) => {
    const started = performance.now()
    for (let i = done; i < done + 100; i++) if (!check(signed[i % signed.length] as (typeof signed)[number])) throw new Error(`${name} got a wrong answer`)
    spent[c] = (spent[c] ?? 0) + performance.now() - started
  })
}
const us = spent.map((ms) => ms * 1000 / Math.ceil(runs / 100) / 100)
console.log(`runs: ${Math.ceil(runs / 100) * 100} each, interleaved in rounds of 100 (µs per signature, lower is faster; x: against the wasm build)`)
checks.forEach(([name], c) => { console.log(`  ${name.padEnd(50)}${(us[c] ?? NaN).toFixed(0).padStart(6)} µs  ${((us[c] ?? NaN) / (us[1] ?? NaN)).toFixed(2)}x`) })
