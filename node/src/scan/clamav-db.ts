import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** the project's own ClamAV signatures (EICAR, ClamAV's test files): text sources clamd loads as they are */
export const PROJECT_CLAMAV_DIR = fileURLToPath(new URL('../../rules/clamav', import.meta.url))

/** signature files clamd loads as text straight from its DatabaseDirectory */
const TEXT_DB = /\.(?:ndb|hdb|hsb|mdb|msb|ldb|cdb|fp|sfp|ign2|yar|yara)$/

export interface BuildDatabaseOptions {
  /** directories of text signature sources (node/rules/clamav) */
  sources: string[]
  outDir: string
  /** files to list by SHA-256 with `sigtool --sha256` (one .hsb), named VirusMap.Hash.<file> */
  hashFiles?: string[]
}

/**
 * Builds a clamd DatabaseDirectory from text sources at run time, so no compiled database is
 * committed. Files to list by hash go through Debian's `sigtool --sha256` (hash:size:name lines).
 */
export async function buildClamavDatabase (options: BuildDatabaseOptions): Promise<{ files: string[] }> {
  await mkdir(options.outDir, { recursive: true })
  const files: string[] = []
  for (const dir of options.sources) {
    for (const name of (await readdir(dir)).toSorted()) {
      if (!TEXT_DB.test(name)) continue
      await copyFile(join(dir, name), join(options.outDir, name))
      files.push(name)
    }
  }
  if (options.hashFiles !== undefined && options.hashFiles.length > 0) {
    const lines: string[] = []
    for (const path of options.hashFiles) {
      const run = spawnSync('sigtool', ['--sha256', path], { encoding: 'utf8' })
      if (run.status !== 0) throw new Error(`sigtool --sha256 ${path} failed: ${run.stderr || run.error?.message}`)
      // "sha256:size:/path/to/file" -> "sha256:size:VirusMap.Hash.file"
      const [hash, size] = run.stdout.trim().split(':')
      lines.push(`${hash}:${size}:VirusMap.Hash.${basename(path).replace(/[^\w.-]/g, '_')}`)
    }
    await writeFile(join(options.outDir, 'virusmap-hashes.hsb'), lines.join('\n') + '\n')
    files.push('virusmap-hashes.hsb')
  }
  return { files }
}
