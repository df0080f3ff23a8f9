import type { ConfigIssue } from '../util/errors.ts';
import { globToRegExp, isGlob } from './glob.ts';
import { issueAt } from './issues.ts';
import { asMap, asSeq, childAt, pairOf, pathLabel, stringAt } from './source-tree.ts';
import type { TreeNode } from './source-tree.ts';
import { didYouMean } from './suggest.ts';

/**
 * Inventory checks that span several places (what a per-value schema cannot see). They run on
 * the raw tree, alongside the schema, so that one run reports every problem.
 */
export function crossCheckInventory(root: TreeNode, options: { readonly sshConfig?: boolean } = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // an ssh config gives a node its address and user (as `ssh -G NAME` does), so neither is required then
  const viaSsh = options.sshConfig === true || childAt(childAt(root, 'ssh'), 'config') !== undefined;
  const nodes = asSeq(childAt(root, 'nodes'))?.items ?? [];
  const groupsMap = asMap(childAt(root, 'groups'));
  const groupNames = groupsMap?.pairs.map((p) => p.key) ?? [];
  const defaultsUser = childAt(childAt(root, 'defaults'), 'user');

  const firstByName = new Map<string, number>();
  const fromCluster = nodes.some((node) => childAt(node, 'fromKubernetes') !== undefined);
  nodes.forEach((node, i) => {
    if (childAt(node, 'fromKubernetes') !== undefined) {
      // an ssh config (`ssh:`) may give the user per host instead
      if (defaultsUser === undefined && !viaSsh) issues.push(issueAt(node.pos, `nodes[${i}]: the nodes fromKubernetes finds need a user: set defaults.user`));
      return;
    }
    const name = stringAt(node, 'name');
    if (name !== undefined) {
      const first = firstByName.get(name.value);
      if (first === undefined) firstByName.set(name.value, name.node.pos.line);
      else issues.push(issueAt(name.node.pos, `nodes[${i}].name: duplicate node name '${name.value}' (first defined on line ${first})`));
    }
    const map = asMap(node);
    // beside a source, an entry may amend a discovered node: its user can come from defaults still
    if (map !== undefined && !viaSsh && pairOf(map, 'user') === undefined && defaultsUser === undefined && !fromCluster) {
      issues.push(issueAt(map.pos, `nodes[${i}]: missing required key 'user' (or set defaults.user)`));
    }
    // beside a source, an entry naming a discovered node needs no address: it amends that node
    if (map !== undefined && !viaSsh && !fromCluster && pairOf(map, 'address') === undefined) {
      issues.push(issueAt(map.pos, `nodes[${i}]: missing required key 'address' (or name an ssh config: ssh: { config: ~/.ssh/config })`));
    }
    asSeq(childAt(node, 'groups'))?.items.forEach((ref, j) => {
      if (ref.type === 'scalar' && typeof ref.value === 'string' && !groupNames.includes(ref.value)) {
        const hint = didYouMean(ref.value, groupNames);
        issues.push(issueAt(ref.pos, `nodes[${i}].groups[${j}]: unknown group '${ref.value}'${hint || ' (declare it under groups:)'}`));
      }
    });
  });

  const bastion = asMap(childAt(root, 'bastion'));
  if (bastion !== undefined && !viaSsh && pairOf(bastion, 'user') === undefined && defaultsUser === undefined) {
    issues.push(issueAt(bastion.pos, `bastion: missing required key 'user' (or set defaults.user)`));
  }

  const nodeNames = [...firstByName.keys()];
  for (const group of groupsMap?.pairs ?? []) {
    asSeq(childAt(group.value, 'nodes'))?.items.forEach((pattern, j) => {
      if (pattern.type !== 'scalar' || typeof pattern.value !== 'string' || pattern.value === '') return;
      const text = pattern.value;
      const where = `${pathLabel(['groups', group.key, 'nodes', j])}: `;
      if (isGlob(text)) {
        if (globToRegExp(text) === undefined) issues.push(issueAt(pattern.pos, `${where}invalid glob '${text}'`));
      } else if (!firstByName.has(text) && !fromCluster) {
        // with fromKubernetes the names are known only once the cluster answers
        issues.push(issueAt(pattern.pos, `${where}no node named '${text}'${didYouMean(text, nodeNames)}`));
      }
    });
  }
  return issues;
}
