/**
 * libsecp256k1 built for this machine: the `secp256k1` package's N-API addon (prebuilt for linux-x64,
 * darwin-arm64 and win32-x64, built by node-gyp at install elsewhere when a compiler is there). A node
 * recovers a dozen signers per job; this recovers one in under a quarter of the wasm build's time
 * (bench/recover.ts), and signs in a third of it (51 against 151 us here; a node signs three messages a
 * job). The protocol keeps the wasm build (it runs in browsers too); a supernode passes this one to it,
 * and runs on the wasm build, with one warning, where the addon did not build.
 */
import { createRequire } from 'node:module'
import { useRecoverPublicKey, wasmRecoverPublicKey } from '#protocol/eip712.ts'
import type { RecoverPublicKey } from '#protocol/eip712.ts'
import { useSignRecoverable, wasmSignRecoverable } from '#protocol/signing.ts'
import type { SignRecoverable } from '#protocol/signing.ts'
import type { Logger } from 'pino'

/** What the addon's bindings.js exports that is used here (its lib/index.js checks every argument). */
interface NativeSecp256k1 {
  ecdsaRecover: (signature: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean) => Uint8Array
  ecdsaSign: (msg32: Uint8Array, seckey: Uint8Array) => { signature: Uint8Array, recid: number }
}

const require = createRequire(import.meta.url)

/**
 * The addon, or the reason it could not be loaded. `bindings.js`, not the package's main: the main
 * falls back to `elliptic` in pure JavaScript without a word, slower than the wasm build.
 */
function loadNative (load: () => unknown): NativeSecp256k1 | Error {
  try {
    const native = load() as NativeSecp256k1
    if (typeof native?.ecdsaRecover !== 'function') return new Error('the secp256k1 addon has no ecdsaRecover')
    if (typeof native.ecdsaSign !== 'function') return new Error('the secp256k1 addon has no ecdsaSign')
    return native
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

const requireBindings = (): unknown => require('secp256k1/bindings.js')

const recoverWith = (native: NativeSecp256k1): RecoverPublicKey => (hash, rs, v) => native.ecdsaRecover(rs, v, hash, false)

const signWith = (native: NativeSecp256k1): SignRecoverable => (digest, secretKey) => {
  const { signature, recid } = native.ecdsaSign(digest, secretKey)
  return { signature, recoveryId: recid }
}

/** The addon's recovery, or the reason it could not be loaded. */
export function loadNativeRecover (load: () => unknown = requireBindings): RecoverPublicKey | Error {
  const native = loadNative(load)
  return native instanceof Error ? native : recoverWith(native)
}

/** The addon's signing (RFC 6979, low s, as the wasm build signs), or the reason it could not be loaded. */
export function loadNativeSign (load: () => unknown = requireBindings): SignRecoverable | Error {
  const native = loadNative(load)
  return native instanceof Error ? native : signWith(native)
}

/**
 * Makes the protocol recover signers and sign with the native addon; where it does not load, with the
 * wasm build, and `logger` warns once. A supernode calls this as it is built. Answers which one runs.
 */
export function useNativeRecover (logger: Pick<Logger, 'warn'>, load: () => unknown = requireBindings): 'native' | 'wasm' {
  const native = loadNative(load)
  if (native instanceof Error) {
    logger.warn({ err: native }, 'native secp256k1 did not load: signatures are recovered and made by the wasm build, 3-4x slower')
    useRecoverPublicKey(wasmRecoverPublicKey)
    useSignRecoverable(wasmSignRecoverable)
    return 'wasm'
  }
  useRecoverPublicKey(recoverWith(native))
  useSignRecoverable(signWith(native))
  return 'native'
}
