export * from './bitswap-service.ts'
export * from './errors.ts'
export * from './fs-blockstore.ts'
export * from './libp2p-routing.ts'
