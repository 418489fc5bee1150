import { openAsBlob } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbortOptions } from '@libp2p/interface'

/**
 * A small client of VirusTotal's API v3 as VirusMap serves it (the same calls work against
 * VirusTotal itself). It returns the JSON objects as they come; the CLI reads what it needs.
 */

/** Codes raised on this side of the wire; server errors keep VirusTotal's code (NotFoundError, ...). */
export const CLIENT_ERROR_CODES = ['NetworkError', 'InvalidResponseError', 'AbortError', 'TimeoutError', 'FileError', 'InvalidArgumentError'] as const
export type ClientErrorCode = typeof CLIENT_ERROR_CODES[number]

export class VtClientError extends Error {
  override readonly name = 'VtClientError'
  /** VirusTotal's error code from the server, or a ClientErrorCode */
  readonly code: string
  /** HTTP status, when a server answered */
  readonly status: number | undefined

  constructor (code: string, message: string, status?: number, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.status = status
  }
}

export interface VtClientOptions {
  baseUrl: string
  apiKey?: string
}

export interface VtObject<A = Record<string, unknown>> {
  type: string
  id: string
  attributes: A
  links?: Record<string, string>
}

export interface AnalysisAttributes {
  status: 'queued' | 'in-progress' | 'completed' | 'failed'
  date: number
  stats: Record<string, number>
  results: Record<string, { category: string, engine_name: string, engine_version: string, engine_update: string, method: string, result: string | null }>
  virusmap?: { job_id: string, membership_block: number, verdict_count: number, member_count: number }
}

export interface AnalysisResponse {
  data: VtObject<AnalysisAttributes>
  meta?: { file_info?: { sha256: string, sha1: string, md5: string, size: number } }
}

export interface FileResponse {
  data: VtObject
}

/** A url, domain, ip_address (or VirusMap wallet / script) object. */
export interface IndicatorResponse {
  data: VtObject
}

/** VirusMap's indicator kinds (protocol INDICATOR_KINDS). */
export type IndicatorKindName = 'url' | 'domain' | 'ip' | 'wallet' | 'script'

/** What a submitter's wallet signed (EIP-712 Submission): POST /urls takes it as optional form fields. */
export interface SignedFields {
  context?: string
  submitter: string
  /** ms since the epoch, as signed */
  submittedAt: number
  signature: string
}

/** A file's signed Submission (protocol SPEC 17): the form fields sent before the file. */
export interface SignedFileFields extends SignedFields {
  /** the file's sha256 the wallet signed, 0x hex */
  sha256: string
}

/** The answer to a submission: the analysis to wait for. */
export interface SubmittedIndicator {
  id: string
  /** the canonical subject, when the node says it (POST /api/virusmap/indicators) */
  subject?: string
}

/** VirusTotal's collections that take community votes. */
export const VOTE_COLLECTIONS = ['files', 'urls', 'domains', 'ip_addresses'] as const
export type VoteCollection = typeof VOTE_COLLECTIONS[number]
export type VoteVerdict = 'harmless' | 'malicious'

export interface VoteAttributes {
  date: number
  verdict: VoteVerdict
  value: number
}

export interface WaitOptions extends AbortOptions {
  /** between polls; default 1000 ms */
  intervalMs?: number
  onProgress?: (analysis: AnalysisResponse) => void
}

export interface VtClient {
  readonly baseUrl: string
  /** a path is streamed from disk; bytes are sent as they are */
  /** with `signed`, the wallet's Submission goes before the file and the node's signed receipt comes back (unchecked: the caller checks it) */
  uploadFile(file: string | Uint8Array, options?: AbortOptions & { filename?: string, signed?: SignedFileFields }): Promise<{ id: string, receipt?: unknown, deposit?: unknown }>
  getAnalysis(id: string, options?: AbortOptions): Promise<AnalysisResponse>
  getFile(hash: string, options?: AbortOptions): Promise<FileResponse>
  waitForAnalysis(id: string, options?: WaitOptions): Promise<AnalysisResponse>
  /** VirusTotal's POST /urls; unsigned, the node's operator submits it; with `signed`, the signing wallet does */
  submitUrl(url: string, options?: AbortOptions & { signed?: SignedFields, context?: string }): Promise<SubmittedIndicator>
  /** `id`: the URL in unpadded base64url (protocol vtUrlId) or the sha256 of the canonical URL */
  getUrl(id: string, options?: AbortOptions): Promise<IndicatorResponse>
  getDomain(domain: string, options?: AbortOptions): Promise<IndicatorResponse>
  getIpAddress(ip: string, options?: AbortOptions): Promise<IndicatorResponse>
  /** VirusMap's POST /api/virusmap/indicators: any kind, signed by the submitter */
  submitIndicator(kind: IndicatorKindName, value: string, signed: SignedFields, options?: AbortOptions): Promise<SubmittedIndicator>
  /** VirusMap's GET /api/virusmap/indicators/{kind}/{value}: any kind, any accepted spelling */
  getIndicator(kind: IndicatorKindName, value: string, options?: AbortOptions): Promise<IndicatorResponse>
  /** one vote per API key per object; AlreadyExistsError (409) for a second */
  addVote(collection: VoteCollection, id: string, verdict: VoteVerdict, options?: AbortOptions): Promise<VtObject<VoteAttributes>>
  /** newest first; limit 1..40 (default 10) */
  getVotes(collection: VoteCollection, id: string, options?: AbortOptions & { limit?: number }): Promise<Array<VtObject<VoteAttributes>>>
}

