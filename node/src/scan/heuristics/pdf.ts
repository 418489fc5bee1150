import { finding } from './findings.ts'
import type { Finding } from './findings.ts'

/** PDF name tokens decoded: "/J#61vaScript" is "/JavaScript" to a reader, so it must be to us */
const NAME = /\/[^\s/<>[\]()%{}]{1,64}/g

/**
 * pdfid-style keyword census over the raw file: JavaScript and launch actions, automatic
 * actions, embedded files, and names hidden with #xx escapes.
 */
export function analyzePdf (bytes: Uint8Array): { findings: Finding[], facts: Record<string, number> } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024 * 1024)).toString('latin1')
  const counts: Record<string, number> = {}
  let escaped = 0
  for (const m of text.matchAll(NAME)) {
    let name = m[0]
    if (name.includes('#')) {
      const decoded = name.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
      if (decoded !== name && /^\/[A-Za-z]+$/.test(decoded)) escaped++
      name = decoded
    }
    if (['/JavaScript', '/JS', '/OpenAction', '/AA', '/Launch', '/EmbeddedFile', '/RichMedia', '/XFA', '/AcroForm', '/URI', '/SubmitForm', '/ObjStm'].includes(name)) {
      counts[name] = (counts[name] ?? 0) + 1
    }
  }
  const has = (n: string): boolean => (counts[n] ?? 0) > 0
  const findings: Finding[] = []
  const js = has('/JavaScript') || has('/JS')
  const auto = has('/OpenAction') || has('/AA')
  if (js && auto) findings.push(finding('PDF.AutoJavaScript', 'suspicious', 'JavaScript run by an automatic action'))
  else if (js) findings.push(finding('PDF.JavaScript', 'info'))
  if (has('/Launch')) findings.push(finding('PDF.Launch', 'suspicious', 'launches a program'))
  if (has('/EmbeddedFile')) findings.push(finding('PDF.EmbeddedFile', auto ? 'suspicious' : 'info'))
  if (escaped > 0) findings.push(finding('PDF.ObfuscatedNames', 'suspicious', `${escaped} #-escaped names`))
  if (has('/RichMedia')) findings.push(finding('PDF.RichMedia', 'info'))
  return { findings, facts: counts }
}
