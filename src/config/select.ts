import { UsageError } from '../util/errors.ts';
import type { HostSpec, Inventory } from './types.ts';
import { globToRegExp, isGlob } from './glob.ts';
import { matchesRequirement, parseRequirement, splitRequirements } from './label-selector.ts';
import { didYouMean } from './suggest.ts';

/**
 * `--limit` host selection. Patterns (comma-separated or repeated): `node-1`, `node-[1-3]`,
 * `node-*`, `pool=infra`, `@canary` (or bare `canary` when no node has that name); a leading
 * `!` excludes. Label selectors as kubectl takes them work too: `key` (has the label), `!key`,
 * `key!=value`, `key in (a,b)`, `key notin (a,b)`. Patterns add up (Ansible-style), then the
 * excluded are taken away. A pattern that matches nothing is an error naming it. Inventory order is kept.
 */
export function selectHosts(inventory: Inventory, patterns: readonly string[]): HostSpec[] {
  const terms = patterns.flatMap((p) => splitRequirements(p)).map((t) => t.trim()).filter((t) => t !== '');
  if (terms.length === 0) {
    if (patterns.length > 0) throw new UsageError('--limit: empty pattern');
    return [...inventory.nodes];
  }
  const problems: string[] = [];
  const included = new Set<string>();
  const excluded = new Set<string>();
  let anyInclude = false;
  for (const term of terms) {
    const exclude = term.startsWith('!');
    const body = exclude ? term.slice(1).trim() : term;
    const matched = matchPattern(inventory.nodes, body);
    if (typeof matched === 'string') {
      problems.push(`--limit '${term}': ${matched}`);
      continue;
    }
    if (exclude) for (const name of matched) excluded.add(name);
    else {
      anyInclude = true;
      for (const name of matched) included.add(name);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const selected = inventory.nodes.filter((h) => (!anyInclude || included.has(h.name)) && !excluded.has(h.name));
  if (selected.length === 0) throw new UsageError(`--limit '${terms.join(',')}' leaves no node selected`);
  return selected;
}

/** The names matched, or why the pattern is wrong. */
export function matchPattern(hosts: readonly HostSpec[], pattern: string): string[] | string {
  if (pattern === '') return 'empty pattern';
  const names = hosts.map((h) => h.name);
  const groups = [...new Set(hosts.flatMap((h) => h.groups))];
  const inGroup = (group: string): string[] => hosts.filter((h) => h.groups.includes(group)).map((h) => h.name);

  if (pattern.startsWith('@')) {
    const group = pattern.slice(1);
    const members = inGroup(group);
    return members.length > 0 ? members : `no group '${group}' with members${didYouMean(group, groups)}`;
  }
  if (/\s(not)?in\s*\(/.test(pattern) || pattern.includes('!=')) {
    const req = parseRequirement(pattern);
    if (typeof req === 'string') return req;
    const members = hosts.filter((h) => matchesRequirement(req, h.labels)).map((h) => h.name);
    return members.length > 0 ? members : `matches no node${knownValues(hosts, req.key)}`;
  }
  const eq = pattern.indexOf('=');
  if (eq !== -1) {
    const key = pattern.slice(0, eq).trim();
    const value = pattern.slice(eq + 1).trim();
    const regex = isGlob(value) ? globToRegExp(value) : undefined;
    if (isGlob(value) && regex === undefined) return `invalid glob '${value}'`;
    const members = hosts.filter((h) => {
      const label = h.labels[key];
      return label !== undefined && (regex === undefined ? label === value : regex.test(label));
    });
    if (members.length > 0) return members.map((h) => h.name);
    const keys = [...new Set(hosts.flatMap((h) => Object.keys(h.labels)))];
    const values = [...new Set(hosts.flatMap((h) => (h.labels[key] === undefined ? [] : [h.labels[key]])))];
    if (values.length === 0) return `no node has the label '${key}'${didYouMean(key, keys)}`;
    return `no node has ${key}=${value}${didYouMean(value, values)} (values: ${values.join(', ')})`;
  }
  if (isGlob(pattern)) {
    const regex = globToRegExp(pattern);
    if (regex === undefined) return `invalid glob '${pattern}'`;
    const members = names.filter((n) => regex.test(n));
    return members.length > 0 ? members : 'matches no node';
  }
  if (names.includes(pattern)) return [pattern];
  const members = inGroup(pattern);
  if (members.length > 0) return members;
  // a label key alone: the nodes that have it (`!key` excludes them), as in kubectl's -l
  const keys = [...new Set(hosts.flatMap((h) => Object.keys(h.labels)))];
  if (keys.includes(pattern)) return hosts.filter((h) => Object.hasOwn(h.labels, pattern)).map((h) => h.name);
  return `no node or group named '${pattern}'${didYouMean(pattern, [...names, ...groups]) || didYouMean(pattern, keys)}`;
}

function knownValues(hosts: readonly HostSpec[], key: string): string {
  const values = [...new Set(hosts.flatMap((h) => (h.labels[key] === undefined ? [] : [h.labels[key]])))];
  return values.length === 0 ? ` (no node has the label '${key}')` : ` (${key} values: ${values.join(', ')})`;
}
