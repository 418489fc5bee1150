// The user's local guard data, one JSON file beside the CLI profile: past recipients (for the
// poisoning and first-recipient rules), subjects the user or the network marked malicious, and
// the user's allowlist. Small by nature; written whole, mode 0600.
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AbortOptions } from '@libp2p/interface'
import { GuardError } from './guard-error.ts'
import type { Address } from './input.ts'

export const STORE_VERSION = 1
export const MAX_STORE_BYTES = 32 * 1024 * 1024

export interface GuardStoreData {
  pastRecipients: Set<Address>
  malicious: { addresses: Set<string>, domains: Set<string>, scriptHashes: Set<string> }
  allowlist: Set<Address>
  /**
   * The deployment the network mirror verified this store's subjects against, and where its feed
   * continues (the feed's opaque cursor; undefined: from the start). Set by the first pull; a mirror
   * of another deployment refuses the store, since its subjects and cursor mean nothing there.
   */
  mirror?: MirrorBinding
}

export interface MirrorBinding {
  chainId: number
  /** lower case */
  registry: Address
  /**
   * where each node's feed continues, by the node's origin (e.g. http://127.0.0.1:8080): a
   * cursor is a position in the node that issued it, so switching nodes starts that node's feed
   * over instead of sending it another's cursor
   */
  cursors?: Record<string, string>
}

/** nodes whose feed position a store keeps; a new one past it replaces the oldest */
export const MAX_MIRROR_CURSORS = 16
export const MAX_CURSOR_CHARS = 200

export const emptyStore = (): GuardStoreData => ({ pastRecipients: new Set(), malicious: { addresses: new Set(), domains: new Set(), scriptHashes: new Set() }, allowlist: new Set() })

const ADDRESS = /^0x[0-9a-f]{40}$/
/** a bare address (listed on every chain) or CAIP-10 on one EVM chain, the chain id canonical */
const LISTED_ADDRESS = /^(?:eip155:[1-9][0-9]{0,15}:)?0x[0-9a-f]{40}$/
const ORIGIN = /^https?:\/\/[^/?#\s]{1,255}$/
const SHA256 = /^[0-9a-f]{64}$/
const DOMAIN = /^[a-z0-9.-]{1,253}$/

export type StoreKind = 'recipient' | 'malicious-address' | 'malicious-domain' | 'malicious-script' | 'allow'

/** Normalizes and checks one entry for `kind`; throws BAD_STORE. */
export function storeEntry (kind: StoreKind, value: string): string {
  const v = value.trim().toLowerCase().replace(/^0x(?=[0-9a-f]{64}$)/, '')
  const ok = kind === 'malicious-script' ? SHA256.test(v) : kind === 'malicious-domain' ? DOMAIN.test(v) && v.includes('.') : kind === 'malicious-address' ? LISTED_ADDRESS.test(v) && Number.isSafeInteger(Number(v.split(':')[1] ?? 1)) : ADDRESS.test(v)
  if (!ok) throw new GuardError('BAD_STORE', `not a valid ${kind} entry: ${value.slice(0, 80)}`)
  return v
}

export function addToStore (data: GuardStoreData, kind: StoreKind, value: string): void {
  const v = storeEntry(kind, value)
  if (kind === 'recipient') data.pastRecipients.add(v as Address)
  else if (kind === 'allow') data.allowlist.add(v as Address)
  else if (kind === 'malicious-address') data.malicious.addresses.add(v)
  else if (kind === 'malicious-domain') data.malicious.domains.add(v)
  else data.malicious.scriptHashes.add(v)
}

export async function loadStore (file: string, options?: AbortOptions): Promise<GuardStoreData> {
  let text: string
  try {
    text = await readFile(file, { encoding: 'utf8', signal: options?.signal })
  } catch (err) {
    options?.signal?.throwIfAborted()
    if ((err as { code?: string }).code === 'ENOENT') return emptyStore()
    throw new GuardError('BAD_STORE', `cannot read ${file}: ${(err as { code?: string }).code ?? 'unreadable'}`)
  }
  if (text.length > MAX_STORE_BYTES) throw new GuardError('BAD_STORE', `${file} is larger than ${MAX_STORE_BYTES} bytes`)
  let json: Record<string, unknown>
  try { json = JSON.parse(text) as Record<string, unknown> } catch { throw new GuardError('BAD_STORE', `${file} is not JSON`) }
  if (typeof json !== 'object' || json === null || json.version !== STORE_VERSION) throw new GuardError('BAD_STORE', `${file} is not a version ${STORE_VERSION} guard store`)
  const data = emptyStore()
  const list = (v: unknown, kind: StoreKind): void => {
    if (v === undefined) return
    if (!Array.isArray(v)) throw new GuardError('BAD_STORE', `${file}: ${kind} entries must be a list`)
    for (const e of v) addToStore(data, kind, String(e))
  }
  const m = (json.malicious ?? {}) as Record<string, unknown>
  list(json.pastRecipients, 'recipient')
  list(json.allowlist, 'allow')
  list(m.addresses, 'malicious-address')
  list(m.domains, 'malicious-domain')
  list(m.scriptHashes, 'malicious-script')
  // a store from before the binding (a bare mirrorCursor) or before cursors were per node (mirror.cursor) keeps no
  // cursor: the mirror starts over, verifying everything again
  if (json.mirror !== undefined) data.mirror = mirrorBinding(json.mirror, file)
  return data
}

function mirrorBinding (v: unknown, file: string): MirrorBinding {
  const m = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>
  if (typeof m.chainId !== 'number' || !Number.isSafeInteger(m.chainId) || m.chainId <= 0) throw new GuardError('BAD_STORE', `${file}: mirror.chainId must be a positive integer`)
  if (typeof m.registry !== 'string' || !ADDRESS.test(m.registry)) throw new GuardError('BAD_STORE', `${file}: mirror.registry must be a lower-case address`)
  if (m.cursors === undefined) return { chainId: m.chainId, registry: m.registry as Address }
  if (typeof m.cursors !== 'object' || m.cursors === null || Array.isArray(m.cursors)) throw new GuardError('BAD_STORE', `${file}: mirror.cursors must map node origins to cursors`)
  const cursors = Object.entries(m.cursors)
  if (cursors.length > MAX_MIRROR_CURSORS) throw new GuardError('BAD_STORE', `${file}: more than ${MAX_MIRROR_CURSORS} mirror.cursors`)
  for (const [origin, cursor] of cursors) {
    if (!ORIGIN.test(origin) || typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS) throw new GuardError('BAD_STORE', `${file}: mirror.cursors must map http(s) origins to short strings`)
  }
  return { chainId: m.chainId, registry: m.registry as Address, cursors: Object.fromEntries(cursors) as Record<string, string> }
}

export async function saveStore (file: string, data: GuardStoreData, options?: AbortOptions): Promise<void> {
  const json = {
    version: STORE_VERSION,
    pastRecipients: [...data.pastRecipients].toSorted(),
    allowlist: [...data.allowlist].toSorted(),
    malicious: { addresses: [...data.malicious.addresses].toSorted(), domains: [...data.malicious.domains].toSorted(), scriptHashes: [...data.malicious.scriptHashes].toSorted() },
    ...data.mirror !== undefined ? { mirror: data.mirror } : {}
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  // written beside and renamed: a crash never leaves half a file; the service and its mirror may save at once
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`
  await writeFile(tmp, JSON.stringify(json, null, 2) + '\n', { mode: 0o600, signal: options?.signal })
  await rename(tmp, file)
}
