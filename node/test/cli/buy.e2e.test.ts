// `virusmap buy` and `virusmap market orders` on anvil against members' real delivery services behind
// real API servers (the route and the blocks route): an honest purchase writes the sha256-checked sample
// and pays f+1 members; a member that signs a wrap of a wrong key is named with the proof (which anyone's
// judgeOrderWrap confirms), and a node serving tampered ciphertext blames nobody; too few deliveries end
// in a refund after the deadline. Every command refuses malformed and hostile input before any VMT moves.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { CID } from 'multiformats/cid'
import { Contract, Wallet, parseEther } from 'ethers'
import { lower, mineTo, mined } from '../../../contracts/test/market-chain.ts'
import { judgeOrderWrap } from '#protocol/order-wrap.ts'
import type { Hex } from '#protocol/messages.ts'
import { decryptSample, encryptSample } from '../../src/crypto/convergent.ts'
import { deriveContentKey } from '../../src/crypto/sample-digest.ts'
import { DeliveryRepository } from '../../src/db/delivery-repository.ts'
import { openDatabase, SampleRepository } from '../../src/db/index.ts'
import { SAMPLE_PRODUCT, buildDelivery } from '../../src/market/delivery.ts'
import { createDeliveryService } from '../../src/market/delivery-service.ts'
import { createMarketChain } from '../../src/market/market-chain.ts'
import type { MarketDelivery } from '../../src/db/delivery-repository.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'
import { startMarketWorld } from '../fixtures/market-world.ts'

const price = parseEther('10')
const world = await startMarketWorld('buy', SAMPLE_PRODUCT, price, 1)
const { c, dir, logger, members, market, vendor, deployBlock, follower, cli } = world
const outsider = world.others[0] as Wallet

const SAMPLE = new Uint8Array(randomBytes(150_000))
const SHA = `0x${createHash('sha256').update(SAMPLE).digest('hex')}` as Hex
const KEY = deriveContentKey(SAMPLE)
const blocks = new Map([...encryptSample([SAMPLE], SAMPLE.length, KEY)].map((b) => [b.cid.toString(), b.bytes]))
const SAMPLE_CID = [...blocks.keys()].at(-1)!

type Mode = 'honest' | 'wrong-key' | 'silent'
const modes: Mode[] = ['honest', 'honest', 'honest', 'silent']
let tamperBlocks = -1
// when set, two members fulfil an order themselves (as their fulfil services do) as soon as two of the
// honest ones hold its delivery: before any reader hands out a second delivery, so before the buyer can
// (only members 0 and 1 at first, and under load member 0 could still be behind when 1 and 2 answered)
let membersPayFirst = false
/** each order's payment by the members, once under way: readers asked at once wait for the one fulfil */
const paidByMembers = new Map<bigint, Promise<boolean>>()
const services: Array<ReturnType<typeof createDeliveryService>> = []
async function membersPay (orderId: bigint): Promise<void> {
  if (!membersPayFirst) return
  let paying = paidByMembers.get(orderId)
  if (paying === undefined) {
    paying = (async () => {
      const held = (await Promise.all(services.slice(0, 3).map(async (s) => await s.delivery(orderId)))).filter((d) => d !== undefined)
      if (held.length < 2) return false
      const two = held.toSorted((a, b) => (a.member < b.member ? -1 : 1)).slice(0, 2)
      await mined((c.market.connect(members[3] as Wallet) as Contract).getFunction('fulfil')(orderId, two.map((d) => d.wrapHash), two.map((d) => d.signature)))
      return true
    })()
    paidByMembers.set(orderId, paying)
  }
  // too few held yet: the next reader asked tries again
  if (!await paying) paidByMembers.delete(orderId)
}
const apis: string[] = []
const closing: Array<() => Promise<void>> = []
for (const [i, w] of members.entries()) {
  const db = await openDatabase({ path: join(dir, `m${i}`) })
  const samples = new SampleRepository(db)
  await samples.recordUpload({ sha256: SHA, sha1: `0x${'11'.repeat(20)}` as Hex, md5: `0x${'22'.repeat(16)}` as Hex, size: SAMPLE.length, fileType: 'bin', cid: SAMPLE_CID, contentKey: `0x${bytesToHex(KEY)}` as Hex, seenAt: 1 })
  const service = createDeliveryService({ chainId: c.chainId, registry: c.registryAddress, market, fromBlock: deployBlock, confirmations: 1, pollIntervalMs: 100 },
    { self: lower(w.address), operator: w, chain: createMarketChain({ provider: c.provider, address: market }), follower, samples, deliveries: new DeliveryRepository(db), logger })
  await service.start()
  services.push(service)
  const lies = new Map<bigint, MarketDelivery>()
  const reader = {
    async delivery (orderId: bigint): Promise<MarketDelivery | undefined> {
      if (modes[i] === 'silent') return undefined
      const honest = await service.delivery(orderId)
      await membersPay(orderId)
      if (modes[i] === 'honest' || honest === undefined) return honest
      // the member signs a wrap of another key: its own signature proves it
      const order = { orderId, buyer: vendor.address.toLowerCase() as Hex, product: SAMPLE_PRODUCT, subject: SHA, buyerX25519Key: (await orderKey(orderId)), price, deadline: 0, block: 0 }
      if (!lies.has(orderId)) lies.set(orderId, await buildDelivery(order, { sha256: SHA, cid: SAMPLE_CID, contentKey: `0x${'07'.repeat(32)}` }, { chainId: c.chainId, registry: c.registryAddress, market, member: lower(w.address), signer: w, now: Date.now }))
      return lies.get(orderId)
    }
  }
  const server = await startApi(t, {
    ...createMemoryNode().ports,
    market: reader,
    blocks: { get: async (cid: CID) => { const b = blocks.get(cid.toString()); return b === undefined ? undefined : tamperBlocks === i ? b.map((x) => x ^ 1) : b } }
  })
  apis.push(server.url)
  closing.push(async () => { await service.stop(); await db.close() })
}
async function orderKey (orderId: bigint): Promise<Hex> {
  const events = await createMarketChain({ provider: c.provider, address: market }).ordered(deployBlock, await c.provider.getBlockNumber())
  return events.find((e) => e.orderId === orderId)!.buyerX25519Key
}

