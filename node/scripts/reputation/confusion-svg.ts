import type { Confusion } from './metrics.ts'

const esc = (s: string): string => s.replace(/[<>&"]/g, c => `&#${c.charCodeAt(0)};`)

/** A confusion-matrix heat map as a standalone SVG: rows true, columns predicted, shade = row share. */
export function confusionSvg (m: Confusion, title: string): string {
  const cell = 64
  const left = 110
  const top = 90
  const n = m.classes.length
  const width = left + n * cell + 20
  const height = top + n * cell + 50
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left + n * cell / 2}" y="${top - 42}" text-anchor="middle">predicted</text>`,
    `<text x="14" y="${top + n * cell / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + n * cell / 2})">true</text>`
  ]
  m.classes.forEach((c, j) => {
    out.push(`<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(c)}</text>`)
    out.push(`<text x="${left - 8}" y="${top + j * cell + cell / 2 + 4}" text-anchor="end">${esc(c)}</text>`)
  })
  m.matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0)
    row.forEach((v, j) => {
      const share = total === 0 ? 0 : v / total
      const shade = Math.round(255 - share * 200)
      const x = left + j * cell
      const y = top + i * cell
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#999"/>`)
      out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 - 2}" text-anchor="middle" fill="${share > 0.6 ? '#fff' : '#000'}">${v}</text>`)
      out.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 14}" text-anchor="middle" font-size="10" fill="${share > 0.6 ? '#fff' : '#333'}">${(share * 100).toFixed(1)}%</text>`)
    })
  })
  out.push(`<text x="${left}" y="${height - 16}" font-size="10" fill="#555">cells: count and share of the true class (row)</text>`, '</svg>', '')
  return out.join('\n')
}
