import type { FastifyInstance } from 'fastify'
import type { NodeStatusReader } from '../ports.ts'

export function registerStatusRoutes (app: FastifyInstance, status: NodeStatusReader | undefined): void {
  // `status: 'ok'` comes last so a port cannot turn a live node's answer into anything else
  app.get('/healthz', async () => ({ ...(await status?.health()), status: 'ok' }))
  if (status === undefined) return
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await status.metrics()
    return reply.type(contentType).send(body)
  })
}
