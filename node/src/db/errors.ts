export type DatabaseErrorCode = 'SCHEMA_TOO_NEW' | 'SCHEMA_INVALID'

/** The database was written by a newer VirusMap (or is not ours); refuse rather than misread it. */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError'
  readonly code: DatabaseErrorCode
  constructor (code: DatabaseErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
