/**
 * Run by `npm install` (postinstall): the Node runtime that npm brings (the `node` package) keeps
 * the platform package it unpacked, whose C headers (about 67 MB) serve only to compile native
 * addons. Every native dependency here ships prebuilt binaries (classic-level, @litko/yara-x) and
 * node-gyp takes headers from its own `nodedir`, so they are dropped: the production install stays
 * within its size budget. The runtime binary itself is a hard link and is left alone.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const runtimeModules = fileURLToPath(new URL('../../node_modules/node/node_modules/', import.meta.url))
let entries: string[] = []
try {
  entries = readdirSync(runtimeModules)
} catch {
  // no platform package left beside the runtime: nothing to trim
}
for (const name of entries.filter((e) => /^node(-bin)?-[a-z0-9]+-[a-z0-9]+$/.test(e))) {
  rmSync(join(runtimeModules, name, 'include'), { recursive: true, force: true })
}
