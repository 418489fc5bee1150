export { createApiServer, type ApiServer, type ApiServerOptions } from './server.ts'
export { toVtError } from './errors.ts'
export type * from './ports.ts'
export { PORT_ERROR_CODES } from './ports.ts'
