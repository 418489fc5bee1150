/** Types of wallet.js, the page's EIP-6963 discovery and EIP-1193 requests. */
export type WalletErrorCode = 'NO_WALLET' | 'REJECTED' | 'WRONG_CHAIN' | 'UNKNOWN_CHAIN' | 'BAD_ANSWER' | 'REQUEST_FAILED' | 'REVERTED' | 'TIMEOUT'
export class WalletError extends Error {
  readonly code: WalletErrorCode
  revertData?: string
  rpcCode?: unknown
  constructor (code: WalletErrorCode, message: string)
}
export interface Eip1193 { request(args: { method: string, params?: unknown }): Promise<unknown> }
export interface FoundWallet { uuid: string, name: string, icon: string | undefined, rdns: string, provider: Eip1193 }
export function revertData (err: unknown): string | undefined
export function walletError (method: string, err: unknown): WalletError
export function announced (detail: unknown): FoundWallet | undefined
export function request (provider: Eip1193, method: string, params?: unknown, options?: { wait?: boolean }): Promise<unknown>
export function connect (provider: Eip1193): Promise<string[]>
export function chainIdOf (provider: Eip1193): Promise<number>
export function ensureChain (provider: Eip1193, chainId: number): Promise<void>