const keystore = await world.keystore(vendor, 'vendor.json')
const outsiderKeystore = await world.keystore(outsider, 'outsider.json')
const { file: deployment, contracts } = await world.deployment(outsider, apis)

t.teardown(async () => {
  for (const close of closing) await close()
  await world.stop()
})

const buyArgs = (...more: string[]): string[] => ['buy', SHA, '--keystore', keystore, '--deployment', deployment, ...more]
const nextOrder = async (): Promise<bigint> => (await c.market.getFunction('terms')())[3] as bigint
const statusOf = async (id: bigint): Promise<bigint> => (await c.market.getFunction('orderOf')(id))[3] as bigint

t.test('an honest purchase: the sha256-checked sample is written and f+1 members are paid', async (tt) => {
  const id = await nextOrder()
  const res = await cli(buyArgs('--out', 'sample.bin', '--json'))
  tt.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  tt.equal(report.orderId, id.toString())
  tt.same(await readFile(join(dir, 'sample.bin')), Buffer.from(SAMPLE), 'the bytes bought')
  tt.equal(report.needed, 2, 'f+1 of 4 members')
  tt.equal(report.fulfilled.members, 2)
  tt.equal(await statusOf(id), 2n, 'fulfilled on chain')
  tt.notOk(existsSync(join(dir, 'sample.bin.order-key.json')), 'the order key is gone once nothing needs proving')
  tt.same((await readdir(dir)).filter((f) => f.startsWith('.virusmap-buy-')), [], 'the scratch directory is gone')
  tt.notOk('badWraps' in report)
})

t.test('an order the members paid before the buyer could is reported as theirs, and the buyer sends nothing', async (tt) => {
  membersPayFirst = true
  const id = await nextOrder()
  const vmtBefore = await c.vmt.getFunction('balanceOf')(vendor.address) as bigint
  const nonceBefore = await c.provider.getTransactionCount(vendor.address)
  const res = await cli(buyArgs('--out', 'paid-by-members.bin', '--json'))
  tt.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  const [event] = await c.market.queryFilter(c.market.filters.Fulfilled!(id))
  tt.match(report.fulfilled, { by: 'members', members: 2, tx: event?.transactionHash }, 'the members\' Fulfilled event')
  tt.equal(await statusOf(id), 2n)
  tt.equal(await c.vmt.getFunction('balanceOf')(vendor.address) as bigint, vmtBefore - price, 'the price was paid once')
  tt.equal(await c.provider.getTransactionCount(vendor.address), nonceBefore + 2, 'the buyer sent its approve and order, no fulfil')
  const human = await cli(buyArgs('--out', 'paid-by-members-2.bin'))
  membersPayFirst = false
  tt.equal(human.code, 0, human.stderr)
  tt.match(human.stdout, /paid 2 members \(tx 0x[0-9a-f]{64}, sent by a member\)/)
})

