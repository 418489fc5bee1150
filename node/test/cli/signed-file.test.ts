/** `virusmap submit FILE --keystore K` (protocol SPEC 17): the wallet signs the file's sha256 and the node's receipt is checked. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import tap from 'tap'
import { Wallet } from 'ethers'
import { encryptKeystore } from '#governance/index.ts'
import { runIn, startCliWorld } from '../fixtures/cli-world.ts'
import { MEMBERS } from '../fixtures/signed-reports.ts'

const USER = new Wallet(`0x${'5'.repeat(64)}`)
const PASS = 'correct horse battery'

tap.test('a signed upload prints the receipt\'s node; bad keystores and contexts are usage errors', async (t) => {
  const { dir } = await startCliWorld(t)
  await writeFile(join(dir, 'me.json'), await encryptKeystore(USER, PASS, { scryptN: 1024 }))
  await writeFile(join(dir, 'found.bin'), 'a sample a wallet found')
  const env = { VIRUSMAP_KEYSTORE_PASSWORD: PASS }
  const ok = await runIn(['submit', 'found.bin', '--keystore', 'me.json', '--context', 'from my honeypot'], dir, { env })
  t.equal(ok.code, 0, ok.err)
  t.match(ok.err, `receipt for ${USER.address.toLowerCase()} signed by node ${MEMBERS[0]?.address}`)
  t.match(ok.out, /verified: yes/)
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['submit', 'found.bin', '--keystore', 'me.json'], { VIRUSMAP_KEYSTORE_PASSWORD: 'wrong' }, /./],
    [['submit', 'found.bin', '--keystore', 'nope.json'], env, /cannot read keystore nope\.json/],
    [['submit', 'found.bin', '--keystore', 'me.json', '--context', 'x'.repeat(2000)], env, /--context/],
    [['submit', 'found.bin', '--keystore', 'me.json', '--context', 'a\u001b[2Jb'], env, /--context/]
  ]
  for (const [argv, e, message] of cases) {
    const r = await runIn(argv, dir, { env: e })
    t.equal(r.code, 1, `${argv.join(' ').slice(0, 80)}: ${r.err}`)
    t.match(r.err, message)
    t.notMatch(r.err, /\n\s+at /, 'no stack trace')
  }
})
