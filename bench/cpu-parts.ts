/**
 * Where a supernode's CPU goes, by part: its threads by name (the event loop, worker threads, libuv's
 * threadpool, V8's helpers) and its live child processes (the warm scanners, clamd) by command.
 * Linux only (/proc); elsewhere every part reads empty. Children that ended between two reads are
 * not counted, as in the bench's whole-process figure.
 */
import { readFile, readdir } from 'node:fs/promises'

const TICKS_PER_SECOND = 100

const read = async (file: string): Promise<string> => await readFile(file, 'utf8').catch(() => '')

/** Node names its threads (Linux keeps 15 characters of a name): the main thread runs the event loop */
export function threadPart (comm: string): string {
  if (comm === 'MainThread' || comm === 'node') return 'event loop'
  if (comm === 'libuv-worker') return 'libuv threadpool'
  if (comm.startsWith('V8') || comm.startsWith('DelayedTaskSch') || comm === 'PlatformWorker') return 'V8 (GC, JIT)'
  if (comm === 'WorkerThread' || comm.startsWith('Worker')) return 'worker threads'
  return `thread ${comm}`
}

/** seconds of CPU a process and its descendants used so far, summed by part into `into` */
async function addParts (pid: number, into: Map<string, number>, asChild: string | undefined): Promise<void> {
  const add = (part: string, seconds: number): void => { if (Number.isFinite(seconds)) into.set(part, (into.get(part) ?? 0) + seconds) }
  if (asChild === undefined) {
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      const comm = (await read(`/proc/${pid}/task/${tid}/comm`)).trim()
      if (comm === '') continue
      add(threadPart(comm), Number((await read(`/proc/${pid}/task/${tid}/schedstat`)).split(' ')[0]) / 1e9)
    }
  } else {
    const stat = await read(`/proc/${pid}/stat`)
    // fields after the parenthesised command name: utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    add(asChild, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND)
  }
  const children = (await read(`/proc/${pid}/task/${pid}/children`)).split(' ').filter((s) => s !== '').map(Number)
  for (const child of children) {
    const comm = (await read(`/proc/${child}/comm`)).trim()
    await addParts(child, into, asChild ?? `child ${comm === '' ? '?' : comm}`)
  }
}

/** CPU seconds used so far by each part of the supernode `pid` */
export async function cpuParts (pid: number | undefined): Promise<Map<string, number>> {
  const parts = new Map<string, number>()
  if (pid !== undefined) await addParts(pid, parts, undefined)
  return parts
}

/** all parts together: the process and its descendants */
export const totalSeconds = (parts: ReadonlyMap<string, number>): number => [...parts.values()].reduce((a, b) => a + b, 0)

/** what each part used between two readings, summed over several supernodes */
export function partsUsed (before: ReadonlyArray<Map<string, number>>, after: ReadonlyArray<Map<string, number>>): Map<string, number> {
  const used = new Map<string, number>()
  after.forEach((parts, i) => {
    for (const [part, seconds] of parts) used.set(part, (used.get(part) ?? 0) + seconds - (before[i]?.get(part) ?? 0))
  })
  return used
}