t.test('a member\'s wrap of a wrong key is named with a proof anyone can check; tampered ciphertext blames nobody', async (tt) => {
  modes.splice(0, 4, 'wrong-key', 'honest', 'honest', 'silent')
  tamperBlocks = 3
  // the tampering node is asked first for every block
  const res = await cli(buyArgs('--out', 'second.bin', '--json', ...[3, 0, 1, 2].flatMap((i) => ['--api', apis[i]!])))
  tt.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout)
  tt.same(await readFile(join(dir, 'second.bin')), Buffer.from(SAMPLE))
  tt.equal(report.badWraps.length, 1, 'one provable bad wrap')
  const proof = report.badWraps[0]
  tt.equal(proof.member, lower(members[0]!.address))
  tt.equal(proof.fault, 'KEY_DOES_NOT_DECRYPT')
  tt.ok(existsSync(join(dir, 'second.bin.order-key.json')), 'the order key is kept as proof')
  // anyone re-runs the judgement from the printed material alone
  const judged = judgeOrderWrap(proof, hexToBytes(proof.buyerSecretKey.slice(2)), proof.buyerPublicKey,
    { chainId: proof.chainId, market: proof.market, orderId: BigInt(proof.orderId), sha256: proof.sha256, member: proof.member },
    // the sample's key is the one key that decrypts it to its sha256
    (key) => Buffer.from(key).equals(KEY))
  tt.same(judged, { ok: false, fault: 'KEY_DOES_NOT_DECRYPT' })
  const bytes = await decryptSample(CID.parse(proof.cid), KEY, async (cid) => blocks.get(cid.toString())!)
  tt.equal(bytes.length, SAMPLE.length, 'the proof names the sample\'s CID')
  tt.equal(report.fulfilled.members, 2, 'the two honest members paid')
  modes.splice(0, 4, 'honest', 'honest', 'honest', 'silent')
  tamperBlocks = -1
})

t.test('too few deliveries: the order is left to refund after its deadline, not before, once', async (tt) => {
  modes.splice(0, 4, 'silent', 'silent', 'silent', 'silent')
  const id = await nextOrder()
  const before = await c.vmt.getFunction('balanceOf')(vendor.address) as bigint
  const res = await cli(buyArgs('--out', 'third.bin', '--timeout', '3'))
  tt.equal(res.code, 4, 'a network failure')
  tt.match(res.stderr, new RegExp(`virusmap buy --refund ${id}`))
  tt.ok(existsSync(join(dir, 'third.bin.order-key.json')), 'the order key is kept')
  tt.notOk(existsSync(join(dir, 'third.bin')))
  tt.same((await readdir(dir)).filter((f) => f.startsWith('.virusmap-buy-')), [], 'no scratch directory left, nor any partial plaintext')
  const early = await cli(['buy', '--refund', id.toString(), '--keystore', keystore, '--deployment', deployment])
  tt.equal(early.code, 1)
  tt.match(early.stderr, /may still be fulfilled until block/)
  const deadline = Number((await c.market.getFunction('orderOf')(id))[2])
  await mineTo(c, deadline + 1)
  const refunded = await cli(['buy', '--refund', id.toString(), '--keystore', outsiderKeystore, '--deployment', deployment, '--json'])
  tt.equal(refunded.code, 0, refunded.stderr)
  tt.equal(JSON.parse(refunded.stdout).buyer, vendor.address.toLowerCase(), 'to the buyer, whoever asks')
  tt.equal(await c.vmt.getFunction('balanceOf')(vendor.address) as bigint, before)
  tt.equal(await statusOf(id), 3n)
  const again = await cli(['buy', '--refund', id.toString(), '--keystore', keystore, '--deployment', deployment])
  tt.equal(again.code, 1)
  tt.match(again.stderr, /is refunded: nothing to refund/)
  modes.splice(0, 4, 'honest', 'honest', 'honest', 'silent')
})

