/**
 * A CART decision tree as the shipped model holds it, and its prediction. The fitting (Gini
 * impurity, the splits, the depth cap) is offline training: node/scripts/reputation/cart-fit.ts.
 */
export type TreeNode =
  | { leaf: true, label: string, counts: Record<string, number> }
  | { leaf: false, feature: number, threshold: number, left: TreeNode, right: TreeNode }

export function predictTree (node: TreeNode, row: readonly number[]): { label: string, counts: Record<string, number> } {
  let cur = node
  while (!cur.leaf) cur = (row[cur.feature] ?? 0) <= cur.threshold ? cur.left : cur.right
  return { label: cur.label, counts: cur.counts }
}
