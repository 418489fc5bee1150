import { resolve } from 'node:path'
import { pino } from 'pino'
import { loadConfig } from '../../supernode/config.ts'
import { createSupernode } from '../../supernode/supernode.ts'
import { UsageError } from '../usage-error.ts'
import type { Command } from '../command.ts'

export const supernodeCommand: Command = {
  name: 'supernode',
  summary: 'run a supernode from a config file (libp2p, Helia blocks, engines, quorum, HTTP API)',
  usage: 'virusmap supernode --config FILE [--log-level LEVEL]',
  options: {
    config: { type: 'string' },
    'log-level': { type: 'string' }
  },
  async run ({ values }, ctx) {
    if (typeof values.config !== 'string') throw new UsageError('--config FILE is required')
    const level = typeof values['log-level'] === 'string' ? values['log-level'] : (ctx.env.VIRUSMAP_LOG_LEVEL ?? 'info')
    if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(level)) throw new UsageError(`unknown log level ${level}`)
    const config = await loadConfig(resolve(ctx.cwd, values.config), { signal: ctx.signal })
    // asynchronous writes: a synchronous log line waits on the disk, and under a burst of fsyncs
    // (blocks, records) that held the event loop; pino flushes what is buffered when the process exits
    const logger = pino({ level, base: { node: undefined } }, pino.destination({ dest: 1, sync: false }))
    const node = await createSupernode(config, logger, { signal: ctx.signal })
    await node.start({ signal: ctx.signal })
    logger.info({
      api: node.api.url,
      peerId: node.peerId,
      operator: node.operator,
      multiaddrs: node.libp2p.getMultiaddrs().map((a) => a.toString())
    }, 'supernode ready')
    await new Promise<void>((resolveStop) => {
      if (ctx.signal.aborted) resolveStop()
      ctx.signal.addEventListener('abort', () => { resolveStop() }, { once: true })
    })
    logger.info('supernode stopping')
    await node.stop()
    logger.info('supernode stopped')
    logger.flush()
    return 0
  }
}
