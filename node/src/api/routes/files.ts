import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import type { ApiPorts } from '../ports/index.ts'
import { ApiError } from '../../vt/errors.ts'
import { apiKeyIdOf, requirePrivilege } from '../api-keys.ts'
import { bareHex, parseFileHash } from '../ids.ts'
import { baseUrl, requestSignal, untilAborted } from '../request.ts'
import type { UploadSlots } from '../upload-slots.ts'
import type { ObjectCache } from '../object-cache.ts'
import { sendFile } from '../object-responses.ts'
import { fileSubmissionOf } from '../signed-submission.ts'
import { FileSubmissionError } from '#protocol/index.ts'
import type { Hex } from '#protocol/messages.ts'

/** The multipart field VirusTotal's upload takes the file from. */
const FILE_FIELD = 'file'

class UploadError extends Error {
  override readonly name = 'UploadError'
  readonly code: 'SAMPLE_TOO_LARGE' | 'EMPTY_SAMPLE' | 'MALFORMED_UPLOAD'
  constructor (code: 'SAMPLE_TOO_LARGE' | 'EMPTY_SAMPLE' | 'MALFORMED_UPLOAD', message: string) {
    super(message)
    this.code = code
  }
}

function tooLarge (): UploadError {
  return new UploadError('SAMPLE_TOO_LARGE', 'the file is larger than this node accepts')
}

/**
 * Yields the part's chunks and turns multipart failures, and an empty file, into coded errors. It
 * also remembers the failure, because the submitter may wrap or replace the error it got from the stream.
 */
function uploadSource (part: MultipartFile, failure: { error?: UploadError }): AsyncIterable<Uint8Array> {
  return (async function * () {
    // busboy ends a part early (truncated) at the size limit instead of failing the stream
    let size = 0
    try {
      for await (const chunk of part.file) {
        if (part.file.truncated) throw (failure.error = tooLarge())
        size += (chunk as Uint8Array).byteLength
        yield chunk as Uint8Array
      }
      if (part.file.truncated) throw (failure.error = tooLarge())
      if (size === 0) throw (failure.error = new UploadError('EMPTY_SAMPLE', 'the file is empty'))
    } catch (err) {
      if (err instanceof UploadError) throw err
      const code = (err as { code?: string }).code
      failure.error = code === 'FST_REQ_FILE_TOO_LARGE'
        ? new UploadError('SAMPLE_TOO_LARGE', 'the file is larger than this node accepts')
        : new UploadError('MALFORMED_UPLOAD', 'malformed multipart body')
      throw failure.error
    }
  })()
}

async function nextFilePart (request: FastifyRequest, signal: AbortSignal): Promise<MultipartFile | undefined> {
  if (!request.isMultipart()) {
    throw new ApiError('BadRequestError', 'expected a multipart/form-data body with a "file" field')
  }
  try {
    // a body that stalls before its first part is cut (body-idle-timeout.ts): the wait ends with it
    return await untilAborted(request.file(), signal)
  } catch (err) {
    signal.throwIfAborted()
    const status = (err as { statusCode?: number }).statusCode
    if (status === 413) throw err
    throw new ApiError('BadRequestError', 'malformed multipart body')
  }
}

async function submit (request: FastifyRequest, reply: FastifyReply, ports: ApiPorts, onStored: () => void): Promise<unknown> {
  const signal = requestSignal(reply)
  const part = await nextFilePart(request, signal)
  if (part === undefined || part.fieldname !== FILE_FIELD) {
    part?.file.resume()
    throw new ApiError('BadRequestError', 'expected a multipart/form-data body with a "file" field')
  }
  const failure: { error?: UploadError } = {}
  let submitted
  let submission
  try {
    submission = fileSubmissionOf(part.fields as Record<string, unknown> | undefined)
    const meta = { ...(part.filename === '' ? {} : { filename: part.filename }), ...(submission === undefined ? {} : { submission }) }
    submitted = await ports.submitter.submitFile(uploadSource(part, failure), meta, { signal, onStored })
  } catch (err) {
    part.file.resume()
    if (failure.error?.code === 'MALFORMED_UPLOAD' || failure.error?.code === 'EMPTY_SAMPLE') throw new ApiError('BadRequestError', failure.error.message)
    if (err instanceof FileSubmissionError) throw new ApiError('BadRequestError', `${err.code}: ${err.message}`)
    throw failure.error ?? err
  }
  const id = submitted.analysisId
  const data = { type: 'analysis', id, links: { self: `${baseUrl(request)}/api/v3/analyses/${id}` } }
  // VirusMap extensions (protocol SPEC 17): the node's signed receipt for a wallet's submission, and
  // whether the wallet's deposit lets it earn; a failed lookup only leaves the notice out
  const account = submission?.submitter.toLowerCase() as Hex | undefined
  const deposit = account === undefined ? undefined : await ports.deposits?.noticeFor(account, { signal }).catch(() => undefined)
  const meta = { ...(submitted.receipt === undefined ? {} : { receipt: submitted.receipt }), ...(deposit === undefined ? {} : { deposit }) }
  return Object.keys(meta).length === 0 ? { data } : { data, meta }
}

