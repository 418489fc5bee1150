export * from './deploy.ts'
export * from './elect.ts'
export * from './errors.ts'
export * from './register.ts'
