import { describe, expect, it } from 'vitest';
import { matchesSelector, parseSelector, splitRequirements } from '../../../src/config/label-selector.ts';

const worker = { 'node-role.kubernetes.io/worker': '', 'topology.kubernetes.io/zone': 'eu-1a', pool: 'general' };
const control = { 'node-role.kubernetes.io/control-plane': '', 'topology.kubernetes.io/zone': 'eu-1b' };
const bare = {};

function select(selector: string): string[] {
  const parsed = parseSelector(selector);
  if (!parsed.ok) throw new Error(parsed.problem);
  return Object.entries({ worker, control, bare }).filter(([, labels]) => matchesSelector(parsed.requirements, labels)).map(([name]) => name);
}

describe('label selectors (kubectl -l semantics)', () => {
  it.each([
    ['', ['worker', 'control', 'bare']],
    ['node-role.kubernetes.io/worker', ['worker']],
    ['!node-role.kubernetes.io/control-plane', ['worker', 'bare']],
    ['topology.kubernetes.io/zone=eu-1a', ['worker']],
    ['topology.kubernetes.io/zone==eu-1b', ['control']],
    // a Node without the key matches != and notin, as the API server has it
    ['topology.kubernetes.io/zone!=eu-1a', ['control', 'bare']],
    ['topology.kubernetes.io/zone in (eu-1a,eu-1b)', ['worker', 'control']],
    ['topology.kubernetes.io/zone notin (eu-1a)', ['control', 'bare']],
    ['topology.kubernetes.io/zone in (eu-1a, eu-1b),!node-role.kubernetes.io/control-plane', ['worker']],
    ['pool=general,topology.kubernetes.io/zone', ['worker']],
  ])('%j selects %j', (selector, expected) => {
    expect(select(selector)).toEqual(expected);
  });

  it.each([
    ['zone in ()', "'zone in ()': a set needs values, like (a,b)"],
    ['zone in (a', "unable to parse requirement 'zone in (a'"],
    ['Bad_Prefix/zone=a', "invalid label key 'Bad_Prefix/zone': the prefix must be a DNS subdomain"],
    ['zone=a b', "invalid label value 'a b'"],
    ['zone=a,', 'empty requirement'],
  ])('refuses %j', (selector, problem) => {
    expect(parseSelector(selector)).toEqual({ ok: false, problem });
  });

  it('splits on the commas between requirements only', () => {
    expect(splitRequirements('a in (x,y),b,!c')).toEqual(['a in (x,y)', 'b', '!c']);
  });
});
