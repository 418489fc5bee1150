import { finding } from './findings.ts'
import type { Finding } from './findings.ts'

/** patterns over script text; each needs every regex in `all` (one purpose, not one keyword) */
const RULES: ReadonlyArray<{ id: string, severity: Finding['severity'], all: RegExp[] }> = [
  { id: 'Script.PowerShell.EncodedCommand', severity: 'suspicious', all: [/\b(?:powershell|pwsh)(?:\.exe)?\b[^\n]{0,200}\s[-/]e(?:nc?|ncodedcommand)?\s+[A-Za-z0-9+/]{40,}={0,2}/i] },
  { id: 'Script.PowerShell.DownloadExecute', severity: 'suspicious', all: [/\b(?:DownloadString|DownloadFile|DownloadData|Invoke-WebRequest|Invoke-RestMethod|Start-BitsTransfer)\b|\biwr\s/i, /\b(?:IEX|Invoke-Expression|Start-Process|Invoke-Item)\b|\.Invoke\(|\|\s*iex\b/i] },
  { id: 'Script.PowerShell.AmsiBypass', severity: 'suspicious', all: [/AmsiUtils|amsiInitFailed|AmsiScanBuffer/i] },
  { id: 'Script.Shell.DownloadPipeShell', severity: 'suspicious', all: [/\b(?:curl|wget)\b[^\n|;]*\bhttps?:\/\/\d{1,3}(?:\.\d{1,3}){3}[^\n|]*\|\s*(?:sudo\s+)?(?:ba|da|z)?sh\b/] },
  { id: 'Script.Shell.ReverseShell', severity: 'suspicious', all: [/\b(?:ba)?sh\s+-i\b[^\n]*[<>]&?\s*\/dev\/tcp\/|\bnc(?:at)?\s+(?:-\w+\s+)*-e\s+\/bin\/(?:ba)?sh\b|\bsocket\.socket\([^\n]*\)[\s\S]{0,400}\bos\.dup2\(/] },
  { id: 'Script.Shell.CryptoMiner', severity: 'suspicious', all: [/\bstratum\+(?:tcp|ssl):\/\//i] },
  { id: 'Script.JS.EvalDecode', severity: 'suspicious', all: [/\beval\s*\(\s*(?:unescape|atob|decodeURIComponent|String\.fromCharCode)\s*\(/] },
  { id: 'Script.VBS.ShellDownload', severity: 'suspicious', all: [/CreateObject\s*\(\s*"WScript\.Shell"\s*\)/i, /(?:MSXML2\.XMLHTTP|WinHttp\.WinHttpRequest|Microsoft\.XMLHTTP)/i, /\.Run\b|\.Exec\b/i] },
  { id: 'Script.Obfuscated.LongBase64', severity: 'info', all: [/[A-Za-z0-9+/]{2000,}={0,2}/] }
]

/** At most this much text is matched: the rules are linear, the budget is still the worker's timeout. */
const MAX_TEXT = 8 * 1024 * 1024

export function analyzeScript (bytes: Uint8Array): { findings: Finding[] } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_TEXT)).toString('latin1')
  const findings: Finding[] = []
  for (const rule of RULES) {
    const hits = rule.all.map(re => re.exec(text)?.[0])
    if (hits.every(h => h !== undefined)) findings.push(finding(rule.id, rule.severity, hits.join(' … ')))
  }
  return { findings }
}
