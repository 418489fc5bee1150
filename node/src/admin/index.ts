export * from './admin-client.ts'
export * from './admin-cookie.ts'
export * from './admin-server.ts'
