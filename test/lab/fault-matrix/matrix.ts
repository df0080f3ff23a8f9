import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { labFault, labHeal, labReset } from '../../../lab/lab.ts';
import { testStateDir } from '../helpers.ts';
import { leftoverProcesses, nodeward, onNode, type CliResult } from '../nodeward.ts';
import { armTripwire, disarmTripwire, releaseTrip, waitTrip, type TripRule } from './tripwire.ts';

/**
 * The fault matrix: one apply touching every kind of node-side operation
 * (test/fixtures/fault-matrix/every-kind.yaml), a fault injected at one step boundary of the
 * node-side scripts, and then, after the fault and again after the next ordinary run, the promise
 * checked: the node is byte for byte as before or fully converged, nothing of nodeward runs on
 * it, its lock is free (or held with an honest message), and the printed outcome, the journal and
 * the node agree.
 */
export const PLAYBOOK = fileURLToPath(new URL('../../fixtures/fault-matrix/every-kind.yaml', import.meta.url));

export type Fault = 'hang' | 'drop' | 'bastion' | 'kill';
export const FAULTS: readonly Fault[] = ['hang', 'drop', 'bastion', 'kill'];

export const FAULT_TEXT: Record<Fault, string> = {
  hang: 'the step hangs',
  drop: 'the SSH session to the node drops',
  bastion: "the bastion's sshd dies (and stays down for the run)",
  kill: 'the controller is SIGKILLed',
};

export interface Step {
  readonly name: string;
  /** For the README's table. */
  readonly what: string;
  readonly trip: TripRule;
  /** The step is part of a rollback: the kubelet crash-loops on its new config, so the gate fails and the run rolls back. */
  readonly inRollback?: boolean;
}

const RUNS = '/var/lib/nodeward/runs';

export const STEPS: readonly Step[] = [
  { name: 'lock', what: 'taking the node lock', trip: { command: 'mkdir', pattern: '-p /var/lib/nodeward/runs /var/lib/nodeward/jobs' } },
  { name: 'backup', what: 'backing up the first file', trip: { command: 'cp', pattern: `-p -- * ${RUNS}/*/backup/*` } },
  { name: 'sysctl', what: 'sysctl -w (live)', trip: { command: 'sysctl', pattern: '-w net.ipv4.conf.all.accept_redirects=0' } },
  { name: 'package', what: 'apt-get install', trip: { command: 'apt-get', pattern: '*install*' } },
  { name: 'file', what: 'renaming a plain file into place', trip: { command: 'mv', pattern: '-f -- /etc/kubernetes/.nodeward.*.tmp /etc/kubernetes/fault-matrix.conf' } },
  { name: 'kubelet-config', what: "renaming the kubelet's config into place", trip: { command: 'mv', pattern: '-f -- /var/lib/kubelet/.nodeward.*.tmp /var/lib/kubelet/config.yaml' } },
  { name: 'validator', what: 'containerd config dump on the new config', trip: { command: 'containerd', pattern: '--config /etc/containerd/.nodeward.* config dump' } },
  { name: 'audit', what: 'augenrules --load', trip: { command: 'augenrules', pattern: '--load' } },
  { name: 'unit', what: 'systemctl stop of a unit', trip: { command: 'systemctl', pattern: 'stop -- vsftpd*' } },
  { name: 'mode', what: 'chmod', trip: { command: 'chmod', pattern: '* -- /etc/kubernetes/kubelet.conf' } },
  { name: 'sshd', what: 'sshd -t before the reload', trip: { command: 'sshd', pattern: '-t' } },
  { name: 'firewall', what: 'nft -f (loading the table)', trip: { command: 'nft', pattern: '-f /*' } },
  { name: 'arm', what: 'starting the revert timer', trip: { command: 'setsid', pattern: 'nohup sh -c *' } },
  { name: 'confirm', what: 'confirming over a new login', trip: { command: 'mv', pattern: `-f ${RUNS}/*/armed ${RUNS}/*/confirmed` } },
  { name: 'restart', what: 'systemctl restart containerd', trip: { command: 'systemctl', pattern: 'restart -- containerd.service' } },
  { name: 'gate', what: "the health gate's probe", trip: { command: 'systemctl', pattern: 'show -p Id,ActiveState,SubState,NRestarts,Result -- *' } },
  { name: 'rollback', what: 'restoring a file in a rollback', trip: { command: 'cp', pattern: `-p -- ${RUNS}/*/backup/* *.restore` }, inRollback: true },
  { name: 'unlock', what: 'releasing the lock', trip: { command: 'rm', pattern: '-f /var/lib/nodeward/lock' } },
];

/**
 * The slice `npm test` runs: every fault, every kind of step (the lock and its release, backups,
 * live and file writes, a validator, the service operations, the armed timer and its
 * confirmation, restarts and the gate, a rollback), each step once.
 */
