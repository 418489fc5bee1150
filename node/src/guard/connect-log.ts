import type { ConnectEvent } from './finding.ts'
import { BURST_WINDOW_MS } from './rules/behaviour.ts'

/** events kept per origin; a page firing more within a minute is already caught */
const MAX_EVENTS = 64
/** origins remembered; the oldest is forgotten first */
const MAX_ORIGINS = 1024

const prune = (events: ConnectEvent[], now: number): ConnectEvent[] => events.filter(e => now - e.at <= BURST_WINDOW_MS).slice(-MAX_EVENTS)

/** Recent connect-type requests per origin, for the behaviour rule; in memory, pruned to the window. */
export interface ConnectLog {
  record(origin: string, event: ConnectEvent): void
  recent(origin: string, now: number): ConnectEvent[]
}

export function createConnectLog (): ConnectLog {
  const byOrigin = new Map<string, ConnectEvent[]>()
  return {
    record (origin, event) {
      const events = prune([...byOrigin.get(origin) ?? [], event], event.at)
      byOrigin.delete(origin)
      byOrigin.set(origin, events)
      if (byOrigin.size > MAX_ORIGINS) byOrigin.delete(byOrigin.keys().next().value as string)
    },
    recent: (origin, now) => prune(byOrigin.get(origin) ?? [], now)
  }
}
