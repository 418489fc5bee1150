export { createApiServer, type ApiServer, type ApiServerOptions } from './server.ts'
export { toVtError } from './errors.ts'
export type * from './ports/index.ts'
export { PORT_ERROR_CODES } from './ports/index.ts'
