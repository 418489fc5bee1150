import { resolve } from 'node:path'
import { startDevnet } from '../../devnet/devnet.ts'
import { CLAMD_INSTALL_HINT } from '../../devnet/devnet-clamd.ts'
import { findClamd } from '../../scan/clamd-process.ts'
import { UsageError } from '../usage-error.ts'
import type { Command } from '../command.ts'

function intOption (value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`)
  return n
}

export const devnetCommand: Command = {
  name: 'devnet',
  summary: 'run a local chain, the contracts and N elected supernodes (the README\'s start command)',
  usage: 'virusmap devnet [--nodes N] [--dir DIR] [--port P] [--rules DIR]',
  options: {
    nodes: { type: 'string' },
    dir: { type: 'string' },
    port: { type: 'string' },
    rules: { type: 'string', multiple: true }
  },
  async run ({ values }, ctx) {
    const nodes = intOption(values.nodes, 'nodes', 1, 32, 4)
    const port = intOption(values.port, 'port', 0, 65_000, 8750)
    const dir = resolve(typeof values.dir === 'string' ? values.dir : '.devnet')
    const rulesDirs = Array.isArray(values.rules) ? values.rules.map((r) => resolve(String(r))) : []
    const log = (line: string): void => { ctx.stderr.write(`${line}\n`) }
    log(`devnet: starting ${nodes} supernodes in ${dir}`)
    const devnet = await startDevnet({ nodes, dir, port, rulesDirs, log }, { signal: ctx.signal })
    const first = devnet.info.nodes[0]
    ctx.stdout.write(`rpc: ${devnet.info.rpcUrl}\n`)
    for (const node of devnet.info.nodes) {
      ctx.stdout.write(`node ${node.index}: ${node.api} peer ${node.peerId} operator ${node.operator}\n  engines: ${node.engines.join(', ')}\n`)
    }
    if (devnet.clamd === undefined) {
      ctx.stdout.write(`ClamAV: off, ${findClamd() === undefined ? `clamd is not installed (${CLAMD_INSTALL_HINT}, then start again)` : 'clamd did not start (the clamav line above says why)'}\n`)
    }
    ctx.stdout.write(`devnet: ${resolve(dir, 'devnet.json')}\n`)
    ctx.stdout.write(`api: ${first?.api}\n`)
    ctx.stdout.write(`api key: ${devnet.info.apiKey}\n`)
    const vendor = devnet.info.vendor
    if (vendor !== undefined) ctx.stdout.write(`vendor keystore: ${vendor.keystore}\nvendor: ${vendor.address} (approved by governance; keystore passphrase "${vendor.passphrase}")\n`)
    const submitter = devnet.info.submitter
    if (submitter !== undefined) ctx.stdout.write(`submitter keystore: ${submitter.keystore} (passphrase: ${submitter.passphrase})\n`)
    ctx.stdout.write('try: npx virusmap submit package.json   (Ctrl-C stops the devnet; its state is kept for the next start)\n')
    if (vendor !== undefined) ctx.stdout.write(`then: VIRUSMAP_KEYSTORE_PASSWORD=${vendor.passphrase} npx virusmap buy SHA256 --keystore ${vendor.keystore}\n`)
    await new Promise<void>((resolveStop) => {
      if (ctx.signal.aborted) resolveStop()
      ctx.signal.addEventListener('abort', () => { resolveStop() }, { once: true })
    })
    log('devnet: stopping')
    await devnet.stop()
    log('devnet: stopped')
    return 0
  }
}
