import type { Condition } from '../config/playbook-types.ts';
import type { FactRequest, NodeFacts } from '../facts/types.ts';
import { unitName } from '../facts/script.ts';

export function conditionRequests(condition: Condition | undefined): FactRequest[] {
  if (!condition) return [];
  if ('fileExists' in condition) return [{ kind: 'file', path: condition.fileExists, content: false, follow: true, sensitive: false }];
  if ('unitExists' in condition) return [{ kind: 'unit', name: condition.unitExists }];
  if ('osFamily' in condition) return [{ kind: 'os' }];
  if ('all' in condition) return condition.all.flatMap(conditionRequests);
  if ('any' in condition) return condition.any.flatMap(conditionRequests);
  if ('not' in condition) return conditionRequests(condition.not);
  return [];
}

/** Evaluates a `when` against the node's facts and variables; false carries the reason shown in the plan. */
export function evaluateCondition(
  condition: Condition | undefined,
  facts: NodeFacts,
  vars: Readonly<Record<string, unknown>>,
): { readonly ok: boolean; readonly reason: string } {
  if (!condition) return { ok: true, reason: '' };
  if ('fileExists' in condition) {
    const ok = facts.files.get(condition.fileExists)?.exists === true;
    return { ok, reason: `${condition.fileExists} ${ok ? 'exists' : 'does not exist'}` };
  }
  if ('unitExists' in condition) {
    const ok = facts.units.get(condition.unitExists)?.loadState === 'loaded';
    return { ok, reason: `unit ${unitName(condition.unitExists)} ${ok ? 'exists' : 'does not exist'}` };
  }
  if ('osFamily' in condition) {
    const family = facts.os?.family ?? 'other';
    return { ok: family === condition.osFamily, reason: `os family is ${family}` };
  }
  if ('var' in condition) {
    const value = vars[condition.var];
    // an empty list or map is "not set" too: a firewall with no bastion addresses stays off
    const empty = Array.isArray(value) ? value.length === 0 : value !== null && typeof value === 'object' && Object.keys(value).length === 0;
    const ok = value !== undefined && value !== null && value !== false && value !== '' && value !== 0 && !empty;
    return { ok, reason: `variable ${condition.var} is ${ok ? 'set' : 'not set'}` };
  }
  if ('all' in condition) {
    for (const part of condition.all) {
      const result = evaluateCondition(part, facts, vars);
      if (!result.ok) return result;
    }
    return { ok: true, reason: '' };
  }
  if ('any' in condition) {
    const results = condition.any.map((part) => evaluateCondition(part, facts, vars));
    return results.find((r) => r.ok) ?? { ok: false, reason: results.map((r) => r.reason).join(' and ') };
  }
  const inner = evaluateCondition(condition.not, facts, vars);
  return { ok: !inner.ok, reason: `not (${inner.reason})` };
}
