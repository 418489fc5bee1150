export * from './abortable-source.ts'
export * from './errors.ts'
export * from './plaintext-chunks.ts'
export * from './sample-store.ts'
