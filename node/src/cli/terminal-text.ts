import { isUnsafeCodePoint } from '../text/unsafe-chars.ts'

function escapeCodePoint (cp: number): string {
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`
}

/**
 * Text from a server (names, labels, engine names, messages) as the CLI prints it: control
 * characters, DEL and bidi overrides (unsafe-chars.ts) become visible \xNN / \uNNNN, so a
 * hostile server can neither send terminal escapes nor fake a line of output with a newline.
 */
export function terminalText (value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number
    out += isUnsafeCodePoint(cp) ? escapeCodePoint(cp) : ch
  }
  return out
}

/**
 * JSON for a terminal. JSON.stringify escapes C0 controls inside strings but lets DEL, C1 and
 * bidi overrides through raw; those become \uNNNN, which any JSON parser reads back the same.
 * Raw C0 left in the output is the indentation's own newlines.
 */
export function terminalJson (value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent)
  let out = ''
  for (const ch of json) {
    const cp = ch.codePointAt(0) as number
    out += cp > 0x1f && isUnsafeCodePoint(cp) ? `\\u${cp.toString(16).padStart(4, '0')}` : ch
  }
  return out
}
