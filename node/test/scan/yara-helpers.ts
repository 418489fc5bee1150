import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { ScanInput } from '../../src/scan/engine.ts'

/** false when Debian's yara can run, else the reason every yara-backed test skips with */
export const noYara: false | string = spawnSync('yara', ['--version']).status === 0 && spawnSync('yarac', ['--version']).status === 0
  ? false
  : 'SKIPPED: Debian yara/yarac not on PATH (apt-get install yara)'

export const CLAMAV_TESTFILES = '/usr/share/clamav-testfiles'
export const noClamavTestfiles: false | string = existsSync(CLAMAV_TESTFILES)
  ? false
  : `SKIPPED: ${CLAMAV_TESTFILES} absent (apt-get install clamav-testfiles)`

const here = dirname(fileURLToPath(import.meta.url))
export const PROJECT_RULES = join(here, '../../rules')
export const REVERSINGLABS_RULES = '/work/shared/data/yara-reversinglabs/yara'

export const silentLogger = pino({ level: 'silent' })

/** EICAR assembled at run time, so this source file is not itself a test-virus carrier */
export const eicar = (): string => ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join('')

export const input = (bytes: Uint8Array | string): ScanInput => ({
  bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes,
  sha256: `0x${'00'.repeat(32)}`,
  fileType: 'binary',
  kind: 'file'
})
