// The buyer's collection and decryption of a sample (cli/purchase.ts, SPEC 18) against real API servers in
// this process, one per member, each serving its own signed delivery and the sample's blocks: the sample is
// decrypted chunk by chunk into the scratch directory with its sha256 checked as it streams, capped at the
// order's maxSampleBytes; hostile nodes and members (a wrap of another key, another sample behind a valid CID,
// blocks that do not match their CIDs, a chunk withheld, a sample over the cap) leave no unchecked byte behind
// and blame a member only with a proof.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import type { Test } from 'tap'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { CID } from 'multiformats/cid'
import { generateX25519KeyPair } from '#protocol/key-wrap.ts'
import type { Hex, OrderedEvent } from '#protocol/index.ts'
import { badWrapProofs, collectDeliveries } from '../../src/cli/purchase.ts'
import type { CommandContext } from '../../src/cli/command.ts'
import { CHUNK_SIZE } from '../../src/crypto/manifest.ts'
import { encryptSample } from '../../src/crypto/convergent.ts'
import { deriveContentKey } from '../../src/crypto/sample-digest.ts'
import type { MarketDelivery } from '../../src/db/delivery-repository.ts'
import { SAMPLE_PRODUCT, buildDelivery } from '../../src/market/delivery.ts'
import { startApi } from '../fixtures/api-server.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { CHAIN_ID, MEMBERS, REGISTRY } from '../fixtures/signed-reports.ts'

const MARKET = `0x${'4d'.repeat(20)}` as Hex
const ORDER_ID = 77n

