import type { DrainStep, SoakEvent, WaveInfo } from '../apply/types.ts';
import type { HostSpec } from '../config/types.ts';

export function waveLabel(wave: Pick<WaveInfo, 'canary' | 'index' | 'total'>): string {
  return wave.canary ? 'canary' : `wave ${wave.index}/${wave.total}`;
}

function names(hosts: readonly HostSpec[], max = 8): string {
  const shown = hosts.slice(0, max).map((h) => h.name);
  return hosts.length > max ? `${shown.join(', ')} and ${hosts.length - max} more` : shown.join(', ');
}

/** "wave 2/3: node-6 … (5 nodes; 10/10 once done)". Pure. */
export function describeWave(wave: WaveInfo): string {
  const after = wave.doneBefore + wave.hosts.length;
  return `${waveLabel(wave)}: ${names(wave.hosts)} (${wave.hosts.length} node${wave.hosts.length === 1 ? '' : 's'}; ${after}/${wave.fleet} once done)`;
}

export function describeSoak(event: SoakEvent): string {
  switch (event.kind) {
    case 'start':
      return `soak: holding ${event.seconds}s, watching ${names(event.hosts)}`;
    case 'check':
      return `soak: ${event.healthy}/${event.total} healthy, ${Math.ceil(event.remainingMs / 1000)}s left`;
    case 'unhealthy':
      return `soak: ${event.host.name} UNHEALTHY: ${event.reason}; rolling it back and stopping the line`;
    case 'end':
      return event.ok ? 'soak: done, every node healthy' : 'soak: ended early';
  }
}

const DRAIN_TITLE: Record<DrainStep, string> = {
  cordon: 'cordoning',
  evict: 'evicting',
  wait: 'waiting for',
  blocked: 'eviction blocked:',
  uncordon: 'uncordoned',
  'keep-cordoned': 'left cordoned:',
  recover: 'restoring a cordon:',
};

export function describeDrain(step: DrainStep, detail: string | undefined): string {
  return `${DRAIN_TITLE[step]}${detail ? ` ${detail}` : ''}`;
}

/** The wave plan shown before the confirmation; with `by`, under a heading per failure domain. Pure. */
export function renderWavePlan(
  waves: readonly WaveInfo[],
  options: { readonly reason: string; readonly soakSeconds: number; readonly drain: boolean; readonly by?: string | undefined; readonly maxUnavailable?: number | undefined },
): string {
  const by = options.by;
  const lines = [`Rollout (reason: ${options.reason})${by ? `, waves by ${by}` : ''}:`];
  let domain: string | null = null;
  for (const wave of waves) {
    if (by === undefined) {
      lines.push(`  ${describeWave(wave)}`);
      continue;
    }
    const value = wave.hosts[0]?.labels[by];
    const heading = value === undefined ? `without ${by}` : `${by}=${value}`;
    if (heading !== domain) lines.push(`  ${heading}`);
    domain = heading;
    lines.push(`    ${describeWave(wave)}`);
  }
  const extras = [
    options.soakSeconds > 0 ? `each wave but the last soaks ${options.soakSeconds}s` : 'no soak between waves',
    options.drain ? 'nodes are drained around their change' : 'no drain',
    ...(options.maxUnavailable !== undefined ? [`at most ${options.maxUnavailable} node(s) cordoned or restarting at once`] : []),
  ];
  lines.push(`  ${extras.join('; ')}`);
  return lines.join('\n') + '\n';
}
