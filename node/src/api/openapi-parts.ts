import { VT_ERRORS } from '../vt/errors.ts'

/** Small builders for the hand-written OpenAPI document (routes/docs.ts and its parts). */
const error = { $ref: '#/components/schemas/Error' }
export const errors = (...codes: number[]): Record<string, unknown> => Object.fromEntries(codes.map((c) => [String(c), {
  description: Object.entries(VT_ERRORS).filter(([, s]) => s === c).map(([n]) => n).join(' / '),
  content: { 'application/json': { schema: error } }
}]))
export const json = (description: string, schema: Record<string, unknown> = { type: 'object' }): Record<string, unknown> =>
  ({ description, content: { 'application/json': { schema } } })
export const pathId = (name: string, description: string, pattern?: string): Record<string, unknown> =>
  ({ name, in: 'path', required: true, description, schema: { type: 'string', ...(pattern === undefined ? {} : { pattern }) } })
export const KEY_ERRORS = [401, 429]
/** Object answers carry an ETag (object-cache.ts); a GET whose If-None-Match names it gets 304 while the object is unchanged. */
export const NOT_MODIFIED = { 304: { description: 'unchanged since the ETag that If-None-Match names (every object answer carries its ETag); no body' } }
/** The anchor an object carries once its report is anchored on chain (SPEC section 15; node/src/light-client/anchor-check.ts reads it). */
export const ANCHOR_ATTRIBUTE = 'virusmap_anchor, once the report is anchored: {"epoch": N, "root": "0x<32 bytes>", "proof": ["0x<32 bytes>", ...], "block": B}, ' +
  'the epoch ReportAnchors anchored the report in, that epoch\'s root, the OpenZeppelin StandardMerkleTree proof of the report\'s leaf (at most 12 hashes, ' +
  'leaf first) and the block the root was posted in; a client recomputes the leaf from the report and reads root and block from the chain. Absent while the report is pending its anchor.'
