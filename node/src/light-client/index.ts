export { verifyReport, verifyReportWith, VERIFY_PROBLEM_CODES, type VerifyProblem, type VerifyProblemCode, type VerifyResult, type VerifyTarget } from './verify-report.ts'
export { createRegistryView, RegistryCallError, REGISTRY_READ_ABI, type RegistryView } from './registry-view.ts'
export { reportFromFileAttributes, type FileReportResult } from './file-report.ts'
export { connectProvider, RpcUnreachableError } from './provider.ts'
