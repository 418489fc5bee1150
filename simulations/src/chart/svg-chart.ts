import type { Figure } from './figure.ts'

const W = 640
const H = 400
const M = { left: 70, right: 150, top: 40, bottom: 55 }
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']

function esc (s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

/** Fixed-precision numbers: the SVG's bytes must not depend on float printing. */
function fmt (x: number): string {
  return (Math.round(x * 10) / 10).toFixed(1)
}

function tickLabel (v: number): string {
  if (Math.abs(v) >= 10_000) return `${Math.round(v / 1000)}k`
  if (Math.abs(v) >= 100) return String(Math.round(v))
  return String(Math.round(v * 100) / 100)
}

/** About five round steps over [lo, hi]. */
function ticks (lo: number, hi: number): number[] {
  const span = hi - lo || 1
  const raw = span / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(k => k * mag).find(s => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step)
  return out
}

interface Scale { to: (v: number) => number, ticks: number[] }

function xScale (f: Figure, xs: number[]): Scale {
  const plotW = W - M.left - M.right
  if (f.logX === true) {
    const lo = Math.log10(Math.min(...xs))
    const hi = Math.log10(Math.max(...xs))
    const span = hi - lo || 1
    return { to: v => M.left + ((Math.log10(v) - lo) / span) * plotW, ticks: [...new Set(xs)].toSorted((a, b) => a - b) }
  }
  const lo = Math.min(...xs)
  const hi = Math.max(...xs)
  const span = hi - lo || 1
  return { to: v => M.left + ((v - lo) / span) * plotW, ticks: ticks(lo, hi) }
}

/**
 * A line chart as SVG text: axes with ticks and labels, one line per series with its markers, an
 * optional shaded band per series and a dashed threshold line. The project's own small writer: no
 * browser or plotting library is needed to draw the results.
 */
export function lineChartSvg (f: Figure): string {
  const xs = f.series.flatMap(s => s.points.map(p => p[0]))
  const ys = f.series.flatMap(s => [...s.points.map(p => p[1]), ...(s.band ?? []).flatMap(b => [b[1], b[2]])]).filter(Number.isFinite)
  if (f.threshold !== undefined) ys.push(f.threshold.y)
  const yLo = Math.min(0, ...ys)
  const yHi = Math.max(...ys) * 1.05 || 1
  const plotH = H - M.top - M.bottom
  const x = xScale(f, xs)
  const y = (v: number): number => M.top + plotH - ((v - yLo) / (yHi - yLo)) * plotH
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(f.title)}</text>`)
  const x0 = M.left
  const x1 = W - M.right
  const yBottom = M.top + plotH
  for (const t of ticks(yLo, yHi)) {
    out.push(`<line x1="${x0}" x2="${x1}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="#eee"/>`)
    out.push(`<text x="${x0 - 6}" y="${fmt(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`)
  }
  for (const t of x.ticks) {
    out.push(`<line x1="${fmt(x.to(t))}" x2="${fmt(x.to(t))}" y1="${yBottom}" y2="${yBottom + 5}" stroke="black"/>`)
    out.push(`<text x="${fmt(x.to(t))}" y="${yBottom + 18}" text-anchor="middle">${tickLabel(t)}</text>`)
  }
  out.push(`<line x1="${x0}" x2="${x1}" y1="${yBottom}" y2="${yBottom}" stroke="black"/>`)
  out.push(`<line x1="${x0}" x2="${x0}" y1="${M.top}" y2="${yBottom}" stroke="black"/>`)
  out.push(`<text x="${(x0 + x1) / 2}" y="${H - 12}" text-anchor="middle">${esc(f.xLabel)}</text>`)
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(f.yLabel)}</text>`)
  f.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string
    if (s.band !== undefined && s.band.length > 0) {
      const upper = s.band.map(b => `${fmt(x.to(b[0]))},${fmt(y(b[2]))}`)
      const lower = s.band.toReversed().map(b => `${fmt(x.to(b[0]))},${fmt(y(b[1]))}`)
      out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`)
    }
    const pts = s.points.filter(p => Number.isFinite(p[1]))
    out.push(`<polyline points="${pts.map(p => `${fmt(x.to(p[0]))},${fmt(y(p[1]))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`)
    for (const p of pts) out.push(`<circle cx="${fmt(x.to(p[0]))}" cy="${fmt(y(p[1]))}" r="3" fill="${colour}"/>`)
    const ly = M.top + 10 + i * 18
    out.push(`<line x1="${x1 + 12}" x2="${x1 + 32}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`)
    out.push(`<text x="${x1 + 36}" y="${ly + 4}">${esc(s.name)}</text>`)
  })
  if (f.threshold !== undefined) {
    const ty = fmt(y(f.threshold.y))
    out.push(`<line x1="${x0}" x2="${x1}" y1="${ty}" y2="${ty}" stroke="#555" stroke-dasharray="5 4"/>`)
    out.push(`<text x="${x1 - 4}" y="${Number(ty) - 5}" text-anchor="end" fill="#555">${esc(f.threshold.label)}</text>`)
  }
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
