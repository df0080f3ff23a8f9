import type { ConfigIssue } from '../util/errors.ts';
import type { Playbook } from './playbook-types.ts';
import type { HostSpec } from './types.ts';
import { hostVariableSource, instantiateWith } from './instantiate.ts';
import { configError, issueAt } from './issues.ts';
import type { LoadedPlaybook } from './loaded-playbook.ts';

/**
 * Instantiates every playbook for every selected host before any node is contacted. Returns
 * the playbooks per host name, or throws one ConfigError with every issue; an issue that
 * several hosts share is reported once, naming the hosts.
 */
export function validatePlaybooksForHosts(
  playbooks: readonly LoadedPlaybook[],
  hosts: readonly HostSpec[],
): ReadonlyMap<string, readonly Playbook[]> {
  const issues: ConfigIssue[] = [];
  const firstByName = new Map<string, LoadedPlaybook>();
  for (const playbook of playbooks) {
    const first = firstByName.get(playbook.name);
    if (first === undefined) firstByName.set(playbook.name, playbook);
    else if (first.file !== playbook.file) {
      issues.push(issueAt(playbook.namePos, `duplicate playbook name '${playbook.name}' (also ${first.file}); entry ids would collide`));
    }
  }
  const unique = playbooks.filter((p) => firstByName.get(p.name) === p);

  const hostsByIssue = new Map<string, { issue: ConfigIssue; hosts: string[] }>();
  const result = new Map<string, Playbook[]>();
  for (const host of hosts) {
    const instantiated: Playbook[] = [];
    for (const playbook of unique) {
      const outcome = instantiateWith(playbook, hostVariableSource(playbook, host));
      if (outcome.playbook !== undefined) instantiated.push(outcome.playbook);
      for (const finding of outcome.findings) {
        const issue = issueAt(finding.pos, finding.message);
        const key = `${issue.file}\0${issue.line}\0${issue.column}\0${issue.message}`;
        const seen = hostsByIssue.get(key) ?? { issue, hosts: [] };
        if (finding.hostSpecific) seen.hosts.push(host.name);
        hostsByIssue.set(key, seen);
      }
    }
    result.set(host.name, instantiated);
  }
  for (const { issue, hosts: names } of hostsByIssue.values()) {
    issues.push(names.length === 0 ? issue : { ...issue, message: `${issue.message} — on ${hostList(names)}` });
  }
  if (issues.length > 0) throw configError(issues);
  return result;
}

/** `node-1`, `node-1 and node-2`, `node-1, node-2, node-3 and 7 more`. */
export function hostList(names: readonly string[]): string {
  if (names.length === 1) return names[0] ?? '';
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}
