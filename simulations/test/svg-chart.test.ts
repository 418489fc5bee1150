import tap from 'tap'
import { lineChartSvg } from '../src/chart/svg-chart.ts'
import type { Figure } from '../src/chart/figure.ts'

const figure: Figure = {
  id: 'x',
  title: 'A <title> & more',
  xLabel: 'n',
  yLabel: 'ms',
  series: [
    { name: 'a', points: [[1, 2], [2, 4], [3, 3]], band: [[1, 1, 3], [2, 3, 5], [3, 2, 4]] },
    { name: 'b', points: [[1, 1], [2, Number.NaN], [3, 5]] }
  ],
  threshold: { y: 4.5, label: 'target' },
  note: '',
  recommends: ''
}

tap.test('one line per series, bands, threshold, escaped text, same bytes each time', async (t) => {
  const svg = lineChartSvg(figure)
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  t.equal(svg.match(/<polyline /g)?.length, 2)
  t.equal(svg.match(/<polygon /g)?.length, 1)
  t.match(svg, /stroke-dasharray/)
  t.match(svg, /A &lt;title&gt; &amp; more/)
  t.notMatch(svg, /NaN/, 'a missing point is left out, not drawn at NaN')
  t.equal(svg, lineChartSvg(figure))
})