t.test('buy --resume finishes an order whose first run gave up, from its key file alone', async (tt) => {
  modes.splice(0, 4, 'silent', 'silent', 'silent', 'silent')
  const id = await nextOrder()
  const first = await cli(buyArgs('--out', 'fourth.bin', '--timeout', '2'))
  tt.equal(first.code, 4)
  tt.match(first.stderr, /virusmap buy --resume .*fourth\.bin\.order-key\.json/)
  const keyFile = join(dir, 'fourth.bin.order-key.json')
  const saved = JSON.parse(await readFile(keyFile, 'utf8'))
  tt.equal(saved.orderId, id.toString())
  tt.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the order key is the owner\'s alone')
  modes.splice(0, 4, 'honest', 'honest', 'honest', 'silent')
  const res = await cli(['buy', '--resume', 'fourth.bin.order-key.json', '--keystore', keystore, '--deployment', deployment, '--json'])
  tt.equal(res.code, 0, res.stderr)
  tt.same(await readFile(join(dir, 'fourth.bin')), Buffer.from(SAMPLE))
  tt.equal(JSON.parse(res.stdout).fulfilled.members, 2)
  tt.equal(await statusOf(id), 2n)
  tt.notOk(existsSync(keyFile), 'the key is gone once the sample is out')

  // hostile key files are refused before the chain is asked
  const k = { ...saved }
  const forged = async (name: string, value: unknown): Promise<{ code: number, stderr: string }> => {
    await writeFile(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value))
    return await cli(['buy', '--resume', name, '--keystore', keystore, '--deployment', deployment])
  }
  const other = `0x${'ab'.repeat(32)}`
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{', /not JSON/], ['an array', [k], /not an object/], ['too large', 'x'.repeat(5000), /too large/],
    ['an order never mined', { ...k, orderId: undefined, block: undefined, deadline: undefined }, /its fields must be/],
    ['an extra field', { ...k, note: 'hi' }, /its fields must be/],
    ['uppercase hex', { ...k, sha256: k.sha256.toUpperCase().replace('0X', '0x') }, /sha256 must be 32 bytes/],
    ['a secret of another key', { ...k, buyerSecretKey: other }, /secret key is not the public key's/],
    ['a negative block', { ...k, block: -1 }, /block must be a non-negative integer/],
    ['a padded order id', { ...k, orderId: `0${k.orderId}` }, /orderId must be a decimal uint256/],
    ['another market', { ...k, market: lower(outsider.address) }, /is for the market/],
    ['another chain', { ...k, chainId: 5 }, /is for the market .* on chain 5/],
    ['an order not at its block', { ...k, block: 1 }, /no order/]
  ]
  for (const [name, value, message] of cases) {
    const r = await forged('forged.json', value)
    tt.not(r.code, 0, name)
    tt.match(r.stderr, message, name)
  }
  const missing = await cli(['buy', '--resume', 'fourth.bin.order-key.json', '--keystore', keystore, '--deployment', deployment])
  tt.equal(missing.code, 1)
  tt.match(missing.stderr, /cannot read .*ENOENT/)
  const both = await cli(['buy', '--resume', 'x', '--refund', '1', '--deployment', deployment])
  tt.match(both.stderr, /--refund or --resume, not both/)
})

