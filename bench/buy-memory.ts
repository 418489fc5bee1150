/**
 * The buyer's memory for a large sample (issue 17): a member's API server in one process serves its signed
 * delivery and the sample's encrypted blocks; a buyer process then takes the sample as `virusmap buy` does now
 * (cli/purchase.ts collectDeliveries: chunk by chunk into a scratch file, hashed as it streams) and, for
 * comparison, as it did before (the whole plaintext decrypted into memory, hashed, then written). Prints each
 * buyer's peak RSS (getrusage maxrss) and wall time.
 *
 *   npx node bench/buy-memory.ts [--mb 256]
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { CID } from 'multiformats/cid'
import pino from 'pino'
import { generateX25519KeyPair } from '#protocol/key-wrap.ts'
import { unwrapOrderWrap } from '#protocol/order-wrap.ts'
import type { Hex, OrderedEvent } from '#protocol/index.ts'
import { createApiServer } from '../node/src/api/server.ts'
import { askDelivery, blocksFrom } from '../node/src/cli/market-fetch.ts'
import { collectDeliveries } from '../node/src/cli/purchase.ts'
import type { CommandContext } from '../node/src/cli/command.ts'
import { CHUNK_SIZE, decryptSample, deriveContentKey, encryptSample } from '../node/src/crypto/index.ts'
import { SAMPLE_PRODUCT, buildDelivery } from '../node/src/market/delivery.ts'
import { createMemoryNode } from '../node/test/fixtures/memory-ports.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../node/test/fixtures/signed-reports.ts'

const MARKET = `0x${'4d'.repeat(20)}` as Hex
const argv = process.argv.slice(2)
const mode = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : 'main'
const mbAt = argv.indexOf('--mb')
const MB = mbAt === -1 ? 256 : Number(argv[mbAt + 1])
const ctx: CommandContext = { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal, env: {}, cwd: tmpdir() }

interface Offer { url: string, sha256: Hex, size: number, buyerPublicKey: Hex, buyerSecretKey: Hex, members: Hex[] }

async function serve (): Promise<void> {
  const size = MB * 1024 * 1024
  const chunks = Array.from({ length: Math.ceil(size / CHUNK_SIZE) }, (_, i) => randomBytes(Math.min(CHUNK_SIZE, size - i * CHUNK_SIZE)))
  const hash = createHash('sha256')
  for (const c of chunks) hash.update(c)
  const sha256 = `0x${hash.digest('hex')}` as Hex
  const key = deriveContentKey(Buffer.concat(chunks))
  const blocks = new Map([...encryptSample(chunks, size, key)].map((b) => [b.cid.toString(), b.bytes]))
  const cid = [...blocks.keys()].at(-1) as string
  const buyerKey = generateX25519KeyPair()
  const order: OrderedEvent = { orderId: 1n, buyer: MEMBERS[0]?.address as Hex, product: SAMPLE_PRODUCT, subject: sha256, buyerX25519Key: `0x${bytesToHex(buyerKey.publicKey)}` as Hex, price: 1n, deadline: 100, block: 5 }
  const members = MEMBERS.slice(0, 2)
  const deliveries = await Promise.all(members.map(async (m) => await buildDelivery(order, { sha256, cid, contentKey: `0x${bytesToHex(key)}` as Hex }, { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, member: m.address, signer: m.wallet, now: Date.now })))
  let next = 0
  const server = createApiServer({
    ports: { ...createMemoryNode().ports, market: { delivery: async () => deliveries[next++ % deliveries.length] }, blocks: { get: async (c: CID) => blocks.get(c.toString()) } },
    logger: pino({ level: 'silent' }),
    maxUploadBytes: 1024
  })
  await server.start()
  const offer: Offer = { url: server.url, sha256, size, buyerPublicKey: order.buyerX25519Key, buyerSecretKey: `0x${bytesToHex(buyerKey.secretKey)}`, members: members.map((m) => m.address) }
  process.stdout.write(`${JSON.stringify(offer)}\n`)
}

async function buyer (offer: Offer, streaming: boolean): Promise<void> {
  const started = Date.now()
  const targets = [{ api: offer.url, json: true, timeoutMs: 120_000 }]
  const order = { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, orderId: 1n, sha256: offer.sha256, buyerPublicKey: offer.buyerPublicKey, buyerSecretKey: hexToBytes(offer.buyerSecretKey.slice(2)), isMember: (a: Hex) => offer.members.includes(a) }
  const dir = await mkdtemp(join(tmpdir(), 'buy-memory-'))
  let bytes: number
  if (streaming) {
    const got = await collectDeliveries({ targets, order, needed: 2, until: Date.now(), pollMs: 10, maxSize: offer.size, scratchDir: dir }, ctx)
    bytes = got.sample?.bytes ?? 0
  } else {
    // before: the whole plaintext in memory, hashed, then written
    const answer = await askDelivery(targets[0] as typeof targets[number], 1n, ctx)
    if (answer.state !== 'delivered') throw new Error('no delivery')
    const d = answer.delivery
    const key = unwrapOrderWrap(d, order.buyerSecretKey, { chainId: CHAIN_ID, market: MARKET, orderId: 1n, sha256: offer.sha256, member: d.member })
    const plain = await decryptSample(CID.parse(d.cid), key, blocksFrom(targets, ctx), { maxSize: offer.size })
    if (`0x${createHash('sha256').update(plain).digest('hex')}` !== offer.sha256) throw new Error('sha256 mismatch')
    await writeFile(join(dir, 'sample'), plain)
    bytes = plain.byteLength
  }
  await rm(dir, { recursive: true, force: true })
  process.stdout.write(`${JSON.stringify({ bytes, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), ms: Date.now() - started })}\n`)
}

async function child (args: string[], input?: string): Promise<{ first: string, proc: ReturnType<typeof spawn> }> {
  const proc = spawn(process.execPath, [import.meta.filename, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  if (input !== undefined) proc.stdin?.end(input)
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  for await (const line of lines) return { first: line, proc }
  throw new Error(`${args[0]} printed nothing`)
}

if (mode === 'serve') {
  await serve()
} else if (mode === 'buyer-stream' || mode === 'buyer-whole') {
  let input = ''
  for await (const chunk of process.stdin) input += String(chunk)
  await buyer(JSON.parse(input) as Offer, mode === 'buyer-stream')
  process.exit(0)
} else {
  const server = await child(['serve', '--mb', String(MB)])
  try {
    for (const m of ['buyer-stream', 'buyer-whole', 'buyer-stream', 'buyer-whole']) {
      const { first, proc } = await child([m], server.first)
      proc.kill()
      console.log(`${m === 'buyer-stream' ? 'streamed (now)' : 'whole in memory (before)'}: ${first}`)
    }
  } finally {
    server.proc.kill()
  }
}
