import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseProbe, probeScript } from '../../../src/health/probe.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// The gate's waiting probe on the local sh, with systemctl and curl stand-ins that answer from
// files the test changes while the probe waits: it must answer as soon as there is something to
// judge, and not before.
let dir: string;
const PATH = process.env['PATH'];
const URL = 'http://127.0.0.1:10248/healthz';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-probe-'));
  await mkdir(join(dir, 'bin'));
  // one block per unit asked, as systemctl show prints them; a unit's state and restarts from files
  await writeFile(
    join(dir, 'bin', 'systemctl'),
    `#!/bin/sh
while [ "$1" != -- ]; do shift; done; shift
first=1
for u in "$@"; do
  n=\${u%.service}
  [ "$first" = 1 ] || echo
  first=0
  printf 'Id=%s\\nActiveState=%s\\nSubState=running\\nNRestarts=%s\\nResult=success\\n' "$u" "$(cat "${'$'}NWT/$n.state" 2>/dev/null || echo active)" "$(cat "${'$'}NWT/$n.restarts" 2>/dev/null || echo 0)"
done
echo x >> "${'$'}NWT/systemctl.calls"
`,
  );
  await writeFile(join(dir, 'bin', 'curl'), `#!/bin/sh\necho x >> "${'$'}NWT/curl.calls"\nif [ -f "${'$'}NWT/healthy" ]; then printf ok; else echo 'curl: (7) Failed to connect' >&2; exit 7; fi\n`);
  await chmod(join(dir, 'bin', 'systemctl'), 0o755);
  await chmod(join(dir, 'bin', 'curl'), 0o755);
  process.env['PATH'] = `${join(dir, 'bin')}:${PATH ?? ''}`;
});

afterAll(async () => {
  process.env['PATH'] = PATH;
  await rm(dir, { recursive: true, force: true });
});

let state: string;
beforeEach(async () => {
  state = await mkdtemp(join(dir, 'state-'));
  process.env['NWT'] = state;
});

async function probe(wait: { seconds: number; kubeletRestartsAtMost?: number } | undefined, { healthzUrl = URL as string | undefined, units = ['kubelet'] } = {}) {
  const started = Date.now();
  const result = await localTransport().exec(probeScript({ units, healthzUrl: healthzUrl || undefined, wait }), { timeoutMs: 60_000 });
  return { probe: parseProbe(result.stdout), seconds: (Date.now() - started) / 1000 };
}

describe('the waiting probe (local sh)', () => {
  it('answers as soon as /healthz is ok and the units active, long before its wait is over', async () => {
    setTimeout(() => void writeFile(join(state, 'healthy'), ''), 700);
    const { probe: p, seconds } = await probe({ seconds: 20 });
    expect(p.healthz).toBe('ok');
    expect(p.units.get('kubelet.service')?.activeState).toBe('active');
    expect(p.now).toBeGreaterThan(0);
    expect(seconds).toBeGreaterThanOrEqual(0.6);
    expect(seconds).toBeLessThan(10);
  });

  it('answers a failed unit within about a second, whatever /healthz says', async () => {
    setTimeout(() => void writeFile(join(state, 'kubelet.state'), 'failed\n'), 300);
    const { probe: p, seconds } = await probe({ seconds: 20 });
    expect(p.units.get('kubelet.service')?.activeState).toBe('failed');
    expect(seconds).toBeLessThan(10);
  });

  it('answers a kubelet restarting again and again (a crash loop) without waiting for the end', async () => {
    await writeFile(join(state, 'kubelet.restarts'), '7\n');
    const { probe: p, seconds } = await probe({ seconds: 20, kubeletRestartsAtMost: 7 });
    expect(p.units.get('kubelet.service')?.nRestarts).toBe(7);
    expect(seconds).toBeLessThan(10);
  });

  it('waits while the units are active but /healthz is not ok yet, and answers what it saw when the wait is over', async () => {
    const { probe: p, seconds } = await probe({ seconds: 3, kubeletRestartsAtMost: 3 });
    expect(p.healthz).toMatch(/Failed to connect/);
    expect(p.units.get('kubelet.service')?.activeState).toBe('active');
    // the node's clock in whole seconds: at least 2 of the 3
    expect(seconds).toBeGreaterThanOrEqual(2);
  });

  it('for a unit alone (no /healthz) answers once every unit is active, fetching nothing', async () => {
    await writeFile(join(state, 'containerd.state'), 'activating\n');
    setTimeout(() => void writeFile(join(state, 'containerd.state'), 'active\n'), 500);
    const { probe: p, seconds } = await probe({ seconds: 20 }, { healthzUrl: '', units: ['containerd'] });
    expect(p.units.get('containerd.service')?.activeState).toBe('active');
    expect(p.healthz).toBeUndefined();
    expect(seconds).toBeLessThan(10);
    await expect(import('node:fs/promises').then((fs) => fs.readFile(join(state, 'curl.calls')))).rejects.toThrow();
  });

  it('without a wait looks once, as before', async () => {
    const { probe: p } = await probe(undefined);
    expect(p.healthz).toMatch(/Failed to connect/);
    expect(p.units.get('kubelet.service')?.activeState).toBe('active');
  });
});
