import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { ScanInput } from '../../src/scan/engine.ts'

export { CLAMAV_TESTFILES, noClamavTestfiles, noYara } from '../fixtures/system-packages.ts'

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

// quadratic in the sample size: on 64 KiB this runs for minutes, long after any timeout
export const SLOW_RULE = 'rule Slow { condition: for all i in (0..filesize) : ( for all j in (0..filesize) : ( uint8(i) != 0x100 + j ) ) }\n'
export const SLOW_SAMPLE = new Uint8Array(64 * 1024).fill(0x41)
