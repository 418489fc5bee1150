import tap from 'tap'
import type { Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { encryptKeystore } from '#governance/index.ts'
import { classifyLookup } from '../../src/cli/indicator-input.ts'
import { runIn, startCliWorld, type CliRun } from '../fixtures/cli-world.ts'

const USER = new Wallet(`0x${'5'.repeat(64)}`)
const PASS = 'correct horse battery'

/** The CLI world and the user's keystore. */
async function world (t: Test): Promise<{ dir: string }> {
  const { dir } = await startCliWorld(t)
  await writeFile(join(dir, 'me.json'), await encryptKeystore(USER, PASS, { scryptN: 1024 }))
  return { dir }
}

const run = async (argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> => await runIn(argv, cwd, { env })

tap.test('lookup decides the kind by shape, --kind forces it, hostile input is a usage error', async (t) => {
  t.same(classifyLookup('d41d8cd98f00b204e9800998ecf8427e'), { kind: 'file', hash: 'd41d8cd98f00b204e9800998ecf8427e' })
  t.same(classifyLookup('ab'.repeat(32), 'script'), { kind: 'script', subject: 'ab'.repeat(32) })
  t.same(classifyLookup('HTTPS://Example.COM/a#x'), { kind: 'url', subject: 'https://example.com/a' })
  t.same(classifyLookup('example.com/path'), { kind: 'url', subject: 'http://example.com/path' })
  t.same(classifyLookup('Example.COM.'), { kind: 'domain', subject: 'example.com' })
  t.same(classifyLookup('pаypal.com'), { kind: 'domain', subject: 'xn--pypal-4ve.com' }, 'a homograph is its own punycode name')
  t.same(classifyLookup('192.0.2.1'), { kind: 'ip', subject: '192.0.2.1' })
  t.same(classifyLookup('2001:DB8::1'), { kind: 'ip', subject: '2001:db8::1' })
  t.same(classifyLookup(USER.address), { kind: 'wallet', subject: `eip155:1:${USER.address.toLowerCase()}` })
  t.same(classifyLookup(`eip155:137:${USER.address}`), { kind: 'wallet', subject: `eip155:137:${USER.address.toLowerCase()}` })
  const bad = USER.address.replace(/[a-f]/, (c) => c.toUpperCase())
  for (const [input, kind] of [
    [bad, undefined], ['256.1.1.1', undefined], ['01.2.3.4', undefined], ['localhost', undefined], ['gopher://x.example/', undefined],
    [`http://x.example/${'a'.repeat(10_000)}`, undefined], ['x'.repeat(100_000), undefined], ['a.example\u0000', undefined], ['abc', 'script'], ['x.example', 'comment']
  ] as Array<[string, string | undefined]>) {
    t.throws(() => classifyLookup(input, kind), { name: 'UsageError' }, input.slice(0, 30))
  }
})

tap.test('submit --url signs with the keystore wallet, waits and verifies; lookup finds it by URL; exit codes', async (t) => {
  const { dir } = await world(t)
  const env = { VIRUSMAP_KEYSTORE_PASSWORD: PASS }
  const sub = await run(['submit', '--url', 'HTTP://Phish.Example/login', '--context', 'from a mail', '--keystore', 'me.json'], dir, env)
  t.equal(sub.code, 0, sub.err)
  t.match(sub.out, /^url: http:\/\/phish\.example\/login\nhost: phish\.example \(domain: virusmap lookup phish\.example\)\n/)
  t.match(sub.out, new RegExp(`submitter: ${USER.address.toLowerCase()}`))
  t.match(sub.out, /VirusMap-URL\s+malicious\s+phishing/)
  t.match(sub.out, /verified: yes — attested by 3 of 4 members/)
  t.match(sub.out, 'attested engines: VirusMap-URL')
  const look = await run(['lookup', 'http://phish.example/login', '--json'], dir)
  t.equal(look.code, 0, look.err)
  const json = JSON.parse(look.out) as { data: { type: string }, verified: boolean, verification: { attesters: string[] } }
  t.equal(json.data.type, 'url')
  t.equal(json.verified, true)
  t.equal(json.verification.attesters.length, 3)

  t.equal((await run(['submit', '--wallet', USER.address, '--chain-id', '137', '--keystore', 'me.json'], dir, env)).code, 0)
  t.equal((await run(['lookup', `eip155:137:${USER.address}`], dir)).code, 0)
  t.equal((await run(['lookup', 'never.example'], dir)).code, 2)
  t.equal((await run(['lookup', USER.address], dir)).code, 2, 'chain 1 is another wallet')

  const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
    [['submit', '--url', 'http://x.example/', '--keystore', 'me.json'], { VIRUSMAP_KEYSTORE_PASSWORD: 'wrong' }, 1, /./],
    [['submit', '--url', 'http://x.example/'], env, 1, /--keystore FILE/],
    [['submit', '--url', 'http://x.example/', '--keystore', 'nope.json'], env, 1, /cannot read keystore nope\.json/],
    [['submit', '--url', 'http://x.example/', '--domain', 'x.example', '--keystore', 'me.json'], env, 1, /one indicator per submission/],
    [['submit', '--url', 'gopher://x.example/', '--keystore', 'me.json'], env, 1, /not a valid url/],
    [['submit', '--url', `http://x.example/${'a'.repeat(9000)}`, '--keystore', 'me.json'], env, 1, /not a valid url/],
    [['submit', '--wallet', USER.address.replace(/[a-f]/, (c) => c.toUpperCase()), '--keystore', 'me.json'], env, 1, /EIP-55/],
    [['submit', '--domain', 'x.example', '--chain-id', '1', '--keystore', 'me.json'], env, 1, /--chain-id/],
    [['submit', '--wallet', USER.address, '--chain-id', '0x1', '--keystore', 'me.json'], env, 1, /--chain-id/],
    [['submit', '--script', 'zz', '--keystore', 'me.json'], env, 1, /not a valid script/],
    [['submit', '--ip', '1.2.3.4', '--context', 'x'.repeat(2000), '--keystore', 'me.json'], env, 1, /--context/],
    [['submit', '--ip', '1.2.3.4', '--context', 'a\u001b[2Jb', '--keystore', 'me.json'], env, 1, /--context/],
    [['submit', 'file.bin', '--url', 'http://x.example/', '--keystore', 'me.json'], env, 1, /one or the other/],
    [['submit', 'file.bin', '--keystore', 'me.json'], env, 1, /cannot read file\.bin/],
    [['lookup', 'x.example', '--kind', 'nope'], {}, 1, /--kind must be one of/]
  ]
  for (const [argv, e, code, message] of cases) {
    const r = await run(argv, dir, e)
    t.equal(r.code, code, `${argv.join(' ').slice(0, 80)}: ${r.err}`)
    t.match(r.err, message)
    t.notMatch(r.err, /\n\s+at /, 'no stack trace')
  }
})
