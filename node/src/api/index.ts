export { createApiServer, type ApiServer, type ApiServerOptions } from './server.ts'
export { ApiError, VT_ERRORS, toVtError, type VtErrorCode, type VtErrorBody } from './errors.ts'
export type * from './ports.ts'
export { PORT_ERROR_CODES } from './ports.ts'
