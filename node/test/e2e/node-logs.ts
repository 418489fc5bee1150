// What a failed devnet test prints: each node's last log lines worth reading.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import tap from 'tap'
import type { Devnet } from '../../src/devnet/devnet.ts'

/** the nodes' warnings and errors, and lines matching `extra` (the component under test), last 12 of each node, as tap comments */
export async function commentNodeLogs (devnet: Devnet | undefined, extra?: RegExp): Promise<void> {
  const worth = (line: string): boolean => /"level":[456]0/.test(line) || (extra?.test(line) ?? false)
  for (const n of devnet?.info.nodes ?? []) {
    const log = await readFile(join(n.dataDir, 'supernode.log'), 'utf8').catch(() => '')
    for (const line of log.split('\n').filter(worth).slice(-12)) tap.comment(`node ${n.index}: ${line.slice(0, 600)}`)
  }
}
