// `virusmap keystore new|import|address`: encrypted JSON keystores for `gov` and `deploy`.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Wallet, isHexString } from 'ethers'
import { DEFAULT_SCRYPT_N, decryptKeystore, encryptKeystore } from '#governance/index.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandArgs, CommandContext } from '../command.ts'
import { PASSWORD_ENV, badInput, oneLine, passphrase, str } from './gov-context.ts'

async function newPassphrase (ctx: CommandContext): Promise<string> {
  if (ctx.env[PASSWORD_ENV] !== undefined) {
    if (ctx.env[PASSWORD_ENV] === '') throw badInput(`${PASSWORD_ENV} is empty: a keystore needs a passphrase`)
    return ctx.env[PASSWORD_ENV]
  }
  const first = await passphrase(ctx, 'new passphrase: ')
  if (first.length < 8) throw badInput('the passphrase must have at least 8 characters')
  if (await passphrase(ctx, 'repeat passphrase: ') !== first) throw badInput('the passphrases differ')
  return first
}

async function run ({ values, positionals }: CommandArgs, ctx: CommandContext): Promise<number> {
  const [sub, file] = positionals
  const json = values.json === true
  if (sub === 'address') {
    if (file === undefined) throw badInput('keystore address FILE')
    let text: string
    try { text = await readFile(resolve(ctx.cwd, file), 'utf8') } catch (err) { throw badInput(`cannot read keystore ${file}: ${(err as { code?: string }).code ?? 'unreadable'}`) }
    const a = (JSON.parse(text) as { address?: string }).address
    ctx.stdout.write(json ? JSON.stringify({ address: `0x${a ?? ''}` }) + '\n' : `0x${a ?? ''}\n`)
    return EXIT_CODES.ok
  }
  if (sub !== 'new' && sub !== 'import') throw badInput('keystore new|import|address FILE')
  if (file === undefined) throw badInput(`keystore ${sub} FILE: name the keystore file to write`)
  const out = resolve(ctx.cwd, file)
  if (existsSync(out)) throw badInput(`${file} exists: refusing to overwrite a keystore`)
  const nText = str(values['scrypt-n'])
  const scryptN = nText === undefined ? DEFAULT_SCRYPT_N : Number(nText)
  if (!Number.isSafeInteger(scryptN) || scryptN < 1024 || (scryptN & (scryptN - 1)) !== 0) throw badInput('--scrypt-n must be a power of two of at least 1024')

  let wallet: Wallet
  if (sub === 'new') {
    wallet = new Wallet(Wallet.createRandom().privateKey)
  } else {
    const keyFile = str(values['key-file'])
    let key: string
    if (keyFile !== undefined) {
      try { key = (await readFile(resolve(ctx.cwd, keyFile), 'utf8')).trim() } catch (err) { throw badInput(`cannot read ${keyFile}: ${(err as { code?: string }).code ?? 'unreadable'}`) }
    } else if (process.stdin.isTTY === true) {
      key = (await passphrase({ ...ctx, env: {} }, 'private key (hex): ')).trim()
    } else {
      throw badInput('keystore import reads the private key from --key-file FILE or a terminal prompt, never from the command line')
    }
    if (!key.startsWith('0x')) key = `0x${key}`
    if (!isHexString(key, 32)) throw badInput('the private key must be 32 bytes of hex')
    wallet = new Wallet(key)
  }
  const pass = await newPassphrase(ctx)
  const encrypted = await encryptKeystore(wallet, pass, { scryptN })
  // prove the file opens before anyone sends funds to it
  await decryptKeystore(encrypted, pass)
  await writeFile(out, encrypted, { mode: 0o600, flag: 'wx' })
  ctx.stdout.write(json ? JSON.stringify({ address: wallet.address, file: out }) + '\n' : `${wallet.address}\nkeystore written to ${file}\n`)
  return EXIT_CODES.ok
}

export const keystoreCommand: Command = {
  name: 'keystore',
  summary: 'create (new), import (from --key-file or a prompt) or show (address) an encrypted JSON keystore',
  usage: 'virusmap keystore new FILE | import FILE [--key-file KEYFILE] | address FILE  [--scrypt-n N] [--json]\n' +
    `passphrase from $${PASSWORD_ENV} or a prompt`,
  options: {
    json: { type: 'boolean' },
    'key-file': { type: 'string' },
    'scrypt-n': { type: 'string' }
  },
  run: async (args, ctx) => await oneLine(ctx, async () => await run(args, ctx))
}
