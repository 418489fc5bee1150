import { byzantineRun } from './model/byzantine.ts'
import { memberSweep } from './model/member-sweep.ts'
import { baselineFigure, churnFigure, eclipseFigure, floodFigure, partitionFigure, sybilFigure } from './model/overlay-scenarios.ts'
import { DEFAULT_PARAMS } from './model/params.ts'
import { quorumThreshold } from '#protocol/quorum.ts'
import type { Figure } from './chart/figure.ts'
import type { MemberRole } from './model/job-model.ts'

export interface ModelPlan {
  seed: number
  overlaySizes: number[]
  attackPeers: number
  messages: number
  sweepSizes: number[]
  sweepJobs: number
  byzantineMembers: number
  byzantineJobs: number
}

export const QUICK_PLAN: Omit<ModelPlan, 'seed'> = {
  overlaySizes: [1000, 2000],
  attackPeers: 1000,
  messages: 10,
  sweepSizes: [10, 25, 50, 75, 100, 125, 150],
  sweepJobs: 2,
  byzantineMembers: 31,
  byzantineJobs: 2
}

export const FULL_PLAN: Omit<ModelPlan, 'seed'> = {
  overlaySizes: [1000, 2000, 5000, 10_000],
  attackPeers: 2000,
  messages: 20,
  sweepSizes: [10, 25, 50, 75, 100, 125, 150, 175, 200, 250],
  sweepJobs: 3,
  byzantineMembers: 100,
  byzantineJobs: 2
}

function memberFigures (plan: ModelPlan): { figures: Figure[], largestUnder5s: number | null } {
  const { rows, largestUnder5s } = memberSweep(plan.sweepSizes, plan.seed, DEFAULT_PARAMS, plan.sweepJobs)
  const latency: Figure = {
    id: 'model-member-latency',
    title: 'Submission to final report against member count (model)',
    xLabel: 'members n',
    yLabel: 'ms',
    series: [
      { name: 'median', points: rows.map(r => [r.members, r.median]) },
      { name: 'p95', points: rows.map(r => [r.members, r.p95]) }
    ],
    threshold: { y: 5000, label: 'p95 target 5 s' },
    note: `Each member validates 3n signed messages per job (cpuPerMessageMs ${DEFAULT_PARAMS.cpuPerMessageMs}) and moves n attestations of 350 + 228 n bytes, so CPU and bytes grow as n and n^2; uplinks log-normal around ${DEFAULT_PARAMS.uplinkMbps} Mbit/s. Largest n with p95 under 5 s: ${largestUnder5s ?? 'none'}.`,
    recommends: `Elect at most ${largestUnder5s ?? '?'} members at today's message costs; beyond that, shorten attestations (sign a hash list) before adding members.`
  }
  const traffic: Figure = {
    id: 'model-member-traffic',
    title: 'Verdict traffic per job against member count (model)',
    xLabel: 'members n',
    yLabel: 'KiB per member per job (sent + received)',
    series: [{ name: 'bytes per member', points: rows.map(r => [r.members, Math.round(r.bytesPerMemberPerJob / 1024)]) }],
    note: `Messages per job: ${rows.map(r => `${r.messagesPerJob} at n=${r.members}`).join(', ')} (1 job + n commitments + n verdicts + n attestations; the issue's 1 + 2n leaves out attestations).`,
    recommends: 'Attestations dominate from n of about 20 on: their size, not the message count, sets the bandwidth a member needs.'
  }
  return { figures: [latency, traffic], largestUnder5s }
}

function byzantineFigure (plan: ModelPlan): { figure: Figure, rows: ReturnType<typeof byzantineRun>[] } {
  const n = plan.byzantineMembers
  const steps = [0, 1 / 6, 0.3, 1 / 3, 0.36, 0.45, 0.5, 0.55, 0.66].map(s => Math.min(n - 1, Math.round(s * n)))
  // f = 1 too: a single equivocator already matters
  const fs = [...new Set([0, 1, ...steps])].toSorted((a, b) => a - b)
  const roles: MemberRole[] = ['withhold', 'wrong', 'equivocate']
  const rows = roles.flatMap(role => fs.map(f => byzantineRun(n, f, role, plan.seed, DEFAULT_PARAMS, plan.byzantineJobs)))
  const line = (role: MemberRole, key: 'correct' | 'wrong'): Array<[number, number]> =>
    rows.filter(r => r.role === role).map(r => [Math.round((r.faulty / n) * 1000) / 1000, r[key]])
  return {
    rows,
    figure: {
      id: 'model-byzantine',
      title: `f faulty of n = ${n} members: what honest members' reports say`,
      xLabel: 'faulty share f / n',
      yLabel: 'share of honest members',
      series: [
        { name: 'withhold: correct', points: line('withhold', 'correct') },
        { name: 'wrong: correct', points: line('wrong', 'correct') },
        { name: 'wrong: wrong', points: line('wrong', 'wrong') },
        { name: 'equivocate: correct', points: line('equivocate', 'correct') }
      ],
      note: `Quorum ${quorumThreshold(n)} of ${n} (protocol quorumThreshold). Withholding past (n-1)/3 leaves no quorum: no report, never a wrong one. Wrong verdicts win the protocol's tally (aggregateEngines) only past n/2. ` +
        'Equivocators (two commitments, each to half the mesh, then the verdict opening one) cost nothing up to (n-1)/3: honest members forward the second commitment and name the one the verdict opens (SPEC 7), so their attestations agree. Before that rule a single equivocator split them and every job failed.',
      recommends: 'Keep quorumFaultDivisor 3. The members prove equivocation on chain in turns (SPEC 16), which removes the member for later jobs.'
    }
  }
}

export interface ModelResults {
  figures: Figure[]
  headline: { largestMembersP95Under5s: number | null, byzantine: ReturnType<typeof byzantineRun>[] }
}

/** Every model figure: a pure function of the plan (seeded PRNG, simulated clock). */
export function modelFigures (plan: ModelPlan, log: (line: string) => void = () => {}): ModelResults {
  const o = { seed: plan.seed, params: DEFAULT_PARAMS, sizes: plan.overlaySizes, attackPeers: plan.attackPeers, messages: plan.messages }
  const figures: Figure[] = []
  const step = (name: string, make: () => Figure): void => {
    log(`model: ${name}`)
    figures.push(make())
  }
  step('baseline', () => baselineFigure(o))
  step('sybil censorship', () => sybilFigure(o))
  step('eclipse', () => eclipseFigure(o))
  step('invalid flood', () => floodFigure(o))
  step('churn', () => churnFigure(o))
  step('partition', () => partitionFigure(o))
  log('model: member sweep')
  const members = memberFigures(plan)
  figures.push(...members.figures)
  log('model: byzantine')
  const byz = byzantineFigure(plan)
  figures.push(byz.figure)
  return { figures, headline: { largestMembersP95Under5s: members.largestUnder5s, byzantine: byz.rows } }
}
