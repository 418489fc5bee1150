// GET /api/virusmap/blocks/{cid}: one encrypted block this node holds, raw (an IPFS gateway's raw block).
// A buyer who is no libp2p peer fetches a bought sample's ciphertext here (SPEC 18); blocks are content
// addressed, so the client checks each against its CID and trusts no node. Only blocks held locally are
// served: a request never makes this node fetch from the network.
import { CID } from 'multiformats/cid'
import type { FastifyInstance } from 'fastify'
import type { BlockReader } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { requestSignal } from '../request.ts'

// a CIDv1 string in a multibase of letters and digits (base32, base36, base58btc), bounded
const CID_TEXT = /^[a-zA-Z0-9]{8,128}$/

/** The CID of a path parameter; ApiError InvalidArgumentError for anything else. */
export function parseCid (raw: string): CID {
  if (!CID_TEXT.test(raw)) throw new ApiError('InvalidArgumentError', 'the block id must be a CID')
  try {
    return CID.parse(raw)
  } catch {
    throw new ApiError('InvalidArgumentError', 'the block id must be a CID')
  }
}

export function registerBlockRoutes (app: FastifyInstance, blocks: BlockReader | undefined): void {
  app.get<{ Params: { cid: string } }>('/api/virusmap/blocks/:cid', async (request, reply) => {
    if (blocks === undefined) throw new ApiError('TransientError', 'this node serves no blocks')
    const cid = parseCid(request.params.cid)
    const bytes = await blocks.get(cid, { signal: requestSignal(reply) })
    if (bytes === undefined) throw new ApiError('NotFoundError', `this node holds no block ${cid}`)
    // immutable: the bytes are what the CID names
    return await reply.type('application/vnd.ipld.raw').header('cache-control', 'public, max-age=31536000, immutable').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  })
}
