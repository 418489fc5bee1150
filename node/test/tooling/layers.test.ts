// The layers the README's "Layers" picture shows, held against the code: a folder of node/src imports
// only folders on a lower row (or its own), governance/src only protocol/src and the contracts'
// artifacts, protocol/src nothing of the repository; node/scripts stands above them all (it may import
// them, none of them imports it); and no files (simulations/src's too) import each other in a circle. A
// new import from a lower layer to a higher one, or one that closes a circle, fails here naming its files.
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import tap from 'tap'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Top row first; the README's picture, row for row. */
const LAYERS: readonly (readonly string[])[] = [
  ['node/src/cli'],
  ['node/src/devnet'],
  ['node/src/supernode'],
  ['node/src/guard', 'node/src/report-fetch'],
  ['node/src/light-client'],
  ['node/src/rewards'],
  ['node/src/api'],
  ['node/src/hunt', 'node/src/quorum'],
  ['node/src/market', 'node/src/anchors', 'node/src/slashing'],
  ['node/src/chain', 'node/src/network', 'node/src/ingest', 'node/src/intel', 'node/src/admin'],
  ['node/src/db', 'node/src/scan', 'node/src/crypto', 'node/src/ipfs', 'node/src/vt', 'node/src/metrics', 'node/src/text', 'node/src/client'],
  ['governance/src'],
  ['contracts/artifacts'],
  ['protocol/src']
]
// the page is apart: the browser loads it, and it imports only protocol/src's plain-JS modules by URL
const APART = ['node/src/web']
// on no row, but held to no circles as well (issue 19)
const CIRCLES_ONLY = ['simulations/src']
// above every row: offline tooling the node never runs (training the reputation model); it may import
// any layer, and no layer (nor the page) may import it
const ABOVE = ['node/scripts']

const rowOf = new Map(LAYERS.flatMap((row, i) => row.map((folder) => [folder, i] as const)))

/** The layer folder a repository path lies in, or undefined (a package, a test, a file outside the layers). */
function folderOf (path: string): string | undefined {
  return [...rowOf.keys(), ...APART, ...ABOVE].find((folder) => path === folder || path.startsWith(`${folder}/`))
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm

/** Where an import specifier of `file` points in the repository, or undefined for a package. */
function targetOf (file: string, specifier: string): string | undefined {
  if (specifier.startsWith('#protocol/')) return `protocol/src/${specifier.slice('#protocol/'.length)}`
  if (specifier.startsWith('#governance/')) return `governance/src/${specifier.slice('#governance/'.length)}`
  if (!specifier.startsWith('.')) return undefined
  return relative(ROOT, resolve(ROOT, dirname(file), specifier))
}

async function sources (folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name)).map((e) => relative(ROOT, join(e.parentPath, e.name)))
}

/** Whether a file of layer folder `from` may import one of folder `to` (another folder). */
function allowedImport (from: string, to: string): boolean {
  // no layer may take node/scripts; the page may take protocol's modules, nothing else, and nothing may take the page
  if (ABOVE.includes(to)) return false
  if (APART.includes(from)) return to === 'protocol/src'
  return !APART.includes(to) && (rowOf.get(to) as number) > (rowOf.get(from) as number)
}

/** Every import that runs from a layer to a higher one (a lower row index), as "file -> target". */
async function backwardImports (): Promise<string[]> {
  const found: string[] = []
  for (const folder of [...rowOf.keys(), ...APART]) {
    for (const file of await sources(folder)) {
      const from = folderOf(file) as string
      for (const [, specifier] of (await readFile(join(ROOT, file), 'utf8')).matchAll(IMPORT)) {
        const target = targetOf(file, specifier as string)
        const to = target === undefined ? undefined : folderOf(target)
        if (to === undefined || to === from) continue
        if (!allowedImport(from, to)) found.push(`${file} -> ${target as string}`)
      }
    }
  }
  return found
}

tap.test('no folder imports a folder on its own row or above (README, Layers)', async (t) => {
  t.same(await backwardImports(), [])
})

/** Whether the circle check follows imports into `path`: a layer's file or one of CIRCLES_ONLY's. */
const checked = (path: string): boolean => folderOf(path) !== undefined || CIRCLES_ONLY.some((folder) => path.startsWith(`${folder}/`))

/** The import circles among the layers' files (node/src, governance/src, protocol/src) and simulations/src, each as its files in order. */
async function importCircles (): Promise<string[][]> {
  const edges = new Map<string, string[]>()
  for (const folder of [...rowOf.keys(), ...APART, ...CIRCLES_ONLY]) {
    for (const file of await sources(folder)) {
      const targets = [...(await readFile(join(ROOT, file), 'utf8')).matchAll(IMPORT)]
        .map(([, specifier]) => targetOf(file, specifier as string))
        .filter((target): target is string => target !== undefined && checked(target))
      edges.set(file, targets)
    }
  }
  // depth first: an import of a file still on the path closes a circle
  const circles: string[][] = []
  const done = new Set<string>()
  const path: string[] = []
  const visit = (file: string): void => {
    const at = path.indexOf(file)
    if (at >= 0) {
      circles.push(path.slice(at))
      return
    }
    if (done.has(file)) return
    path.push(file)
    for (const next of edges.get(file) ?? []) visit(next)
    path.pop()
    done.add(file)
  }
  for (const file of edges.keys()) visit(file)
  return circles
}

tap.test('no import circle among the files of node/src, governance/src, protocol/src and simulations/src', async (t) => {
  t.same(await importCircles(), [])
})

tap.test('every folder of node/src is on a row, so a new one is placed on purpose', async (t) => {
  const folders = (await readdir(join(ROOT, 'node/src'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => `node/src/${e.name}`)
  t.same(folders.filter((f) => folderOf(f) === undefined), [])
})

tap.test('the check sees a backward import: the specifiers it resolves', async (t) => {
  t.equal(targetOf('node/src/db/x.ts', '../api/ports/index.ts'), 'node/src/api/ports/index.ts')
  t.equal(targetOf('node/src/db/x.ts', '#protocol/messages.ts'), 'protocol/src/messages.ts')
  t.equal(targetOf('node/src/chain/x.ts', '#governance/index.ts'), 'governance/src/index.ts')
  t.equal(targetOf('node/src/db/x.ts', 'ethers'), undefined)
  t.equal(folderOf('node/src/api/ports/index.ts'), 'node/src/api')
  t.ok((rowOf.get('node/src/db') as number) > (rowOf.get('node/src/api') as number), 'db is below api: db -> api would be reported')
  t.equal(folderOf(targetOf('node/src/intel/reputation/x.ts', '../../../scripts/reputation/cart-fit.ts') as string), 'node/scripts')
  t.notOk(allowedImport('node/src/intel', 'node/scripts'), 'intel -> node/scripts would be reported')
  t.notOk(allowedImport('node/src/cli', 'node/scripts'), 'even from the top row')
  t.ok(allowedImport('node/src/intel', 'node/src/scan'), 'a lower row is allowed')
  const imports = [...`import { a } from '../api/x.ts'\nimport type { B } from "#protocol/y.ts"\nconst m = await import('./z.ts')\nimport './side.ts'`.matchAll(IMPORT)].map((m) => m[1])
  t.same(imports, ['../api/x.ts', '#protocol/y.ts', './z.ts', './side.ts'])
})
