/** One chart's data, as written to results/<id>.json and drawn to results/<id>.svg. */
export interface Series {
  name: string
  points: Array<[number, number]>
  /** a shaded band around the line: [x, low, high] */
  band?: Array<[number, number, number]>
}

export interface Figure {
  id: string
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  /** a horizontal reference line (a target such as 5 s) */
  threshold?: { y: number, label: string }
  logX?: boolean
  /** what the figure shows, in a sentence or two, with its parameters */
  note: string
  /** the parameter it recommends */
  recommends: string
}
