import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ApiError } from '../vt/errors.ts'

const FORM = 'application/x-www-form-urlencoded'
/** a form carries a URL (<= 2048 bytes, percent-encoded up to 3x), a signature and a short context */
const MAX_FORM_BYTES = 16 * 1024
const MAX_FIELDS = 8

function addField (out: Record<string, string>, name: string, value: string): void {
  if (Object.hasOwn(out, name)) throw new ApiError('BadRequestError', `field "${name.slice(0, 32)}" given twice`)
  if (Object.keys(out).length >= MAX_FIELDS) throw new ApiError('BadRequestError', 'too many fields')
  out[name] = value
}

/** Lets the routes of `scope` take urlencoded forms (VirusTotal's POST /urls); other scopes stay as they are. */
export function acceptUrlencodedForms (scope: FastifyInstance): void {
  scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_request, body, done) => {
    try {
      const out: Record<string, string> = Object.create(null)
      for (const [name, value] of new URLSearchParams(body as string)) addField(out, name, value)
      done(null, out)
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}

/**
 * The form's text fields, from an urlencoded body (parsed by acceptUrlencodedForms) or a multipart
 * one. A file part, a repeated field, or a field cut at the multipart size limit is a bad request.
 */
export async function readForm (request: FastifyRequest): Promise<Record<string, string>> {
  if (!request.isMultipart()) {
    const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== FORM) throw new ApiError('BadRequestError', `expected an ${FORM} or multipart/form-data body`)
    return request.body as Record<string, string>
  }
  const out: Record<string, string> = Object.create(null)
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        part.file.resume()
        throw new ApiError('BadRequestError', 'this form takes text fields only')
      }
      if (part.valueTruncated || part.fieldnameTruncated) throw new ApiError('BadRequestError', `field "${part.fieldname.slice(0, 32)}" is too long`)
      addField(out, part.fieldname, String(part.value))
    }
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError('BadRequestError', 'malformed multipart body')
  }
  return out
}
