import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { AdminClientError, AdminCookieError, createAdminClient, readAdminCookie } from '../../admin/index.ts'
import { API_KEY_PRIVILEGES } from '../../db/apikey-privileges.ts'
import { API_KEY_PATTERN, ApiKeyError, ApiKeyRepository, apiKeyId, openDatabase } from '../../db/index.ts'
import type { ApiKeyRecord, Database } from '../../db/index.ts'
import { CliError } from '../cli-error.ts'
import { UsageError } from '../usage-error.ts'
import type { Command, CommandContext } from '../command.ts'

const DEFAULT_PER_MINUTE = 240
const DEFAULT_PER_DAY = 50_000

function quota (value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000_000) throw new UsageError(`--${name} must be an integer from 1 to 1000000000`)
  return n
}

function privileges (value: unknown): string[] {
  const given = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
  for (const p of given) {
    if (!(API_KEY_PRIVILEGES as readonly string[]).includes(p)) throw new UsageError(`unknown --privilege "${p.slice(0, 40)}" (known: ${API_KEY_PRIVILEGES.join(', ')})`)
  }
  return [...new Set(given)]
}

/** A running node holds its database's lock; say so plainly instead of printing LevelDB's error. */
async function openNodeDatabase (dataDir: string, create: boolean): Promise<Database> {
  const path = join(dataDir, 'db')
  // a key may be made before the node's first start, in its (existing) data dir
  if (!existsSync(create ? dataDir : path)) throw new UsageError(`no node database in ${dataDir} (expected ${path}); pass the supernode's --data-dir`)
  try {
    return await openDatabase({ path })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if ((err as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN' && cause?.code === 'LEVEL_LOCKED') {
      throw new UsageError(`the node database in ${dataDir} is in use and no admin.cookie says how to reach the node: stop the supernode, change its keys, start it again`)
    }
    throw err
  }
}

/** The node's keys, through whichever way reaches them: the running node's admin endpoint or its database. */
interface KeyStore {
  create(options: { name: string, perMinute: number, perDay: number, privileges: string[] }): Promise<{ key: string, record: ApiKeyRecord }>
  list(): Promise<ApiKeyRecord[]>
  /** by id */
  revoke(id: string): Promise<ApiKeyRecord>
  close(): Promise<void>
}

function adminRefusal (err: unknown): unknown {
  if (!(err instanceof AdminClientError) || err.code !== 'REFUSED') return err
  if (err.vtCode === 'NotFoundError' || err.vtCode === 'InvalidArgumentError') return new UsageError(err.message)
  return new CliError('NETWORK', `the supernode's admin endpoint refused: ${err.vtCode ?? ''} ${err.message}`)
}

async function openKeyStore (dataDir: string, action: string, ctx: CommandContext): Promise<KeyStore> {
  let cookie
  try {
    cookie = existsSync(dataDir) ? await readAdminCookie(dataDir) : undefined
  } catch (err) {
    if (err instanceof AdminCookieError) throw new UsageError(`${err.message}: remove it if no supernode runs on ${dataDir}`)
    throw err
  }
  if (cookie !== undefined) {
    const admin = createAdminClient(cookie)
    try {
      // one cheap call tells a running node from a cookie a killed one left behind
      const listed = await admin.listKeys({ signal: ctx.signal })
      return {
        create: async (o) => await admin.createKey(o, { signal: ctx.signal }).catch((err: unknown) => { throw adminRefusal(err) }),
        list: async () => listed,
        revoke: async (id) => await admin.revokeKey(id, { signal: ctx.signal }).catch((err: unknown) => { throw adminRefusal(err) }),
        close: async () => {}
      }
    } catch (err) {
      if (!(err instanceof AdminClientError && err.code === 'UNREACHABLE')) throw adminRefusal(err)
      ctx.stderr.write(`virusmap: no supernode answers at ${cookie.url} (a stale admin.cookie); using the database directly\n`)
    }
  }
  const db = await openNodeDatabase(dataDir, action === 'create')
  const keys = new ApiKeyRepository(db)
  return {
    create: async (o) => await keys.create(o).catch((err: unknown) => { throw err instanceof ApiKeyError ? new UsageError(err.message) : err }),
    list: async () => {
      const records = []
      for await (const r of keys.list()) records.push(r)
      return records
    },
    revoke: async (id) => await keys.revoke(id).catch((err: unknown) => { throw err instanceof ApiKeyError ? new UsageError(err.message) : err }),
    close: async () => { await db.close() }
  }
}

const privilegeText = (r: ApiKeyRecord): string => r.privileges.length === 0 ? '' : `  privileges: ${r.privileges.join(',')}`

export const apikeyCommand: Command = {
  name: 'apikey',
  summary: 'create, revoke or list the x-apikey keys a supernode accepts (through the running node, or its database when stopped)',
  usage: `virusmap apikey create|revoke ID|list --data-dir DIR [--name NAME] [--per-minute N] [--per-day N] [--privilege ${API_KEY_PRIVILEGES.join('|')}]... [--json]`,
  options: {
    'data-dir': { type: 'string' },
    name: { type: 'string' },
    'per-minute': { type: 'string' },
    'per-day': { type: 'string' },
    privilege: { type: 'string', multiple: true },
    json: { type: 'boolean' }
  },
  async run ({ values, positionals }, ctx) {
    const [action, arg, ...rest] = positionals
    if (typeof values['data-dir'] !== 'string') throw new UsageError('--data-dir DIR (the supernode\'s dataDir) is required')
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
    const perMinute = quota(values['per-minute'], 'per-minute', DEFAULT_PER_MINUTE)
    const perDay = quota(values['per-day'], 'per-day', DEFAULT_PER_DAY)
    const granted = privileges(values.privilege)
    const json = values.json === true
    if (action !== 'create' && action !== 'revoke' && action !== 'list') throw new UsageError('the action is create, revoke ID or list')
    if (action === 'revoke' && (arg === undefined || arg === '')) throw new UsageError('revoke needs the key\'s ID (from `virusmap apikey list`) or the key')
    if (action !== 'revoke' && arg !== undefined) throw new UsageError(`unexpected argument: ${arg}`)
    const name = typeof values.name === 'string' ? values.name : 'unnamed'
    if (name.length > 100) throw new UsageError('--name must be at most 100 characters')

    const keys = await openKeyStore(resolve(ctx.cwd, values['data-dir']), action, ctx)
    try {
      if (action === 'create') {
        const { key, record } = await keys.create({ name, perMinute, perDay, privileges: granted })
        if (json) ctx.stdout.write(`${JSON.stringify({ key, ...record })}\n`)
        else ctx.stdout.write(`api key: ${key}\nid: ${record.id}  name: ${record.name}  quota: ${record.perMinute}/minute, ${record.perDay}/day${privilegeText(record)}\n(the key is shown only now; the node keeps its hash)\n`)
      } else if (action === 'revoke') {
        const given = arg as string
        const record = await keys.revoke(API_KEY_PATTERN.test(given) ? apiKeyId(given) : given.toLowerCase())
        if (json) ctx.stdout.write(`${JSON.stringify(record)}\n`)
        else ctx.stdout.write(`revoked ${record.id} (${record.name})\n`)
      } else {
        const records = await keys.list()
        if (json) ctx.stdout.write(`${JSON.stringify(records)}\n`)
        else {
          if (records.length === 0) ctx.stdout.write('no API keys\n')
          for (const r of records) {
            ctx.stdout.write(`${r.id}  ${r.revokedAt === undefined ? 'active ' : 'revoked'}  ${r.perMinute}/minute ${r.perDay}/day  ${new Date(r.createdAt).toISOString()}  ${r.name}${privilegeText(r)}\n`)
          }
        }
      }
    } finally {
      await keys.close()
    }
    return 0
  }
}
