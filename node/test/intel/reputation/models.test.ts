import tap from 'tap'
import { fitKnn, predictKnn } from '../../../src/intel/reputation/knn.ts'
import { predictTree } from '../../../src/intel/reputation/cart.ts'
import { fitTree, treeSize } from '../../../scripts/reputation/cart-fit.ts'
import { stratifiedKFold, stratifiedSplit } from '../../../scripts/reputation/splits.ts'
import { accuracy, classScores, confusion, macroScores, weightedF1 } from '../../../scripts/reputation/metrics.ts'
import { seededRandom, shuffled } from '../../../scripts/reputation/random.ts'

tap.test('KNN: z-scored distance, majority of k, nearest breaks ties', async t => {
  // the second column is 1000x larger; without z-scoring it would decide alone
  const x = [[0, 0], [0.1, 1000], [0.2, 0], [1, 500], [1.1, 0], [0.9, 1000]]
  const y = ['a', 'a', 'a', 'b', 'b', 'b']
  const m = fitKnn(x, y, 3)
  t.equal(predictKnn(m, [0.05, 500]).label, 'a')
  t.equal(predictKnn(m, [1.05, 500]).label, 'b')
  t.same(predictKnn(m, [1.05, 500]).votes, { b: 3 })
  const one = fitKnn([[0], [1]], ['a', 'b'], 2)
  t.equal(predictKnn(one, [0.4]).label, 'a', '1-1 tie: the nearest neighbour\'s class')
  t.equal(predictKnn(one, [0.6]).label, 'b')
  const flat = fitKnn([[5, 1], [5, 2]], ['a', 'b'], 1)
  t.same(flat.scale[0], 1, 'a constant column does not divide by zero')
  t.throws(() => fitKnn([], [], 1), RangeError)
})

tap.test('CART (Gini): learns a rule, picks the informative feature, stops at purity', async t => {
  const random = seededRandom(7)
  const x: number[][] = []
  const y: string[] = []
  for (let i = 0; i < 200; i++) {
    const a = random()
    const noise = random()
    x.push([noise, a])
    y.push(a < 0.3 ? 'low' : a < 0.7 ? 'mid' : 'high')
  }
  const tree = fitTree(x, y)
  t.notOk(tree.leaf)
  if (!tree.leaf) t.equal(tree.feature, 1, 'the root splits on the informative column')
  t.equal(treeSize(tree), 5, 'two splits, three pure leaves')
  t.equal(predictTree(tree, [0.9, 0.1]).label, 'low')
  t.equal(predictTree(tree, [0.1, 0.5]).label, 'mid')
  t.equal(predictTree(tree, [0.5, 0.95]).label, 'high')
  t.same(fitTree(x, y), tree, 'deterministic')
  const stump = fitTree(x, y, { maxDepth: 1 })
  t.equal(treeSize(stump), 3, 'depth cap')
  const leaf = fitTree([[1], [1]], ['a', 'b'])
  t.ok(leaf.leaf, 'identical rows cannot be split')
  if (leaf.leaf) t.same(leaf.counts, { a: 1, b: 1 })
})

tap.test('stratified k-fold and 80/20 split: partitions, proportions, determinism', async t => {
  const labels = [...Array.from({ length: 50 }, () => 'a'), ...Array.from({ length: 30 }, () => 'b'), ...Array.from({ length: 7 }, () => 'c')]
  const folds = stratifiedKFold(labels, 10, 42)
  t.equal(folds.length, 10)
  t.same(folds.flat().toSorted((p, q) => p - q), labels.map((_, i) => i), 'every row in exactly one fold')
  for (const f of folds) {
    const a = f.filter(i => labels[i] === 'a').length
    const b = f.filter(i => labels[i] === 'b').length
    t.ok(a === 5 && b === 3, `each fold holds each class in proportion (${a}, ${b})`)
  }
  t.same(stratifiedKFold(labels, 10, 42), folds, 'same seed, same folds')
  t.not(JSON.stringify(stratifiedKFold(labels, 10, 43)), JSON.stringify(folds), 'another seed, other folds')
  const s = stratifiedSplit(labels, 0.2, 1)
  t.equal(s.test.filter(i => labels[i] === 'a').length, 10)
  t.equal(s.test.filter(i => labels[i] === 'b').length, 6)
  t.equal(s.test.length + s.train.length, labels.length)
  t.same(stratifiedSplit(labels, 0.2, 1), s)
  t.throws(() => stratifiedKFold(labels, 1, 0), RangeError)
  t.throws(() => stratifiedSplit(labels, 1, 0), RangeError)
  t.same(shuffled([1, 2, 3, 4], seededRandom(3)), shuffled([1, 2, 3, 4], seededRandom(3)))
})

tap.test('metrics: confusion, per-class and macro scores', async t => {
  const m = confusion(['n', 'p'], ['n', 'n', 'p', 'p', 'p'], ['n', 'p', 'p', 'p', 'n'])
  t.same(m.matrix, [[1, 1], [1, 2]])
  const p = classScores(m, 'p')
  t.equal(p.precision, 2 / 3)
  t.equal(p.recall, 2 / 3)
  t.equal(accuracy(m), 3 / 5)
  t.equal(macroScores(m).recall, (1 / 2 + 2 / 3) / 2)
  t.same(confusion(['a'], ['a', 'zz'], ['zz', 'a']).matrix, [[0]], 'unknown classes are ignored')
})

tap.test('weighted F1 weighs classes by support', async t => {
  const m = confusion(['n', 'p'], ['n', 'n', 'n', 'p'], ['n', 'n', 'n', 'n'])
  t.equal(weightedF1(m), (3 * (2 * 0.75 * 1 / 1.75) + 0) / 4)
})
