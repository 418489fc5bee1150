import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { NodeStatusReader } from '../ports/index.ts'

export function registerStatusRoutes (app: FastifyInstance, status: NodeStatusReader | undefined, apiMetrics?: Registry): void {
  // `status: 'ok'` comes last so a port cannot turn a live node's answer into anything else
  app.get('/healthz', async () => ({ ...(await status?.health()), status: 'ok' }))
  if (status === undefined) return
  app.get('/metrics', async (_request, reply) => {
    const node = await status.metrics()
    // both are Prometheus text exposition; the API's own request metrics follow the node's
    const api = apiMetrics === undefined ? '' : await apiMetrics.metrics()
    return reply.type(node.contentType).send(`${node.body.replace(/\n*$/, '\n')}${api}`)
  })
}