export const SLICE: readonly (readonly [string, Fault])[] = [
  ['backup', 'kill'],
  ['sysctl', 'drop'],
  ['package', 'hang'],
  ['validator', 'hang'],
  ['unit', 'bastion'],
  ['firewall', 'kill'],
  ['arm', 'drop'],
  ['restart', 'hang'],
  ['gate', 'bastion'],
  ['rollback', 'kill'],
  ['unlock', 'drop'],
];

/** Every case, for `npm run test:faults`. */
export const FULL: readonly (readonly [string, Fault])[] = STEPS.flatMap((step) => FAULTS.map((fault) => [step.name, fault] as const));

// Short bounds so that a hung step ends in seconds: the node stops a bounded command after
// COMMAND_S, a script at its deadline (COMMAND_S for each bounded command in it, plus the quick steps).
const COMMAND_S = 5;
const TUNING = ['--command-timeout', String(COMMAND_S), '--package-timeout', '10', '--connect-timeout', '4', '--health-timeout', '20', '--lock-ttl', '300'];

/** What must be as before, or as converged, byte for byte (nodeward's own records aside). */
export function snapshot(node: string): Promise<string> {
  return onNode(
    node,
    [
      'for f in /etc/kubernetes/fault-matrix.conf /etc/kubernetes/kubelet.conf /var/lib/kubelet/config.yaml /etc/containerd/config.toml /etc/sysctl.d/* /etc/audit/rules.d/* /etc/audit/audit.rules /etc/ssh/sshd_config.d/* /etc/nodeward/* /etc/systemd/system/*.service /lib/systemd/system/nodeward-*; do',
      '  [ -e "$f" ] && printf "%s %s %s\\n" "$f" "$(stat -c %a:%U:%G "$f")" "$(sha256sum < "$f" | cut -c1-16)"',
      'done',
      'printf "accept_redirects=%s\\n" "$(sysctl -n net.ipv4.conf.all.accept_redirects)"',
      'printf "vsftpd=%s/%s\\n" "$(systemctl is-enabled vsftpd 2>/dev/null)" "$(systemctl is-active vsftpd 2>/dev/null)"',
      'printf "containerd.io=%s\\n" "$(dpkg-query -W -f=\'${Version}\' containerd.io)"',
      'printf "nft=%s\\n" "$(nft list ruleset | sha256sum | cut -c1-16)"',
      'printf "sshd=%s\\n" "$(sshd -T 2>/dev/null | grep -i ^x11forwarding)"',
      'true',
    ].join('\n'),
  );
}

interface Outcome {
  readonly name: string;
  readonly status: string;
  readonly reason: string | null;
  readonly left?: { readonly state: string; readonly finish: string };
}

async function nodeRunState(node: string, runId: string): Promise<string> {
  return (await onNode(node, `cat ${RUNS}/${runId}/state 2>/dev/null || echo none`)).trim();
}

async function lockHolder(node: string): Promise<string | undefined> {
  const text = await onNode(node, 'sed -n "s/^runId=//p" /var/lib/nodeward/lock 2>/dev/null; true');
  return text.trim() || undefined;
}

async function newestJournal(): Promise<{ runId: string; nodes: Record<string, { status: string }> } | undefined> {
  const dir = join(testStateDir(), 'nodeward', 'runs');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const last = files.at(-1);
  return last ? (JSON.parse(await readFile(join(dir, last), 'utf8')) as { runId: string; nodes: Record<string, { status: string }> }) : undefined;
}

async function inSync(inventory: string, node: string): Promise<{ changes: number; code: number }> {
  const plan = await nodeward(['plan', '-i', inventory, PLAYBOOK, '--limit', node, '--json']);
  const parsed = JSON.parse(plan.stdout) as { nodes: { changes: unknown[] }[] };
  return { changes: parsed.nodes[0]?.changes.length ?? -1, code: plan.code };
}

/** Drops every SSH session of nodeward's user to the node (its per-connection sshd processes), as a reset connection would. */
async function dropSessions(node: string): Promise<void> {
  await onNode(node, "pkill -KILL -f '^sshd: ops' ; true");
}

export interface CaseReport {
  readonly step: string;
  readonly fault: Fault;
  readonly status: string;
  readonly seconds: number;
}

/**
 * One case of the matrix on `node`, every assertion inside. The node is reset first, so each case
 * starts from the seeded state.
 */
