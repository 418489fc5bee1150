/** Real files for the TLSH tests; no process is started here (yara-helpers.ts probes Debian packages), so the unit tests stay unit tests. */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { ScanInput } from '../../src/scan/engine.ts'

/** the ReversingLabs rules beside the project (../shared/data), the same files yara-helpers.ts names */
const REVERSINGLABS_RULES = '/work/shared/data/yara-reversinglabs/yara'
const PREBUILDS = fileURLToPath(new URL('../../../node_modules/classic-level/prebuilds', import.meta.url))

const FILES = {
  // a real shared library (ELF x86-64), installed with the project
  elf: join(PREBUILDS, 'linux-x64/classic-level.node'),
  rule: join(REVERSINGLABS_RULES, 'backdoor/Linux.Backdoor.Krasue.yara'),
  'other-rule': join(REVERSINGLABS_RULES, 'backdoor/ByteCode.MSIL.Backdoor.LimeRAT.yara')
} as const

export const realFile = (kind: keyof typeof FILES): { name: string, bytes: Buffer } => ({ name: kind, bytes: readFileSync(FILES[kind]) })

/** what a mutator farming near-duplicates does to a sample: append, flip scattered bytes, insert a block */
export function mutants (bytes: Uint8Array): Array<[string, Buffer]> {
  const flipped = Buffer.from(bytes)
  for (let i = 0; i < 16; i++) {
    const at = Math.floor(bytes.length * (i + 0.5) / 16)
    flipped[at] = (flipped[at] as number) ^ 0x5a
  }
  const half = bytes.length >> 1
  return [
    ['76 bytes appended', Buffer.concat([bytes, Buffer.from('appended junk that changes every hash '.repeat(2))])],
    ['16 bytes flipped', flipped],
    ['a line inserted mid-file', Buffer.concat([bytes.subarray(0, half), Buffer.from('// a comment added by a mutator\n'), bytes.subarray(half)])]
  ]
}

function walk (dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).toSorted()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else out.push(path)
  }
  return out
}

/** the parity corpus: every ReversingLabs rule file (text) and every classic-level prebuild (ELF, PE, Mach-O) */
export const parityFiles = (): string[] => [...walk(REVERSINGLABS_RULES, []), ...walk(PREBUILDS, [])]

export const silentLogger = pino({ level: 'silent' })

export const input = (bytes: Uint8Array | string): ScanInput => ({
  bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes,
  sha256: `0x${'00'.repeat(32)}`,
  fileType: 'binary',
  kind: 'file'
})