t.test('market orders lists every order, or one buyer\'s, with its status', async (tt) => {
  const all = await cli(['market', 'orders', '--deployment', deployment, '--json'])
  tt.equal(all.code, 0, all.stderr)
  const rows = JSON.parse(all.stdout)
  tt.same(rows.map((r: { status: string }) => r.status), ['fulfilled', 'refunded', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'], 'newest first')
  tt.ok(rows.every((r: { subject: string, product: string }) => r.subject === SHA && r.product === 'sample'))
  const none = await cli(['market', 'orders', '--buyer', outsider.address, '--deployment', deployment])
  tt.equal(none.code, 0)
  tt.match(none.stdout, /no orders by/)
  const human = await cli(['market', 'orders', '--buyer', vendor.address.toLowerCase(), '--deployment', deployment, '--limit', '1'])
  tt.match(human.stdout, /ORDER\s+STATUS/)
  tt.equal(human.stdout.trim().split('\n').length, 2, 'one row under --limit 1')
})

t.test('malformed and hostile input is refused before any VMT moves', async (tt) => {
  const first = await nextOrder()
  const balance = await c.vmt.getFunction('balanceOf')(vendor.address) as bigint
  const cases: Array<[string, string[], number, RegExp, Record<string, string>?]> = [
    ['short hash', ['buy', 'abc123', '--keystore', keystore, '--deployment', deployment], 1, /SHA256 must be 64 hex digits/],
    ['non-hex hash', ['buy', 'z'.repeat(64), '--keystore', keystore, '--deployment', deployment], 1, /SHA256 must be/],
    ['terminal escapes in the hash', ['buy', `\u001b[31m${'a'.repeat(60)}`, '--keystore', keystore, '--deployment', deployment], 1, /SHA256 must be/],
    ['a 10,000-character hash', ['buy', 'a'.repeat(10_000), '--keystore', keystore, '--deployment', deployment], 1, /SHA256 must be/],
    ['two hashes', ['buy', SHA, SHA, '--keystore', keystore, '--deployment', deployment], 1, /one SHA256/],
    ['negative price', buyArgs('--max-price=-1'), 1, /--max-price must be an amount of VMT/],
    ['exponent price', buyArgs('--max-price', '1e3'), 1, /--max-price must be/],
    ['hex price', buyArgs('--max-price', '0x10'), 1, /--max-price must be/],
    ['too many decimals', buyArgs('--max-price', '1.0000000000000000001'), 1, /--max-price must be/],
    ['empty price', buyArgs('--max-price', ''), 1, /--max-price must be/],
    ['price above --max-price', buyArgs('--max-price', '9.99'), 1, /above --max-price 9.99/],
    ['bad timeout', buyArgs('--timeout=-5'), 1, /--timeout must be/],
    ['wrong passphrase', buyArgs(), 1, /wrong passphrase/, { VIRUSMAP_KEYSTORE_PASSWORD: 'nope' }],
    ['no keystore', ['buy', SHA, '--deployment', deployment], 1, /pass --keystore FILE/],
    ['a keystore that is not one', ['buy', SHA, '--keystore', deployment, '--deployment', deployment], 1, /not an encrypted JSON keystore/],
    ['not a vendor', ['buy', SHA, '--keystore', outsiderKeystore, '--deployment', deployment], 1, /is not an approved vendor/],
    ['wrong chain id', buyArgs('--chain-id', '5'), 1, /wrong chain/],
    ['unreachable RPC', buyArgs('--rpc', 'http://127.0.0.1:9'), 4, /cannot get the chain id/],
    ['a non-http --api', buyArgs('--api', 'file:///etc/passwd'), 1, /--api must be an http\(s\) URL/],
    ['bad --apikey', buyArgs('--apikey', 'XYZ'), 1, /--apikey must be/],
    ['unknown flag', buyArgs('--price', '1'), 1, /Unknown option/],
    ['refund: not a number', ['buy', '--refund', '1.5', '--deployment', deployment], 1, /ORDER must be an order id/],
    ['refund: above uint256', ['buy', '--refund', '9'.repeat(79), '--deployment', deployment], 1, /ORDER must be an order id/],
    ['refund: leading zero', ['buy', '--refund', '007', '--deployment', deployment], 1, /ORDER must be/],
    ['refund: with a hash', ['buy', SHA, '--refund', '1', '--deployment', deployment], 1, /--refund takes an ORDER id/],
    ['refund: unknown order', ['buy', '--refund', '999999', '--keystore', keystore, '--deployment', deployment], 2, /no order 999999/],
    ['orders: bad --buyer', ['market', 'orders', '--buyer', '0x1234', '--deployment', deployment], 1, /--buyer must be a 0x address/],
    ['orders: bad --limit', ['market', 'orders', '--limit', '0', '--deployment', deployment], 1, /--limit must be/],
    ['orders: unknown subcommand', ['market', 'sell', '--deployment', deployment], 1, /which market subcommand/],
    ['orders: no deployment', ['market', 'orders'], 1, /no deployment/]
  ]
  for (const [name, argv, code, message, env] of cases) {
    const res = await cli(argv, env)
    tt.equal(res.code, code, `${name}: exit ${code} (${res.stderr.split('\n')[0]})`)
    tt.match(res.stderr, message, name)
    tt.notOk(res.stderr.includes('\u001b'), `${name}: no terminal escape reaches the terminal`)
  }
  await writeFile(join(dir, 'in-the-way.bin'), 'x')
  const inTheWay = await cli(buyArgs('--out', 'in-the-way.bin'))
  tt.equal(inTheWay.code, 1)
  tt.match(inTheWay.stderr, /exists: pass another --out FILE/)
  const noMarket = join(dir, 'old.json')
  await writeFile(noMarket, JSON.stringify({ chainId: c.chainId, rpcUrl: c.anvil.rpcUrl, contracts: { ...contracts, market: undefined } }))
  const old = await cli(buyArgs('--deployment', noMarket))
  tt.equal(old.code, 1)
  tt.match(old.stderr, /names no DataMarket/)
  tt.equal(await nextOrder(), first, 'no order was placed')
  tt.equal(await c.vmt.getFunction('balanceOf')(vendor.address) as bigint, balance, 'no VMT moved')
  await mined(c.market.getFunction('setPrice')(SAMPLE_PRODUCT, 0n))
  const off = await cli(buyArgs())
  tt.equal(off.code, 1)
  tt.match(off.stderr, /not on sale/)
  await mined(c.market.getFunction('setPrice')(SAMPLE_PRODUCT, price))
})