export async function runCase(inventory: string, node: string, stepName: string, fault: Fault): Promise<CaseReport> {
  const step = STEPS.find((s) => s.name === stepName);
  if (!step) throw new Error(`no step ${stepName}`);
  const started = Date.now();
  await labHeal();
  await labReset([node]);
  const before = await snapshot(node);
  if (step.inRollback) await labFault('kubelet-crash', node);
  // the issue's own case: a validator that never answers, as a lab fault of containerd's
  const viaLabFault = step.name === 'validator' && fault === 'hang';
  if (viaLabFault) await labFault('validator-hang', node);
  else await armTripwire(node, step.trip);

  let child: import('node:child_process').ChildProcess | undefined;
  const apply: Promise<CliResult> = nodeward(['apply', '-i', inventory, PLAYBOOK, '--yes', '--json', '--limit', node, ...TUNING], {
    onStderr: (_text, c) => {
      child = c;
    },
  });
  if (!viaLabFault) {
    const tripped = await waitTrip(node, 120_000, apply);
    expect(tripped, `${step.name}: the apply never reached ${step.what}`).toBeDefined();
    switch (fault) {
      case 'hang':
        await releaseTrip(node, 'hang');
        break;
      case 'drop':
        await dropSessions(node);
        await releaseTrip(node, 'go');
        break;
      case 'bastion':
        await labFault('bastion-down', 'bastion');
        await releaseTrip(node, 'go');
        break;
      case 'kill':
        child?.kill('SIGKILL');
        await releaseTrip(node, 'go');
        break;
    }
  }
  const result = await apply;
  if (process.env['NW_MATRIX_DEBUG']) console.log(result.stderr);
  if (fault === 'bastion') await labHeal('bastion-down', 'bastion');
  if (viaLabFault) await labHeal('validator-hang', node);
  else await disarmTripwire(node, step.trip.command);
  if (step.inRollback) await labHeal('kubelet-crash', node);

  // nothing nodeward started keeps running: a hung step (the tripwire's sleep), a validator, a supervisor (within the node's own deadlines)
  await expect.poll(() => leftoverProcesses(node), { timeout: 90_000, interval: 1000, message: `${step.name}/${fault}: nodeward processes left on the node` }).toBe('');

  // the printed outcome, the journal and the node agree; the node is old or new, never half
  const printed = fault === 'kill' ? undefined : ((JSON.parse(result.stdout) as { runId: string | null; nodes: Outcome[] }).nodes[0] as Outcome | undefined);
  const journal = await newestJournal();
  const runId = journal?.runId ?? '';
  const state = runId ? await nodeRunState(node, runId) : 'none';
  const after = await snapshot(node);
  const plan = await inSync(inventory, node);
  const converged = plan.changes === 0;
  const context = `${step.name}/${fault}: printed ${JSON.stringify(printed)}, run state ${state}\nbefore:\n${before}\nafter:\n${after}\nstderr:\n${result.stderr.slice(-3000)}`;
  expect(after === before || converged, `half-changed: ${context}`).toBe(true);
  if (printed) {
    expect(journal?.nodes[node]?.status, context).toBe(printed.status);
    switch (printed.status) {
      case 'applied':
        expect(converged, context).toBe(true);
        expect(state, context).toBe('done');
        break;
      case 'rolled-back':
        expect(after, context).toBe(before);
        expect(state, context).toBe('rolled-back');
        break;
      case 'refused':
      case 'unreachable':
        expect(after, context).toBe(before);
        expect(['none', 'rolled-back'], context).toContain(state);
        break;
      case 'failed':
        // left part-way, or its fate unknown: the report says which, and how to finish
        expect(printed.left, context).toBeDefined();
        if (printed.left && printed.left.state !== 'unknown') expect(state, context).toBe(printed.left.state);
        expect(printed.reason ?? '', context).toMatch(/to finish the job: nodeward (apply|rollback) /);
        break;
      default:
        throw new Error(`unexpected outcome ${printed.status}: ${context}`);
    }
    const holder = await lockHolder(node);
    if (holder) expect(printed.reason ?? '', `${context}\nthe lock of ${holder} is held without a word`).toMatch(/stays locked|it stays until|stays\b.*until/);
  } else {
    // the controller died: the journal has the node pending from just before its write (or not yet
    // at all, or an outcome recorded before the lock was released), never an outcome the node contradicts
    const recorded = journal?.nodes[node]?.status;
    if (recorded === 'applied') expect(converged, context).toBe(true);
    else if (recorded === 'rolled-back' || recorded === 'refused') expect(after, context).toBe(before);
    else expect([undefined, 'pending'], context).toContain(recorded);
  }

  // the next ordinary run converges the node and leaves nothing behind
  const next = await nodeward(['apply', '-i', inventory, PLAYBOOK, '--yes', '--json', '--limit', node, '--health-timeout', '30']);
  expect(next.code, `${step.name}/${fault}: the next run: ${next.stdout}\n${next.stderr.slice(-2000)}`).toBe(0);
  expect(await leftoverProcesses(node)).toBe('');
  expect(await lockHolder(node)).toBeUndefined();
  const final = await inSync(inventory, node);
  expect(final, `${step.name}/${fault}: not converged after the next run`).toEqual({ changes: 0, code: 0 });
  return { step: step.name, fault, status: printed?.status ?? 'killed', seconds: Math.round((Date.now() - started) / 1000) };
}
