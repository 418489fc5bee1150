// The gas benches' one output: a markdown table for the README, or --json for a list.
export interface GasRow { operation: string, gas: bigint, note: string }

export function printGasRows (rows: readonly GasRow[]): void {
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(rows.map((r) => ({ ...r, gas: Number(r.gas) })), null, 2) + '\n')
    return
  }
  const w = Math.max(...rows.map((r) => r.operation.length))
  process.stdout.write(`| ${'operation'.padEnd(w)} | gas     | note |\n| ${'-'.repeat(w)} | ------: | ---- |\n`)
  for (const r of rows) process.stdout.write(`| ${r.operation.padEnd(w)} | ${r.gas.toString().padStart(7)} | ${r.note} |\n`)
}
