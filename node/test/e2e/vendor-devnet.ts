// The 4-node devnet the vendor e2e tests share (market, hunting): started once per file with the demo
// vendor, stopped at the end with the nodes' last errors and the named component's lines printed when a
// test failed, and the CLI run as that vendor.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { runCli } from '../../src/cli/run.ts'
import { startDevnet } from '../../src/devnet/devnet.ts'
import { commentNodeLogs } from './node-logs.ts'
import type { Devnet, DevnetOptions } from '../../src/devnet/devnet.ts'

export interface VendorDevnet {
  devnet: Devnet
  /** the test's working directory: the CLI's cwd, removed at the end */
  dir: string
  /** `virusmap argv...` in `dir`, with the demo vendor's keystore passphrase */
  cli(argv: string[]): Promise<{ code: number, stdout: string, stderr: string }>
}

/**
 * starts the devnet in `tap.before`; `component` names the log lines worth printing when a test failed;
 * `extra` are the file's own devnet options (market-refund's short delivery window)
 */
export function vendorDevnet (name: string, component: string, extra: Pick<DevnetOptions, 'deliveryBlocks'> = {}): () => VendorDevnet {
  let started: VendorDevnet | undefined
  let devnet: Devnet | undefined
  let dir: string | undefined
  tap.before(async () => {
    dir = await mkdtemp(join(tmpdir(), `virusmap-${name}-e2e-`))
    devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000, clamav: false, ...extra })
    const cwd = dir
    const passphrase = devnet.info.vendor?.passphrase
    if (passphrase === undefined) throw new Error('the devnet made no demo vendor')
    started = {
      devnet,
      dir: cwd,
      async cli (argv) {
        let stdout = ''
        let stderr = ''
        const code = await runCli(argv, {
          stdout: { write: (s: string) => { stdout += s } },
          stderr: { write: (s: string) => { stderr += s } },
          signal: AbortSignal.timeout(240_000),
          env: { VIRUSMAP_KEYSTORE_PASSWORD: passphrase },
          cwd
        })
        return { code, stdout, stderr }
      }
    }
  })
  tap.teardown(async () => {
    await devnet?.stop()
    if (!tap.passing()) await commentNodeLogs(devnet, new RegExp(`"component":"${component}"`))
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })
  return () => {
    if (started === undefined) throw new Error('the devnet has not started')
    return started
  }
}
