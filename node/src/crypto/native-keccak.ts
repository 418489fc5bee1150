/**
 * Keccak-256 in C: the `keccak` package's N-API addon (the Keccak team's code, prebuilt for linux-x64,
 * darwin-x64 and win32-x64, built by node-gyp at install elsewhere when a compiler is there). A member
 * computes about a hundred digests a job (job ids, struct hashes, commitments, report digests); noble's
 * JavaScript takes 7-12 us for one of 64-200 bytes here, this 2-3 (bench/keccak.ts). The addon's own
 * API is a stream for each hash, which costs more than the hash: the sponge is driven directly.
 * The protocol keeps noble's (it runs in browsers too); a supernode passes this one to it, and runs on
 * noble's, with one warning, where the addon did not load.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { useKeccak256 } from '#protocol/eip712.ts'
import type { Keccak256 } from '#protocol/eip712.ts'
import type { Logger } from 'pino'

/** The addon's sponge (src/addon.cc): Keccak[r, c] with the bits Keccak-256 pads its input with. */
interface Sponge {
  initialize: (rate: number, capacity: number) => void
  absorb: (bytes: Uint8Array) => void
  absorbLastFewBits: (bits: number) => void
  squeeze: (length: number) => Uint8Array
}

const RATE = 1088
const CAPACITY = 512
/** Keccak's own padding (pre-FIPS 202 SHA-3): 0x01, where SHA3-256 takes 0x06 */
const KECCAK_SUFFIX = 0x01

const require = createRequire(import.meta.url)

/** The package's prebuilt or built addon; `bindings.js` would wrap it in the stream API. */
const requireAddon = (): unknown => (require('node-gyp-build') as (dir: string) => unknown)(path.dirname(require.resolve('keccak/package.json')))

/** Checked against noble before it is used: an addon that loads but hashes otherwise is refused. */
const PROBES = [new Uint8Array(0), new Uint8Array(136).fill(0xa5), new TextEncoder().encode('VirusMap')]

/** The addon's Keccak-256, or the reason it could not be loaded or answered otherwise than noble's. */
export function loadNativeKeccak (load: () => unknown = requireAddon): Keccak256 | Error {
  try {
    const Native = load() as new () => Sponge
    if (typeof Native !== 'function') return new Error('the keccak addon exports no sponge')
    // one sponge for this thread: each hash initializes it, absorbs and squeezes without yielding
    const sponge = new Native()
    const keccak: Keccak256 = (bytes) => {
      sponge.initialize(RATE, CAPACITY)
      sponge.absorb(bytes)
      sponge.absorbLastFewBits(KECCAK_SUFFIX)
      const out = sponge.squeeze(32)
      // a plain Uint8Array, as noble answers: a Buffer's slice() is a view where callers may expect a copy
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    }
    for (const probe of PROBES) {
      if (Buffer.compare(keccak(probe), keccak_256(probe)) !== 0) return new Error('the keccak addon answers otherwise than noble')
    }
    return keccak
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

/**
 * Makes the protocol hash with the native addon; where it does not load, with noble's, and `logger`
 * warns once. A supernode calls this as it is built. Answers which one runs.
 */
export function useNativeKeccak (logger: Pick<Logger, 'warn'>, load: () => unknown = requireAddon): 'native' | 'noble' {
  const keccak = loadNativeKeccak(load)
  if (keccak instanceof Error) {
    logger.warn({ err: keccak }, 'native keccak did not load: digests are computed by noble\'s JavaScript, 3-4x slower')
    useKeccak256(keccak_256)
    return 'noble'
  }
  useKeccak256(keccak)
  return 'native'
}
