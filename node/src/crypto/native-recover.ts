/**
 * libsecp256k1 built for this machine: the `secp256k1` package's N-API addon (prebuilt for linux-x64,
 * darwin-arm64 and win32-x64, built by node-gyp at install elsewhere when a compiler is there). A node
 * recovers a dozen signers per job; this recovers one in under a quarter of the wasm build's time
 * (bench/recover.ts). The protocol keeps the wasm build (it runs in browsers too); a supernode passes
 * this one to it, and runs on the wasm build, with one warning, where the addon did not build.
 */
import { createRequire } from 'node:module'
import { useRecoverPublicKey, wasmRecoverPublicKey } from '#protocol/eip712.ts'
import type { RecoverPublicKey } from '#protocol/eip712.ts'
import type { Logger } from 'pino'

/** What the addon's bindings.js exports that is used here (its lib/index.js checks every argument). */
interface NativeSecp256k1 {
  ecdsaRecover: (signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean) => Uint8Array
}

const require = createRequire(import.meta.url)

/**
 * The addon's recovery, or the reason it could not be loaded. `bindings.js`, not the package's main:
 * the main falls back to `elliptic` in pure JavaScript without a word, slower than the wasm build.
 */
export function loadNativeRecover (load: () => unknown = () => require('secp256k1/bindings.js')): RecoverPublicKey | Error {
  try {
    const native = load() as NativeSecp256k1
    if (typeof native?.ecdsaRecover !== 'function') return new Error('the secp256k1 addon has no ecdsaRecover')
    return (hash, rs, v) => native.ecdsaRecover(rs, v, hash, false)
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

/**
 * Makes the protocol recover signers with the native addon; where it does not load, with the wasm
 * build, and `logger` warns once. A supernode calls this as it is built. Answers which one runs.
 */
export function useNativeRecover (logger: Pick<Logger, 'warn'>, load?: () => unknown): 'native' | 'wasm' {
  const native = loadNativeRecover(load)
  if (native instanceof Error) {
    logger.warn({ err: native }, 'native secp256k1 did not load: signatures are recovered by the wasm build, about 4x slower')
    useRecoverPublicKey(wasmRecoverPublicKey)
    return 'wasm'
  }
  useRecoverPublicKey(native)
  return 'native'
}
