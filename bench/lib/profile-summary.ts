import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Top self time by function and by package of the .cpuprofile `node --cpu-prof` wrote into dir. */
export function summarizeProfile(dir: string, top = 20): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return `no .cpuprofile in ${dir}\n`;
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const where = (n: ProfileNode): string => {
    const url = n.callFrame.url;
    if (url.includes('node_modules/')) return url.replace(/.*node_modules\//, '').split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/');
    if (url.startsWith('node:')) return 'node:*';
    if (url === '') return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
    return url.replace(/^file:\/\/.*?\/(dist|src)\//, '$1/');
  };
  const fn = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;
  const add = (map: Map<string, number>, key: string, us: number): void => void map.set(key, (map.get(key) ?? 0) + us);
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    total += us;
    add(byFn, fn(n), us);
    add(byPkg, where(n), us);
  }
  const lines = (map: Map<string, number>): string[] =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [`profile ${file}: ${(total / 1000).toFixed(0)} ms sampled`, '-- self time by package', ...lines(byPkg), '-- self time by function', ...lines(byFn), ''].join('\n');
}
