import { randomBytes } from 'node:crypto'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * How operator commands reach a running supernode, as bitcoind's cookie auth does it: at start the
 * node writes its admin endpoint's URL and a fresh random token to DATA/admin.cookie, readable by
 * the operator's user only (0600), and deletes it at stop. Whoever can read the data dir can
 * administer the node; nobody else can.
 */
export const ADMIN_COOKIE_FILE = 'admin.cookie'

export interface AdminCookie {
  /** http://127.0.0.1:PORT */
  url: string
  /** 32 random bytes, hex */
  token: string
}

export type AdminCookieErrorCode = 'COOKIE_INVALID'

export class AdminCookieError extends Error {
  override readonly name = 'AdminCookieError'
  readonly code: AdminCookieErrorCode = 'COOKIE_INVALID'
}

const TOKEN = /^[0-9a-f]{64}$/
const MAX_COOKIE_BYTES = 1024

export function adminCookiePath (dataDir: string): string {
  return join(dataDir, ADMIN_COOKIE_FILE)
}

export function newAdminToken (): string {
  return randomBytes(32).toString('hex')
}

/** Writes the cookie atomically, created 0600 (never briefly readable by others). */
export async function writeAdminCookie (dataDir: string, cookie: AdminCookie): Promise<void> {
  const path = adminCookiePath(dataDir)
  const tmp = `${path}.${process.pid}.tmp`
  await rm(tmp, { force: true })
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(cookie)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
}

/** The running node's cookie, or undefined when there is none (the node is not running). */
export async function readAdminCookie (dataDir: string): Promise<AdminCookie | undefined> {
  let text: string
  try {
    text = await readFile(adminCookiePath(dataDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let value: unknown
  try {
    if (text.length > MAX_COOKIE_BYTES) throw new Error('too long')
    value = JSON.parse(text)
  } catch {
    throw new AdminCookieError(`${adminCookiePath(dataDir)} is not an admin cookie`)
  }
  const c = value as Partial<AdminCookie> | null
  if (c === null || typeof c !== 'object' || typeof c.token !== 'string' || !TOKEN.test(c.token) ||
    typeof c.url !== 'string' || !/^http:\/\/(127\.0\.0\.1|\[::1\]):[0-9]{1,5}$/.test(c.url)) {
    throw new AdminCookieError(`${adminCookiePath(dataDir)} is not an admin cookie`)
  }
  return { url: c.url, token: c.token }
}

export async function removeAdminCookie (dataDir: string): Promise<void> {
  await rm(adminCookiePath(dataDir), { force: true })
}
