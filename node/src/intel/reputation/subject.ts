import { domainToASCII } from 'node:url'

/** Longest subject text we look at: a URL's host must sit in its first few KB anyway. */
export const MAX_SUBJECT_CHARS = 8192
const HOST = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/

/**
 * The host a domain or URL subject names, lowercase ASCII (punycode), without a leading "www.";
 * undefined for anything that is not one (garbage, hostless URLs such as data:, oversize text).
 * Never throws.
 */
export function subjectHost (kind: 'domain' | 'url', text: string): string | undefined {
  if (text.length > MAX_SUBJECT_CHARS) return undefined
  let host: string
  if (kind === 'url') {
    if (!URL.canParse(text)) return undefined
    host = new URL(text).hostname
    if (host.startsWith('[')) return undefined
  } else {
    // domainToASCII would quietly cut "a.com/x" to "a.com": a domain subject holds no URL syntax
    if (/[\s/\\?#@:%[\]]/.test(text)) return undefined
    host = domainToASCII(text.replace(/\.$/, ''))
  }
  host = host.toLowerCase().replace(/\.$/, '')
  if (host.startsWith('www.')) host = host.slice(4)
  return HOST.test(host) ? host : undefined
}
