import { unitName } from '../facts/script.ts';
import { markers } from '../node/markers.ts';
import { lines, sh, type Script } from '../node/sh.ts';

/**
 * The health gate's one exec per poll, and what it answers. It lives with the gate (health/), which
 * apply and rollout both use, so neither of them owns what the other reads.
 */
export interface ProbeRequest {
  readonly units: readonly string[];
  /** http://127.0.0.1:10248/healthz, or undefined when healthz is off. */
  readonly healthzUrl: string | undefined;
}

/** One exec per poll: unit states, node clock, and the kubelet's /healthz fetched on the node. */
export function probeScript(request: ProbeRequest): Script {
  const parts = request.units.map((u) => sh`systemctl show -p Id,ActiveState,SubState,NRestarts,Result -- ${unitName(u)} 2>/dev/null; echo`);
  parts.push(sh`printf 'NW_NOW %s\\n' "$(date +%s)"`);
  if (request.healthzUrl) {
    const url = request.healthzUrl;
    parts.push(
      sh`if command -v curl >/dev/null 2>&1; then h=$(curl -fsS -m 3 ${url} 2>&1)`,
      sh`elif command -v wget >/dev/null 2>&1; then h=$(wget -qO- -T 3 ${url} 2>&1)`,
      sh`elif command -v python3 >/dev/null 2>&1; then h=$(python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())' ${url} 2>&1 | tail -n 1)`,
      sh`else h='no http client (curl, wget or python3) on the node'; fi`,
      sh`printf 'NW_HEALTHZ %s\\n' "$(printf '%s' "$h" | head -c 200 | tr '\\n' ' ')"`,
    );
  }
  parts.push(sh`exit 0`, sh``);
  return lines(parts);
}

export interface UnitState {
  readonly activeState: string;
  readonly subState: string;
  readonly nRestarts: number;
  readonly result: string;
}

export interface Probe {
  readonly units: ReadonlyMap<string, UnitState>;
  readonly now: number;
  readonly healthz: string | undefined;
}

export function parseProbe(stdout: Buffer): Probe {
  const text = stdout.toString();
  const units = new Map<string, UnitState>();
  for (const block of text.split(/\n\s*\n/)) {
    const props = new Map(block.split('\n').flatMap((line) => (line.includes('=') && !line.startsWith('NW_') ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]] : [])));
    const id = props.get('Id');
    if (!id) continue;
    units.set(id, {
      activeState: props.get('ActiveState') ?? 'unknown',
      subState: props.get('SubState') ?? '',
      nRestarts: Number(props.get('NRestarts')) || 0,
      result: props.get('Result') ?? '',
    });
  }
  const found = markers(stdout);
  return {
    units,
    now: Number(found.find((m) => m.word === 'NOW')?.rest) || 0,
    healthz: found.find((m) => m.word === 'HEALTHZ')?.rest,
  };
}