interface Sealed { bytes: Uint8Array, sha256: Hex, key: Uint8Array, cid: string, blocks: Map<string, Uint8Array> }
function seal (bytes: Uint8Array, key = deriveContentKey(bytes)): Sealed {
  const chunks = Array.from({ length: Math.ceil(bytes.length / CHUNK_SIZE) }, (_, i) => bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE))
  const blocks = new Map([...encryptSample(chunks, bytes.length, key)].map((b) => [b.cid.toString(), b.bytes]))
  return { bytes, sha256: `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex, key, cid: [...blocks.keys()].at(-1) as string, blocks }
}
// three chunks, the last one short
const SAMPLE = seal(new Uint8Array(randomBytes(2 * CHUNK_SIZE + 12_345)))
const chunkCids = [...SAMPLE.blocks.keys()].slice(0, -1)
const buyer = generateX25519KeyPair()
const order: OrderedEvent = { orderId: ORDER_ID, buyer: MEMBERS[0]?.address as Hex, product: SAMPLE_PRODUCT, subject: SAMPLE.sha256, buyerX25519Key: `0x${bytesToHex(buyer.publicKey)}` as Hex, price: 10n, deadline: 100, block: 5 }
const toCheck = { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, orderId: ORDER_ID, sha256: SAMPLE.sha256, buyerPublicKey: order.buyerX25519Key, buyerSecretKey: buyer.secretKey, isMember: (a: Hex) => MEMBERS.some((m) => m.address === a) }
const ctx: CommandContext = { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal, env: {}, cwd: tmpdir() }

/** member i's delivery of `sealed` (the sample unless a member lies), signed with its key */
async function deliveryOf (i: number, sealed: Sealed = SAMPLE): Promise<MarketDelivery> {
  const m = MEMBERS[i] as typeof MEMBERS[number]
  return await buildDelivery(order, { sha256: SAMPLE.sha256, cid: sealed.cid, contentKey: `0x${bytesToHex(sealed.key)}` as Hex }, { chainId: CHAIN_ID, registry: REGISTRY, market: MARKET, member: m.address, signer: m.wallet, now: Date.now })
}

interface NodeSpec { delivery?: MarketDelivery, blocks: (cid: string) => Uint8Array | undefined }
const honestBlocks = (cid: string): Uint8Array | undefined => SAMPLE.blocks.get(cid)

async function world (t: Test, nodes: NodeSpec[], maxSize = SAMPLE.bytes.length): Promise<{ got: Awaited<ReturnType<typeof collectDeliveries>>, scratchDir: string }> {
  const targets = []
  for (const n of nodes) {
    const server = await startApi(t, {
      ...createMemoryNode().ports,
      market: { delivery: async (id: bigint) => id === ORDER_ID ? n.delivery : undefined },
      blocks: { get: async (cid: CID) => n.blocks(cid.toString()) }
    })
    targets.push({ api: server.url, json: true, timeoutMs: 5000 })
  }
  const scratchDir = await mkdtemp(join(tmpdir(), 'purchase-'))
  t.teardown(async () => { await rm(scratchDir, { recursive: true, force: true }) })
  const got = await collectDeliveries({ targets, order: toCheck, needed: 2, until: Date.now(), pollMs: 10, maxSize, scratchDir }, ctx)
  return { got, scratchDir }
}
const faults = (got: Awaited<ReturnType<typeof collectDeliveries>>): string[] => got.judged.map((j) => j.ok ? 'ok' : j.fault)

tap.test('honest members: the sample is streamed to one scratch file, sha256-checked, and f+1 are paid', async (t) => {
  const { got, scratchDir } = await world(t, [{ delivery: await deliveryOf(0), blocks: honestBlocks }, { delivery: await deliveryOf(1), blocks: honestBlocks }, { delivery: await deliveryOf(2), blocks: honestBlocks }])
  t.same(faults(got), ['ok', 'ok', 'ok'])
  t.equal(got.sample?.bytes, SAMPLE.bytes.length)
  t.ok(Buffer.from(await readFile(got.sample?.file as string)).equals(SAMPLE.bytes), 'the file holds the sample')
  t.same(await readdir(scratchDir), ['0'], 'one decryption for the one key, nothing else written')
  t.equal(got.pay?.signatures.length, 2)
})

tap.test('a member wrapping another sample\'s key behind a valid CID is named with a proof; its bytes are deleted as soon as the hash fails', async (t) => {
  const other = seal(new Uint8Array(randomBytes(5000)))
  // its node serves the other sample's blocks too: they match their CIDs, decrypt and authenticate, but hash to another sha256
  const both = (cid: string): Uint8Array | undefined => SAMPLE.blocks.get(cid) ?? other.blocks.get(cid)
  const { got, scratchDir } = await world(t, [{ delivery: await deliveryOf(0), blocks: honestBlocks }, { delivery: await deliveryOf(1, other), blocks: both }, { delivery: await deliveryOf(2), blocks: honestBlocks }])
  t.same(faults(got), ['ok', 'KEY_DOES_NOT_DECRYPT', 'ok'])
  t.same(badWrapProofs(got.judged, toCheck, got.inconclusive).map((p) => [p.member, p.fault]), [[MEMBERS[1]?.address, 'KEY_DOES_NOT_DECRYPT']])
  t.ok(Buffer.from(await readFile(got.sample?.file as string)).equals(SAMPLE.bytes), 'the honest members\' key gave the sample')
  t.same(await readdir(scratchDir), [got.sample?.file.split('/').at(-1)], 'the other sample\'s plaintext was not kept')
})

tap.test('a wrap of a random key: the member is named, the others still deliver', async (t) => {
  const { got } = await world(t, [{ delivery: await deliveryOf(0, { ...SAMPLE, key: randomBytes(32) }), blocks: honestBlocks }, { delivery: await deliveryOf(1), blocks: honestBlocks }, { delivery: await deliveryOf(2), blocks: honestBlocks }])
  t.same(faults(got), ['KEY_DOES_NOT_DECRYPT', 'ok', 'ok'])
  t.equal(badWrapProofs(got.judged, toCheck, got.inconclusive).length, 1)
  t.equal(got.sample?.bytes, SAMPLE.bytes.length)
})

tap.test('blocks that do not match their CIDs are refused and taken from another node; from none, nobody is blamed', async (t) => {
  const flipped = (cid: string): Uint8Array | undefined => SAMPLE.blocks.get(cid)?.map((b) => b ^ 1)
  const one = await world(t, [{ delivery: await deliveryOf(0), blocks: flipped }, { delivery: await deliveryOf(1), blocks: flipped }, { blocks: honestBlocks }])
  t.same(faults(one.got), ['ok', 'ok'], 'the third node, no member here, served the right blocks')
  t.equal(one.got.sample?.bytes, SAMPLE.bytes.length)
  const none = await world(t, [{ delivery: await deliveryOf(0), blocks: flipped }, { delivery: await deliveryOf(1), blocks: flipped }])
  t.equal(none.got.sample, undefined)
  t.same(badWrapProofs(none.got.judged, toCheck, none.got.inconclusive), [], 'no proof: the ciphertext was never fetched')
  t.ok(none.got.inconclusive.size > 0)
  t.same(await readdir(none.scratchDir), [], 'no partial plaintext left')
})

tap.test('a truncated sample: a chunk withheld everywhere, or served cut short, decrypts nothing and blames nobody', async (t) => {
  const last = chunkCids.at(-1) as string
  const withheld = (cid: string): Uint8Array | undefined => cid === last ? undefined : SAMPLE.blocks.get(cid)
  const cut = (cid: string): Uint8Array | undefined => cid === last ? SAMPLE.blocks.get(cid)?.subarray(0, 100) : SAMPLE.blocks.get(cid)
  for (const [name, blocks] of [['withheld', withheld], ['cut short', cut]] as const) {
    const { got, scratchDir } = await world(t, [{ delivery: await deliveryOf(0), blocks }, { delivery: await deliveryOf(1), blocks }])
    t.equal(got.sample, undefined, `${name}: no sample`)
    t.same(badWrapProofs(got.judged, toCheck, got.inconclusive), [], `${name}: no proof against a member`)
    t.same(await readdir(scratchDir), [], `${name}: the first two chunks written were deleted`)
  }
})

tap.test('a sample over the cap is refused from its manifest, before any chunk is fetched, and is no member\'s fault', async (t) => {
  const fetched: string[] = []
  const counting = (cid: string): Uint8Array | undefined => { fetched.push(cid); return SAMPLE.blocks.get(cid) }
  const { got, scratchDir } = await world(t, [{ delivery: await deliveryOf(0), blocks: counting }, { delivery: await deliveryOf(1), blocks: counting }], SAMPLE.bytes.length - 1)
  t.equal(got.sample, undefined)
  t.same(fetched.filter((c) => chunkCids.includes(c)), [], 'only the manifest was fetched')
  t.same(badWrapProofs(got.judged, toCheck, got.inconclusive), [], 'the cap is the buyer\'s limit: no proof')
  t.equal(got.pay?.signatures.length ?? 0, 0, 'nothing is paid for a sample not received')
  t.same(await readdir(scratchDir), [])
})
