import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiKeyError, ApiKeyRepository, openDatabase } from '../../db/index.ts'
import { UsageError } from '../usage-error.ts'
import type { Database } from '../../db/index.ts'
import type { Command } from '../command.ts'

const DEFAULT_PER_MINUTE = 240
const DEFAULT_PER_DAY = 50_000

function quota (value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000_000) throw new UsageError(`--${name} must be an integer from 1 to 1000000000`)
  return n
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
      throw new UsageError(`the node database in ${dataDir} is in use: stop the supernode, change its keys, start it again`)
    }
    throw err
  }
}

export const apikeyCommand: Command = {
  name: 'apikey',
  summary: 'create, revoke or list the x-apikey keys a supernode accepts (with the node stopped)',
  usage: 'virusmap apikey create|revoke ID|list --data-dir DIR [--name NAME] [--per-minute N] [--per-day N] [--json]',
  options: {
    'data-dir': { type: 'string' },
    name: { type: 'string' },
    'per-minute': { type: 'string' },
    'per-day': { type: 'string' },
    json: { type: 'boolean' }
  },
  async run ({ values, positionals }, ctx) {
    const [action, arg, ...rest] = positionals
    if (typeof values['data-dir'] !== 'string') throw new UsageError('--data-dir DIR (the supernode\'s dataDir) is required')
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
    const perMinute = quota(values['per-minute'], 'per-minute', DEFAULT_PER_MINUTE)
    const perDay = quota(values['per-day'], 'per-day', DEFAULT_PER_DAY)
    const json = values.json === true
    if (action !== 'create' && action !== 'revoke' && action !== 'list') throw new UsageError('the action is create, revoke ID or list')
    if (action === 'revoke' && (arg === undefined || arg === '')) throw new UsageError('revoke needs the key\'s ID (from `virusmap apikey list`) or the key')
    if (action !== 'revoke' && arg !== undefined) throw new UsageError(`unexpected argument: ${arg}`)

    const db = await openNodeDatabase(resolve(ctx.cwd, values['data-dir']), action === 'create')
    try {
      const keys = new ApiKeyRepository(db)
      if (action === 'create') {
        const name = typeof values.name === 'string' ? values.name : 'unnamed'
        const { key, record } = await keys.create({ name, perMinute, perDay })
        if (json) ctx.stdout.write(`${JSON.stringify({ key, ...record })}\n`)
        else ctx.stdout.write(`api key: ${key}\nid: ${record.id}  name: ${record.name}  quota: ${record.perMinute}/minute, ${record.perDay}/day\n(the key is shown only now; the node keeps its hash)\n`)
      } else if (action === 'revoke') {
        try {
          const record = await keys.revoke(arg as string)
          if (json) ctx.stdout.write(`${JSON.stringify(record)}\n`)
          else ctx.stdout.write(`revoked ${record.id} (${record.name})\n`)
        } catch (err) {
          if (err instanceof ApiKeyError) throw new UsageError(err.message)
          throw err
        }
      } else {
        const records = []
        for await (const r of keys.list()) records.push(r)
        if (json) ctx.stdout.write(`${JSON.stringify(records)}\n`)
        else {
          if (records.length === 0) ctx.stdout.write('no API keys\n')
          for (const r of records) {
            ctx.stdout.write(`${r.id}  ${r.revokedAt === undefined ? 'active ' : 'revoked'}  ${r.perMinute}/minute ${r.perDay}/day  ${new Date(r.createdAt).toISOString()}  ${r.name}\n`)
          }
        }
      }
    } finally {
      await db.close()
    }
    return 0
  }
}
