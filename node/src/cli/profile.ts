// The client profile `virusmap init` writes: which API, RPC and deployment the commands use from any
// directory (as `vt init` keeps a key), in $XDG_CONFIG_HOME/virusmap/config.json or ~/.config/virusmap.
import { constants } from 'node:fs'
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join } from 'node:path'
import { isAddress } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { ClientDeployment } from './deployment.ts'

export const PROFILE_ERROR_CODES = [
  /** neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep a profile */
  'PROFILE_NO_HOME',
  /** the path exists but is not a readable regular file (a directory, a FIFO, a device) */
  'PROFILE_UNREADABLE',
  'PROFILE_TOO_LARGE',
  /** not JSON, or a field missing or of the wrong form */
  'PROFILE_MALFORMED',
  /** someone other than its owner may read or change it, or it is another user's file */
  'PROFILE_INSECURE',
  /** the profile lacks what the command needs (gov needs the governance contracts) */
  'PROFILE_INCOMPLETE'
] as const
export type ProfileErrorCode = typeof PROFILE_ERROR_CODES[number]

export class ProfileError extends Error {
  override readonly name = 'ProfileError'
  readonly code: ProfileErrorCode
  constructor (code: ProfileErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export const PROFILE_VERSION = 1
/** a profile is a few hundred bytes; anything far larger is not one */
export const MAX_PROFILE_BYTES = 16 * 1024

export interface ProfileContracts {
  registry: Hex
  /** NetworkParameters: the quorum rule a light client checks (without it, the protocol's default) */
  parameters?: Hex
  /** the governance contracts `virusmap gov` needs (a profile made from a deployment file has them) */
  vmt?: Hex
  timelock?: Hex
  governor?: Hex
  /** EquivocationEvidence: `virusmap evidence submit` proves equivocation there */
  evidence?: Hex
  /** ReportAnchors: the epoch roots an anchored report's proof is checked against */
  anchors?: Hex
  /** RewardsDistributor: where `virusmap claim` checks the rewards root and claims */
  rewards?: Hex
}

export interface Profile {
  version: typeof PROFILE_VERSION
  api: string
  apiKey?: string
  chainId: number
  rpcUrl: string
  deployBlock: number
  contracts: ProfileContracts
}

const API_KEY = /^[0-9a-f]{64}$/
const CONTRACTS = ['registry', 'parameters', 'vmt', 'timelock', 'governor', 'evidence', 'anchors', 'rewards'] as const

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
export const isHttpUrl = (v: unknown): v is string => typeof v === 'string' && v.length <= 2048 && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)

/** $XDG_CONFIG_HOME/virusmap/config.json (XDG: only an absolute path counts), else $HOME/.config/virusmap/config.json */
export function profilePath (env: Record<string, string | undefined>): string {
  const xdg = env.XDG_CONFIG_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'virusmap', 'config.json')
  const home = env.HOME
  if (home !== undefined && isAbsolute(home)) return join(home, '.config', 'virusmap', 'config.json')
  throw new ProfileError('PROFILE_NO_HOME', 'no place for a profile: set HOME or XDG_CONFIG_HOME')
}

/** Checks every field; unknown fields are dropped. */
export function parseProfile (text: string, file: string): Profile {
  const bad = (why: string): ProfileError => new ProfileError('PROFILE_MALFORMED', `bad profile ${file}: ${why} (virusmap init writes it afresh)`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw bad('not JSON')
  }
  if (!isObject(json)) throw bad('not a JSON object')
  if (json.version !== PROFILE_VERSION) throw bad(`version must be ${PROFILE_VERSION}`)
  if (!isHttpUrl(json.api)) throw bad('api must be an http(s) URL')
  if (!isHttpUrl(json.rpcUrl)) throw bad('rpcUrl must be an http(s) URL')
  if (!Number.isSafeInteger(json.chainId) || (json.chainId as number) <= 0) throw bad('chainId must be a positive integer')
  if (!Number.isSafeInteger(json.deployBlock) || (json.deployBlock as number) < 0) throw bad('deployBlock must be a non-negative integer')
  if (json.apiKey !== undefined && (typeof json.apiKey !== 'string' || !API_KEY.test(json.apiKey))) throw bad('apiKey must be 64 lowercase hex digits')
  if (!isObject(json.contracts)) throw bad('contracts must be an object')
  const contracts: Partial<ProfileContracts> = {}
  for (const name of CONTRACTS) {
    const a = json.contracts[name]
    if (a === undefined && name !== 'registry') continue
    if (typeof a !== 'string' || !isAddress(a) || !a.startsWith('0x')) throw bad(`contracts.${name} must be a 0x address`)
    contracts[name] = a.toLowerCase() as Hex
  }
  return {
    version: PROFILE_VERSION,
    api: json.api,
    ...(typeof json.apiKey === 'string' ? { apiKey: json.apiKey } : {}),
    chainId: json.chainId as number,
    rpcUrl: json.rpcUrl,
    deployBlock: json.deployBlock as number,
    contracts: contracts as ProfileContracts
  }
}

/**
 * The profile, or undefined when there is none (or no HOME to look in). The file must be a regular
 * file of its user's, readable and writable by them alone: it holds an API key, and the chain and
 * registry every report is verified against.
 */
export async function loadProfile (env: Record<string, string | undefined>): Promise<{ file: string, profile: Profile } | undefined> {
  let file: string
  try {
    file = profilePath(env)
  } catch {
    return undefined
  }
  let handle
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang the CLI
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new ProfileError('PROFILE_UNREADABLE', `cannot read profile ${file}: ${code ?? (err as Error).message}`)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new ProfileError('PROFILE_UNREADABLE', `profile ${file} is not a regular file`)
    if (st.size > MAX_PROFILE_BYTES) throw new ProfileError('PROFILE_TOO_LARGE', `profile ${file} is ${st.size} bytes, over ${MAX_PROFILE_BYTES}`)
    if (process.getuid !== undefined && st.uid !== process.getuid()) throw new ProfileError('PROFILE_INSECURE', `profile ${file} belongs to another user (uid ${st.uid})`)
    if ((st.mode & 0o077) !== 0) throw new ProfileError('PROFILE_INSECURE', `profile ${file} is open to other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${file}`)
    const buffer = Buffer.alloc(MAX_PROFILE_BYTES + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > MAX_PROFILE_BYTES) throw new ProfileError('PROFILE_TOO_LARGE', `profile ${file} is over ${MAX_PROFILE_BYTES} bytes`)
    return { file, profile: parseProfile(buffer.subarray(0, bytesRead).toString('utf8'), file) }
  } finally {
    await handle.close()
  }
}

/** Writes the profile, owner-only (directory 0700, file 0600), replacing any old one at once. */
export async function saveProfile (env: Record<string, string | undefined>, profile: Profile): Promise<string> {
  const file = profilePath(env)
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await rm(tmp, { force: true })
  await writeFile(tmp, JSON.stringify(profile, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  await rename(tmp, file)
  return file
}

/** What submit and lookup take from a profile: its API first, its chain, registry and key. */
export function profileDeployment (profile: Profile): ClientDeployment {
  return {
    chainId: profile.chainId,
    rpcUrl: profile.rpcUrl,
    registry: profile.contracts.registry,
    ...(profile.contracts.parameters === undefined ? {} : { parameters: profile.contracts.parameters }),
    ...(profile.contracts.anchors === undefined ? {} : { anchors: profile.contracts.anchors }),
    apis: [profile.api],
    ...(profile.apiKey === undefined ? {} : { apiKey: profile.apiKey })
  }
}