export function registerFileRoutes (app: FastifyInstance, ports: ApiPorts, uploads: UploadSlots, objects: ObjectCache): void {
  app.post('/api/v3/files', async (request: FastifyRequest, reply: FastifyReply) => {
    // refused before its body is read: the error handler drops a small body and answers (settleUnreadBody)
    const release = await uploads.acquire(apiKeyIdOf(request), { signal: requestSignal(reply) })
    try {
      // stored, the upload holds no spool: its slot goes to the next upload while this one waits for a job slot
      return await submit(request, reply, ports, release)
    } catch (err) {
      // The rest of a failed body may be unread (busboy waits on the part we did not consume):
      // close the connection rather than leave a keep-alive client waiting on it.
      reply.header('connection', 'close')
      throw err
    } finally {
      release()
    }
  })

  // VirusTotal clients ask for an upload URL for files over 32 MB; here every size goes to the same route
  app.get('/api/v3/files/upload_url', (request, reply) => {
    reply.send({ data: `${baseUrl(request)}/api/v3/files` })
  })

  // VirusTotal's rescan: a new analysis of a file this node holds
  app.post<{ Params: { id: string } }>('/api/v3/files/:id/analyse', async (request, reply) => {
    const hash = parseFileHash(request.params.id)
    const rescan = ports.submitter.rescan
    if (rescan === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    // a rescan is an ingest too (it streams the sample back in when blocks are missing)
    const release = await uploads.acquire(apiKeyIdOf(request), { signal: requestSignal(reply) })
    let rescanned
    try {
      rescanned = await rescan(hash, { signal: requestSignal(reply) })
    } finally {
      release()
    }
    if (rescanned === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    const id = rescanned.analysisId
    return { data: { type: 'analysis', id, links: { self: `${baseUrl(request)}/api/v3/analyses/${id}` } } }
  })

  // VirusTotal's sample download, for keys the operator granted "download": streamed as it is decrypted
  // no implicit HEAD: it would open (and audit-log) a download nobody reads
  app.get<{ Params: { id: string } }>('/api/v3/files/:id/download', { exposeHeadRoute: false }, async (request, reply) => {
    const keyId = requirePrivilege(request, 'download')
    const hash = parseFileHash(request.params.id)
    const signal = requestSignal(reply)
    const download = ports.downloads === undefined ? undefined : await ports.downloads.open(hash, { signal })
    if (download === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    const sha256 = bareHex(download.sha256)
    // the audit trail: who took which sample (never its bytes)
    request.log.info({ audit: 'sample-download', keyId, sha256, size: download.size }, 'sample download')
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) request.log.warn({ audit: 'sample-download', keyId, sha256, size: download.size }, 'sample download cut off')
    })
    // a chunk that fails to authenticate or arrive errors the stream: the answer is cut short of
    // its content-length, so no client takes a partial sample for the whole
    return reply
      .type('application/octet-stream')
      .header('content-length', String(download.size))
      .header('content-disposition', `attachment; filename="${sha256}"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(Readable.from(download.chunks, { objectMode: false }))
  })

  app.get<{ Params: { id: string } }>('/api/v3/files/:id', async (request, reply) => {
    const hash = parseFileHash(request.params.id)
    const file = await ports.files.getFile(hash, { signal: requestSignal(reply) })
    if (file === undefined) throw new ApiError('NotFoundError', `File "${request.params.id}" not found`)
    return await sendFile(objects, request, reply, ports, file)
  })
}