function abortError (signal: AbortSignal): VtClientError {
  const reason = signal.reason as { name?: string } | undefined
  return reason?.name === 'TimeoutError'
    ? new VtClientError('TimeoutError', 'timed out', undefined, { cause: reason })
    : new VtClientError('AbortError', 'aborted', undefined, { cause: reason })
}

/** openAsBlob's own error says nothing of why; stat first for a code a person can act on. */
async function openFile (path: string): Promise<Blob> {
  try {
    if (!(await stat(path)).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' })
    return await openAsBlob(path)
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message
    throw new VtClientError('FileError', `cannot read ${path}: ${code}`, undefined, { cause: err })
  }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function votesPath (collection: VoteCollection, id: string): string {
  if (!(VOTE_COLLECTIONS as readonly string[]).includes(collection)) throw new VtClientError('InvalidArgumentError', `not a collection that takes votes: ${String(collection).slice(0, 40)}`)
  return `/api/v3/${collection}/${encodeURIComponent(id)}/votes`
}

function isVote (value: unknown): value is VtObject<VoteAttributes> {
  return isObject(value) && value.type === 'vote' && typeof value.id === 'string' && isObject(value.attributes)
}

function analysisId (json: Record<string, unknown>): SubmittedIndicator {
  const data = json.data as Record<string, unknown>
  if (typeof data.id !== 'string') throw new VtClientError('InvalidResponseError', 'the submission answer has no analysis id')
  const subject = isObject(json.meta) && typeof json.meta.subject === 'string' ? json.meta.subject : undefined
  return { id: data.id, ...(subject === undefined ? {} : { subject }) }
}

export function createVtClient (options: VtClientOptions): VtClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  let parsed: URL
  try {
    parsed = new URL(baseUrl)
  } catch {
    throw new VtClientError('InvalidArgumentError', `not a URL: ${options.baseUrl}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new VtClientError('InvalidArgumentError', `not an http(s) URL: ${options.baseUrl}`)
  }
  const headers: Record<string, string> = { accept: 'application/json' }
  if (options.apiKey !== undefined) headers['x-apikey'] = options.apiKey

  async function call (method: string, path: string, body: FormData | URLSearchParams | Record<string, unknown> | undefined, { signal }: AbortOptions = {}): Promise<Record<string, unknown>> {
    let response: Response
    const json = body === undefined || body instanceof FormData || body instanceof URLSearchParams ? undefined : JSON.stringify(body)
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: json ?? (body as FormData | URLSearchParams | undefined),
        signal
      })
    } catch (err) {
      if (signal?.aborted === true) throw abortError(signal)
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      const detail = cause?.code ?? cause?.message ?? (err as Error).message
      throw new VtClientError('NetworkError', `cannot reach ${baseUrl}: ${detail}`, undefined, { cause: err })
    }
    let answer: unknown
    try {
      answer = await response.json()
    } catch (err) {
      if (signal?.aborted === true) throw abortError(signal)
      throw new VtClientError('InvalidResponseError', `${method} ${path}: HTTP ${response.status} with a body that is not JSON`, response.status, { cause: err })
    }
    if (!response.ok) {
      const error = isObject(answer) && isObject(answer.error) ? answer.error : undefined
      const code = typeof error?.code === 'string' ? error.code : 'InvalidResponseError'
      const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`
      throw new VtClientError(code, message, response.status)
    }
    if (!isObject(answer) || !(isObject(answer.data) || Array.isArray(answer.data))) {
      throw new VtClientError('InvalidResponseError', `${method} ${path}: answer has no data`, response.status)
    }
    return answer
  }


  const object = async (path: string, signal: AbortSignal | undefined): Promise<IndicatorResponse> => {
    const json = await call('GET', path, undefined, { signal })
    if (!isObject(json.data) || typeof json.data.type !== 'string' || typeof json.data.id !== 'string') throw new VtClientError('InvalidResponseError', `GET ${path}: not an object`)
    return json as unknown as IndicatorResponse
  }

  const client: VtClient = {
    baseUrl,

    async submitUrl (url, opts = {}) {
      const form = new URLSearchParams({ url })
      const context = opts.signed?.context ?? opts.context
      if (context !== undefined) form.set('context', context)
      if (opts.signed !== undefined) {
        form.set('submitter', opts.signed.submitter)
        form.set('submitted_at', String(opts.signed.submittedAt))
        form.set('signature', opts.signed.signature)
      }
      return analysisId(await call('POST', '/api/v3/urls', form, { signal: opts.signal }))
    },

    getUrl: async (id, opts = {}) => await object(`/api/v3/urls/${encodeURIComponent(id)}`, opts.signal),
    getDomain: async (domain, opts = {}) => await object(`/api/v3/domains/${encodeURIComponent(domain)}`, opts.signal),
    getIpAddress: async (ip, opts = {}) => await object(`/api/v3/ip_addresses/${encodeURIComponent(ip)}`, opts.signal),
    getIndicator: async (kind, value, opts = {}) => await object(`/api/virusmap/indicators/${encodeURIComponent(kind)}/${encodeURIComponent(value)}`, opts.signal),

    async submitIndicator (kind, value, signed, opts = {}) {
      const body = { kind, value, context: signed.context ?? '', submitter: signed.submitter, submitted_at: signed.submittedAt, signature: signed.signature }
      return analysisId(await call('POST', '/api/virusmap/indicators', body, { signal: opts.signal }))
    },

    async uploadFile (file, opts = {}) {
      let blob: Blob
      let filename: string
      if (typeof file === 'string') {
        blob = await openFile(file)
        filename = opts.filename ?? basename(file)
      } else {
        blob = new Blob([file as Uint8Array<ArrayBuffer>])
        filename = opts.filename ?? 'file'
      }
      const form = new FormData()
      const { signed } = opts
      // the node reads the fields parsed when the file part starts: they go first
      if (signed !== undefined) {
        form.append('sha256', signed.sha256)
        form.append('submitter', signed.submitter)
        form.append('submitted_at', String(signed.submittedAt))
        form.append('signature', signed.signature)
        form.append('context', signed.context ?? '')
      }
      form.append('file', blob, filename)
      const json = await call('POST', '/api/v3/files', form, { signal: opts.signal })
      const data = json.data as Record<string, unknown>
      if (typeof data.id !== 'string') throw new VtClientError('InvalidResponseError', 'upload answer has no analysis id')
      const meta = json.meta as Record<string, unknown> | undefined
      return { id: data.id, ...(meta?.receipt === undefined ? {} : { receipt: meta.receipt }), ...(meta?.deposit === undefined ? {} : { deposit: meta.deposit }) }
    },

    async getAnalysis (id, opts = {}) {
      const json = await call('GET', `/api/v3/analyses/${encodeURIComponent(id)}`, undefined, { signal: opts.signal })
      return json as unknown as AnalysisResponse
    },

    async getFile (hash, opts = {}) {
      const json = await call('GET', `/api/v3/files/${encodeURIComponent(hash)}`, undefined, { signal: opts.signal })
      return json as unknown as FileResponse
    },

    async addVote (collection, id, verdict, opts = {}) {
      const json = await call('POST', votesPath(collection, id), { data: { type: 'vote', attributes: { verdict } } }, { signal: opts.signal })
      if (!isVote(json.data)) throw new VtClientError('InvalidResponseError', 'the vote answer is not a vote object')
      return json.data
    },

    async getVotes (collection, id, opts = {}) {
      const query = opts.limit === undefined ? '' : `?limit=${encodeURIComponent(String(opts.limit))}`
      const json = await call('GET', `${votesPath(collection, id)}${query}`, undefined, { signal: opts.signal })
      if (!Array.isArray(json.data) || !json.data.every(isVote)) throw new VtClientError('InvalidResponseError', 'the votes answer is not a list of votes')
      return json.data
    },

    async waitForAnalysis (id, opts = {}) {
      const intervalMs = opts.intervalMs ?? 1000
      for (;;) {
        const analysis = await client.getAnalysis(id, { signal: opts.signal })
        opts.onProgress?.(analysis)
        // `failed` is final too (protocol SPEC section 10): the caller reads the reason, it never waits on
        const status = analysis.data.attributes?.status
        if (status === 'completed' || status === 'failed') return analysis
        try {
          await sleep(intervalMs, undefined, { signal: opts.signal })
        } catch (err) {
          if (opts.signal?.aborted === true) throw abortError(opts.signal)
          throw err
        }
      }
    }
  }
  return client
}
