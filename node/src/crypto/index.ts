export * from './convergent.ts'
export * from './errors.ts'
export * from './manifest.ts'
export * from './sample-digest.ts'
