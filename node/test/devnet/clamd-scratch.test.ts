// Where the devnet's clamd scans: a per-devnet directory on tmpfs when there is one, else beside its config.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { clamdScratchDir } from '../../src/devnet/devnet-clamd.ts'

tap.test('one directory per devnet under a writable shm, the same at every start', async (t) => {
  const shm = await mkdtemp(join(tmpdir(), 'shm-'))
  t.teardown(async () => { await rm(shm, { recursive: true, force: true }) })
  const a = clamdScratchDir('/srv/devnet-a/clamav', shm)
  t.match(a, new RegExp(`^${shm}/virusmap-clamd-[0-9a-f]{16}$`))
  t.equal(clamdScratchDir('/srv/devnet-a/clamav', shm), a, 'a restart finds what a killed clamd left')
  t.equal(clamdScratchDir('/srv/devnet-a/../devnet-a/clamav', shm), a, 'the same dir however spelled')
  t.not(clamdScratchDir('/srv/devnet-b/clamav', shm), a, 'another devnet gets its own')
})

tap.test('without a writable shm directory the scratch stays beside the config', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'noshm-'))
  t.teardown(async () => { await rm(base, { recursive: true, force: true }) })
  t.equal(clamdScratchDir('/srv/d/clamav', join(base, 'missing')), '/srv/d/clamav/tmp')
  const file = join(base, 'file')
  await writeFile(file, '')
  t.equal(clamdScratchDir('/srv/d/clamav', file), '/srv/d/clamav/tmp', 'a file is no directory')
  if (process.getuid?.() !== 0) {
    const locked = join(base, 'locked')
    await mkdir(locked)
    await chmod(locked, 0o500)
    t.equal(clamdScratchDir('/srv/d/clamav', locked), '/srv/d/clamav/tmp', 'a directory this user cannot write')
  }
})
