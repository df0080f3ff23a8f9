import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherFacts } from '../../../src/facts/gather.ts';
import { localTransport } from '../../fakes/local-transport.ts';

// Sysctls and units are answered by one process each (script-batch.ts); the facts must be what
// reading each one on its own gives.
let dir: string;
const savedPath = process.env['PATH'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nw-batch-'));
  // systemctl show with several units: one block each, in argument order, blank-line separated.
  const fake = [
    '#!/bin/sh',
    'shift 3; [ "$1" = -- ] && shift',
    'first=1',
    'for u in "$@"; do',
    '  [ -n "$first" ] || echo',
    '  first=',
    '  case $u in',
    '    kubelet.service) printf "Id=kubelet.service\\nLoadState=loaded\\nActiveState=active\\nSubState=running\\nUnitFileState=enabled\\nMainPID=42\\nNRestarts=3\\n" ;;',
    '    *) printf "Id=%s\\nLoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=\\nMainPID=0\\nNRestarts=0\\n" "$u" ;;',
    '  esac',
    'done',
  ].join('\n');
  await writeFile(join(dir, 'systemctl'), fake + '\n');
  await chmod(join(dir, 'systemctl'), 0o755);
  await mkdir(join(dir, 'silent'));
  await writeFile(join(dir, 'silent', 'systemctl'), '#!/bin/sh\nexit 1\n');
  await chmod(join(dir, 'silent', 'systemctl'), 0o755);
  process.env['PATH'] = `${dir}:${savedPath ?? '/usr/bin:/bin'}`;
});

afterAll(async () => {
  process.env['PATH'] = savedPath;
  await rm(dir, { recursive: true, force: true });
});

const live = (key: string): string | null => {
  try {
    return readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return null;
  }
};

describe('batched facts', () => {
  it('reads every sysctl as a read of its own would, unreadable and unknown keys as null', async () => {
    const keys = ['kernel.ostype', 'net.ipv4.tcp_rmem', 'net.ipv4.ip_local_port_range', 'no.such.key', 'net.ipv6.conf.all.stable_secret', 'vm.swappiness'];
    const transport = localTransport();
    const facts = await gatherFacts(transport, keys.map((key) => ({ kind: 'sysctl' as const, key })));
    expect(transport.scripts).toHaveLength(1);
    for (const key of keys) expect(facts.sysctls.get(key), key).toBe(live(key));
    expect(facts.sysctls.get('no.such.key')).toBeNull();
    expect(facts.sysctls.get('net.ipv6.conf.all.stable_secret')).toBeNull();
  });

  it('reads several units with one systemctl, each block to its own request', async () => {
    const facts = await gatherFacts(localTransport(), [
      { kind: 'unit', name: 'kubelet' },
      { kind: 'unit', name: 'nosuch' },
      { kind: 'unit', name: 'kubelet.service' },
    ]);
    expect(facts.units.get('kubelet')).toMatchObject({ name: 'kubelet.service', loadState: 'loaded', activeState: 'active', mainPid: 42, nRestarts: 3 });
    expect(facts.units.get('kubelet.service')).toEqual(facts.units.get('kubelet'));
    expect(facts.units.get('nosuch')).toMatchObject({ name: 'nosuch.service', loadState: 'not-found', activeState: 'inactive' });
  });

  it('reports units as unknown when systemctl prints nothing', async () => {
    process.env['PATH'] = `${join(dir, 'silent')}:${savedPath ?? '/usr/bin:/bin'}`;
    try {
      const facts = await gatherFacts(localTransport(), [{ kind: 'unit', name: 'a' }, { kind: 'unit', name: 'b' }]);
      expect(facts.units.get('a')).toMatchObject({ loadState: 'unknown', activeState: 'unknown' });
      expect(facts.units.get('b')).toMatchObject({ loadState: 'unknown', activeState: 'unknown' });
    } finally {
      process.env['PATH'] = `${dir}:${savedPath ?? '/usr/bin:/bin'}`;
    }
  });
});
