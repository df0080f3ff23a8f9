import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDrift } from '../../../src/cli/commands/drift.ts';
import { parseAllDocuments } from 'yaml';
import { parseShard } from '../../../src/drift/shard.ts';

const EXAMPLES = join(import.meta.dirname, '../../../examples');
const read = (file: string): string => readFileSync(join(EXAMPLES, file), 'utf8');

/** Sections → key → values, as systemd reads a unit file (comments and blank lines skipped). */
function unitFile(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1] ?? '', current);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit file line: ${raw}`);
    current.set(kv[1] ?? '', [...(current.get(kv[1] ?? '') ?? []), kv[2] ?? '']);
  }
  return sections;
}

const DRIFT_FLAGS = (() => {
  const program = new Command();
  registerDrift(program);
  return new Set(program.commands.find((c) => c.name() === 'drift')?.options.flatMap((o) => [o.long, o.short]) ?? []);
})();

/** The nodeward arguments of a command line (up to a shell `;`); every flag must be one `drift` has. */
function driftArgs(command: string): string[] {
  const at = command.indexOf('nodeward drift');
  expect(at, command).toBeGreaterThanOrEqual(0);
  const args = command.slice(at).split(';')[0]?.trim().split(/\s+/).slice(2) ?? [];
  for (const flag of args.filter((a) => a.startsWith('-'))) expect(DRIFT_FLAGS.has(flag), `${flag} is a drift option`).toBe(true);
  return args;
}

function formatsOf(args: string[]): string[] {
  return args.flatMap((arg, i) => (arg === '--format' ? [args[i + 1] ?? ''] : []));
}

/** A value at a dotted path of parsed YAML (undefined when any step is missing). */
function get(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const CRON_FIELD = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
] as const;

/** One field of a standard 5-field cron schedule: *, N, N-M, lists, /step. */
function cronFieldOk(field: string, [min, max]: readonly [number, number]): boolean {
  return field.split(',').every((part) => {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return false;
    const nums = [m[2], m[3], m[4]].filter((x): x is string => x !== undefined).map(Number);
    return nums.slice(0, m[3] === undefined ? 1 : 2).every((n) => n >= min && n <= max) && (m[4] === undefined || Number(m[4]) > 0);
  });
}

describe('shipped scheduling examples', () => {
  it('systemd: a oneshot service that counts drift (2) as success, and its timer', () => {
    const service = unitFile(read('systemd/nodeward-drift.service'));
    const timer = unitFile(read('systemd/nodeward-drift.timer'));
    expect(service.get('Service')?.get('Type')).toEqual(['oneshot']);
    expect(service.get('Service')?.get('SuccessExitStatus')).toEqual(['2']);
    const exec = service.get('Service')?.get('ExecStart')?.[0] ?? '';
    const args = driftArgs(exec);
    expect(formatsOf(args)).toEqual(['json=/var/lib/nodeward/drift.json', 'prometheus=/var/lib/node_exporter/textfile/nodeward.prom']);
    // the textfile directory must be writable under ProtectSystem=strict
    expect(service.get('Service')?.get('ReadWritePaths')).toEqual(['/var/lib/node_exporter/textfile']);
    expect(service.get('Service')?.get('Environment')).toContain('XDG_STATE_HOME=/var/lib/nodeward');
    expect(timer.get('Timer')?.get('OnCalendar')).toEqual(['hourly']);
    expect(timer.get('Install')?.get('WantedBy')).toEqual(['timers.target']);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze') || !existsSync('/usr/lib/systemd/system/sysinit.target'))('systemd: systemd-analyze verify accepts both units', () => {
    const root = mkdtempSync(join(tmpdir(), 'nw-units-'));
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    // verify resolves units and the ExecStart binary inside --root: give it systemd's units and a stand-in binary
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    writeFileSync(join(root, 'usr/local/bin/nodeward'), '#!/bin/sh\n');
    chmodSync(join(root, 'usr/local/bin/nodeward'), 0o755);
    for (const unit of ['nodeward-drift.service', 'nodeward-drift.timer']) cpSync(join(EXAMPLES, 'systemd', unit), join(root, 'etc/systemd/system', unit));
    const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'nodeward-drift.service', 'nodeward-drift.timer'], { encoding: 'utf8' });
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
    // and it would catch a broken one
    writeFileSync(join(root, 'etc/systemd/system/nodeward-drift.timer'), read('systemd/nodeward-drift.timer').replace('OnCalendar=hourly', 'OnCalendar=hourlyish'));
    expect(spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'nodeward-drift.timer'], { encoding: 'utf8' }).status).not.toBe(0);
    expect(execFileSync('systemd-analyze', ['calendar', 'hourly'], { encoding: 'utf8' })).toContain('*-*-* *:00:00');
  });

  it('cron: a valid /etc/cron.d line that never overlaps itself', () => {
    const lines = read('cron/nodeward-drift')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const env = lines.filter((l) => /^[A-Z_]+=/.test(l));
    expect(env).toContain('NODEWARD_INVENTORY=/etc/nodeward/inventory.yaml');
    const jobs = lines.filter((l) => !/^[A-Z_]+=/.test(l));
    expect(jobs).toHaveLength(1);
    const fields = (jobs[0] ?? '').split(/\s+/);
    fields.slice(0, 5).forEach((field, i) => expect(cronFieldOk(field, CRON_FIELD[i] ?? [0, 0]), field).toBe(true));
    expect(fields[5]).toBe('nodeward'); // cron.d lines name the user
    expect(fields.slice(6, 9)).toEqual(['flock', '-n', '/var/lib/nodeward/drift.lock']);
    expect(formatsOf(driftArgs(jobs[0] ?? ''))).toContain('prometheus=/var/lib/node_exporter/textfile/nodeward.prom');
  });

  it('kubernetes: an Indexed Job whose completions match --shard auto/N, inventory, key and known_hosts from a Secret', () => {
    const text = read('kubernetes/nodeward-drift-cronjob.yaml');
    const docs = parseAllDocuments(text);
    for (const doc of docs) expect(doc.errors, String(doc.errors)).toEqual([]);
    const objects = docs.map((d) => d.toJS() as unknown);
    const cron = objects.find((o) => get(o, 'kind') === 'CronJob');
    const pvc = objects.find((o) => get(o, 'kind') === 'PersistentVolumeClaim');
    expect(get(cron, 'apiVersion')).toBe('batch/v1');
    for (const o of objects) expect(get(o, 'metadata.name')).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(str(get(cron, 'spec.schedule')).split(' ').every((f, i) => cronFieldOk(f, CRON_FIELD[i] ?? [0, 0]))).toBe(true);
    expect(get(cron, 'spec.concurrencyPolicy')).toBe('Forbid');
    const job = get(cron, 'spec.jobTemplate.spec');
    expect(get(job, 'completionMode')).toBe('Indexed');
    expect(get(job, 'backoffLimit')).toBe(0);
    const pod = get(job, 'template.spec');
    expect(get(pod, 'restartPolicy')).toBe('Never');
    expect(get(pod, 'securityContext.runAsNonRoot')).toBe(true);
    const container = list(get(pod, 'containers'))[0];
    const command = [...list(get(container, 'command')), ...list(get(container, 'args'))].map(str).join(' ');
    const args = driftArgs(command);
    const shard = args[args.indexOf('--shard') + 1] ?? '';
    const completions = Number(get(job, 'completions'));
    expect(parseShard(shard, { JOB_COMPLETION_INDEX: '0' }).count).toBe(completions);
    expect(get(job, 'parallelism')).toBe(completions);
    expect(parseShard(shard, { JOB_COMPLETION_INDEX: String(completions - 1) }).index).toBe(completions - 1);
    expect(command).not.toContain('--accept-new'); // known_hosts is read-only: keys are pinned
    // the inventory the env names is in the Secret's mount, with the key and known_hosts beside it
    const env = list(get(container, 'env'));
    const inventory = str(get(env.find((e) => get(e, 'name') === 'NODEWARD_INVENTORY'), 'value'));
    const mounts = list(get(container, 'volumeMounts'));
    const volumes = list(get(pod, 'volumes'));
    const mount = mounts.find((m) => inventory.startsWith(`${str(get(m, 'mountPath'))}/`));
    expect(get(mount, 'readOnly')).toBe(true);
    const secret = get(volumes.find((v) => get(v, 'name') === get(mount, 'name')), 'secret');
    const items = list(get(secret, 'items'));
    expect(items.map((i) => str(get(i, 'path'))).sort()).toEqual(['id_ed25519', 'inventory.yaml', 'known_hosts']);
    // the keys the Secret must have are the ones the documented `kubectl create secret` puts in it
    const created = /create secret generic (\S+)([\s\S]*?)\n#\s*\n/.exec(text);
    expect(created?.[1]).toBe(get(secret, 'secretName'));
    const fromFiles = [...(created?.[2] ?? '').matchAll(/--from-file=(\S+)/g)].map((m) => m[1]).sort();
    expect(items.map((i) => str(get(i, 'key'))).sort()).toEqual(fromFiles);
    // every mount has a volume; the state volume is the PVC shipped alongside, and XDG_STATE_HOME
    for (const m of mounts) expect(volumes.some((v) => get(v, 'name') === get(m, 'name')), str(get(m, 'name'))).toBe(true);
    const state = volumes.find((v) => get(v, 'persistentVolumeClaim') !== undefined);
    expect(get(state, 'persistentVolumeClaim.claimName')).toBe(get(pvc, 'metadata.name'));
    const stateMount = str(get(mounts.find((m) => get(m, 'name') === get(state, 'name')), 'mountPath'));
    expect(env).toContainEqual({ name: 'XDG_STATE_HOME', value: stateMount });
    // each shard writes its own files
    expect(formatsOf(args).every((f) => !f.includes('=') || f.includes('$JOB_COMPLETION_INDEX'))).toBe(true);
  });
});
