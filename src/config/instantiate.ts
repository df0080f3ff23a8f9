import type { ResourceSpec } from '../spec/schemas.ts';
import type { SourcePosition } from '../util/errors.ts';
import type { Playbook, ResourceEntry } from './playbook-types.ts';
import type { HostSpec } from './types.ts';
import { parseCondition } from './condition.ts';
import { describeValue } from './describe.ts';
import { configError } from './issues.ts';
import type { LoadedEntry, LoadedPlaybook } from './loaded-playbook.ts';
import { hostVariables, lookupIn } from './scope.ts';
import { isTemplated } from './source-tree.ts';
import type { TreeNode } from './source-tree.ts';
import { substitute } from './substitute.ts';
import type { VarLookup } from './template.ts';
import { validateTree } from './zod-issues.ts';
import type { Finding } from './zod-issues.ts';

/** Substitutes a host's variables into a loaded playbook and validates every entry against its kind's schema. */

export interface HostFinding {
  readonly pos: SourcePosition;
  readonly message: string;
  /** True when the finding depends on the host's variables (so it names the host). */
  readonly hostSpecific: boolean;
}

export interface Instantiation {
  /** Undefined when there are findings. */
  readonly playbook: Playbook | undefined;
  readonly findings: readonly HostFinding[];
}

export interface VariableSource {
  readonly lookup: VarLookup;
  readonly known: (name: string) => boolean;
  readonly vars: Readonly<Record<string, unknown>>;
}

export function hostVariableSource(playbook: LoadedPlaybook, host: HostSpec): VariableSource {
  const variables = hostVariables(host, playbook.vars);
  const { node: _builtins, ...vars } = variables;
  return { lookup: lookupIn(variables), known: (name) => Object.hasOwn(vars, name), vars };
}

export function instantiateWith(playbook: LoadedPlaybook, variables: VariableSource): Instantiation {
  const findings: HostFinding[] = [];
  const entries: ResourceEntry[] = [];
  for (const entry of playbook.entries) {
    const result = instantiateEntry(playbook, entry, variables);
    findings.push(...result.findings);
    if (result.entry !== undefined) entries.push(result.entry);
  }
  if (findings.length > 0) return { playbook: undefined, findings };
  const instantiated: Playbook = {
    name: playbook.name,
    description: playbook.description,
    file: playbook.file,
    entries,
    vars: variables.vars,
  };
  return { playbook: instantiated, findings };
}

/** The playbook for one host; throws ConfigError naming the host for anything its variables break. */
export function instantiatePlaybook(playbook: LoadedPlaybook, host: HostSpec): Playbook {
  const result = instantiateWith(playbook, hostVariableSource(playbook, host));
  if (result.playbook === undefined) {
    throw configError(result.findings.map((f) => ({ ...f.pos, message: f.hostSpecific ? `${f.message} — on ${host.name}` : f.message })));
  }
  return result.playbook;
}

function instantiateEntry(
  playbook: LoadedPlaybook,
  entry: LoadedEntry,
  variables: VariableSource,
): { readonly entry: ResourceEntry | undefined; readonly findings: readonly HostFinding[] } {
  const findings: HostFinding[] = [];
  const report = (list: readonly Finding[], failed: ReadonlySet<TreeNode>): void => {
    for (const finding of list) {
      if (finding.node !== undefined && failed.has(finding.node)) continue;
      const via = finding.node === undefined ? undefined : viaOf(finding.node);
      findings.push({
        pos: finding.pos,
        message: via === undefined || via === '' ? finding.message : `${finding.message} (${via})`,
        hostSpecific: finding.node !== undefined && isTemplated(finding.node),
      });
    }
  };

  let note: string | undefined;
  if (entry.note !== undefined) {
    const substituted = substitute(entry.note, variables.lookup, ['note']);
    findings.push(...substituted.problems);
    const value = substituted.node.type === 'scalar' || substituted.node.type === 'value' ? substituted.node.value : undefined;
    if (typeof value === 'string' || typeof value === 'number') note = String(value);
    else if (!substituted.failed.has(substituted.node)) {
      const message = `note: must be a string, not ${describeValue(value ?? (substituted.node.type === 'seq' ? [] : {}))}`;
      report([{ pos: substituted.node.pos, node: substituted.node, message }], substituted.failed);
    }
  }

  let when: ResourceEntry['when'];
  if (entry.when !== undefined) {
    const substituted = substitute(entry.when, variables.lookup, ['when']);
    findings.push(...substituted.problems);
    const parsed = parseCondition(substituted.node, ['when']);
    report(parsed.findings, substituted.failed);
    for (const ref of parsed.varRefs) {
      if (!variables.known(ref.name)) {
        findings.push({ pos: ref.pos, message: `${ref.label}: unknown variable '${ref.name}'`, hostSpecific: true });
      }
    }
    when = parsed.condition;
  }

  const schema = playbook.schemas[entry.kind];
  const body = substitute(entry.body, variables.lookup, [entry.kind]);
  findings.push(...body.problems);
  let resource: ResourceSpec | undefined;
  if (schema !== undefined) {
    const validation = validateTree(schema, body.node, [entry.kind]);
    if (validation.ok) resource = { kind: entry.kind, spec: validation.data } as ResourceSpec;
    else report(validation.findings, body.failed);
  }

  if (findings.length > 0 || resource === undefined) return { entry: undefined, findings };
  return {
    entry: { id: entry.id, name: entry.name, checks: entry.checks, note, when, resource, source: entry.source },
    findings,
  };
}

function viaOf(node: TreeNode): string | undefined {
  return node.type === 'scalar' || node.type === 'value' ? node.via : undefined;
}
