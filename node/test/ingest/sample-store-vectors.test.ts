/**
 * Convergence across versions: the same bytes must keep their hashes, content key and CID, or a
 * node would stop deduping against (and members stop finding) what older nodes stored. The
 * expected values were computed by the single-threaded ingest before it was parallelised.
 */
import { createCipheriv } from 'node:crypto'
import path from 'node:path'
import tap from 'tap'
import { pino } from 'pino'
import { CHUNK_SIZE, encryptSample } from '../../src/crypto/index.ts'
import { createRepositories, openDatabase } from '../../src/db/index.ts'
import { createDurableBlockstore } from '../../src/ipfs/index.ts'
import { startSampleStore } from '../fixtures/sample-store.ts'

/** Deterministic bytes: the AES-256-CTR keystream under an all-zero key and counter. */
const bytesOf = (size: number): Buffer => createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(size))

const VECTORS = [
  { size: 0, sha256: '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', sha1: '0xda39a3ee5e6b4b0d3255bfef95601890afd80709', md5: '0xd41d8cd98f00b204e9800998ecf8427e', contentKey: '5b267e6db393e187c69329e7142e2de5a1df31a80cd7450ab7348b7bf7bdc8b6', cid: 'bagaaieraxpb4m7fhzewxcp7sic5c4mnmxhbrhfkvwqjkhykezy6zshc4zfla' },
  { size: 1, sha256: '0xfb95aa98d6e6c5827a57ec17b978d647fcc01d98c357b7e64989af57339e9ac3', sha1: '0x5fb9a0ba37519b7fd51909c778ee3b48502de7c1', md5: '0xb96a24be7c40dc85f976c0f866b2cd3b', contentKey: '4f2dd4ae917600f5d87ebaa6f5baba4ec9f5ade095db60daf5b15ee809cb081e', cid: 'bagaaieraynlwvjmxpl6leegzc2qokvlo25qclxb7ewfgtghvlxbbmvgwkloq' },
  { size: CHUNK_SIZE - 1, sha256: '0x3dd254c928052b84bf7b89a7bdedde9130e686aff862f1455c99528b40f87fee', sha1: '0x33476cfa941179578241687001ef50e63f440c9f', md5: '0x274fc3b650c3f24497627a6123b0204d', contentKey: '4af2327962dfdb61fe82f5c59f0810d9ed690a67a3b378234b9706f4dc069a72', cid: 'bagaaierawjpge3ju6p4q2fxusw7vfe57ovunzln2tym3o4sqasmyz3irr3ca' },
  { size: CHUNK_SIZE, sha256: '0x5912645cfd77676e33589f21ec07dd9fba1925ab08bfbb546798d3c1d29a9bc2', sha1: '0xbffb5b678c5e226d8d6b5b2a9be22c1075c49a57', md5: '0x9522c7156b597dc127007c94e4c93e65', contentKey: 'f073d35338b9fe4a5109ee52c7003e1bfb7e8359db7c8db9a31556733f9b1e80', cid: 'bagaaiera7yqvkdjrv5m6otasvx2z2i5ioisr73mpklingrbhkhyf6igtp6ja' },
  { size: CHUNK_SIZE + 1, sha256: '0x0b589411e011d000ca8b683157f9349cc35b53fb9762041e11e9869b9ae67da8', sha1: '0x5902a5bc166385441afe79580c561fffcd17241f', md5: '0x4321f67b7edd9b40069e6d2b13caf8b8', contentKey: 'e9102ec802eff60f56965dcd0e7ba260af1f93bffcb4a62f16457de3a252cd6d', cid: 'bagaaieradxsiwe4fj2nifir3fr6ij3uhshwwcganb4qke5eg34tk7ssez55q' },
  { size: 5 * CHUNK_SIZE + 77, sha256: '0x0cb416fcd786274445ae004f194356c897f63a45260084ccc9475d62384298c5', sha1: '0xb3a79fe8a3549f5e9a3778ac5aafbffd375479ac', md5: '0x46a38b8feaef470b3ab28d906f574e75', contentKey: '82ef8eb682f9d87e5ef2c61a25d72dc3fcf9fd0bc63a06e34ea9d35c5f6f8447', cid: 'bagaaiera5zlbcw7kpuvipulbduo44h4imzwyrxwmx4sffp3rjuoql3e2q53q' }
]

async function * pieces (bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < bytes.byteLength; o += size) yield bytes.subarray(o, o + size)
  if (bytes.byteLength === 0) yield bytes
}

tap.test('ingest gives every size the hashes, key and CID it always had, and reads back byte for byte', async t => {
  const dir = t.testdir()
  const blockstore = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await blockstore.open()
  const db = await openDatabase({ path: path.join(dir, 'db') })
  t.teardown(() => db.close())
  // one chunk in memory, so every larger vector also goes through the spool file
  const store = await startSampleStore(t, { db, blockstore, samples: createRepositories(db).samples, logger: pino({ level: 'silent' }), maxSampleBytes: 8 * CHUNK_SIZE, spoolMemoryBytes: CHUNK_SIZE })
  for (const v of VECTORS) {
    const bytes = bytesOf(v.size)
    // odd piece sizes, so chunk boundaries fall inside pieces
    const stored = await store.ingest(pieces(bytes, 65_537))
    t.same({ size: stored.size, sha256: stored.sha256, sha1: stored.sha1, md5: stored.md5, contentKey: Buffer.from(stored.contentKey).toString('hex'), cid: stored.cid }, v, `${v.size} bytes`)
    t.same(Buffer.from(await store.readSample(stored.cid, stored.contentKey)), bytes, `${v.size} bytes read back`)
  }
})

tap.test('encryptSample seals the vectors to the same CIDs', async t => {
  for (const v of VECTORS) {
    const bytes = bytesOf(v.size)
    const chunks: Uint8Array[] = []
    for (let o = 0; o < bytes.byteLength; o += CHUNK_SIZE) chunks.push(bytes.subarray(o, o + CHUNK_SIZE))
    const blocks = [...encryptSample(chunks, v.size, Buffer.from(v.contentKey, 'hex'))]
    t.equal(blocks.at(-1)?.cid.toString(), v.cid, `${v.size} bytes`)
  }
})
