import type { NodeFacts } from '../facts/types.ts';
import type { Change, GuardFailure, NodePlan } from '../plan/types.ts';
import { afterState, containerdSystemdCgroup, parseTomlText, parseYamlMap, type AfterState } from './after-state.ts';
import { validateKubeletConfig } from './kubelet-validate.ts';
import { inCidr, lockoutReasons, settingsAfter } from './ssh-access.ts';

import { CONTAINERD_CONFIG, IP_FORWARD, PROTECT_KERNEL_DEFAULTS } from '../spec/well-known.ts';

export { IP_FORWARD, PROTECT_KERNEL_DEFAULTS };

export type { GuardFailure };


/** The entry that wants one key of a key-by-key edit, else every entry of the change. */
function byKey(change: Change | undefined, key: string): string {
  const owners = change?.keyEntries?.[key];
  return owners && change ? byEntries({ ...change, entries: owners }) : byEntries(change);
}

/** The entries behind a change, for messages: `entry kubelet/protect-kernel-defaults`. */
function byEntries(change: Change | undefined): string {
  if (!change || change.entries.length === 0) return '';
  return ` (entr${change.entries.length === 1 ? 'y' : 'ies'} ${change.entries.join(', ')})`;
}

export interface GuardContext {
  readonly facts: NodeFacts;
  readonly plan: NodePlan;
  /** The kubelet config path (the running kubelet's --config). */
  readonly kubeletConfigPath: string;
}

/**
 * Pre-flight guards: each refuses the node's change, before any write, when the change would
 * break the node at its next restart (or now). Pure: computed from facts and the plan.
 */
export function checkGuards(context: GuardContext): GuardFailure[] {
  if (context.plan.changes.length === 0) return [];
  const after = afterState(context.facts, context.plan);
  return [
    ...kubeletConfigParses(context, after),
    ...containerdConfigParses(after),
    ...cgroupDriversMatch(context, after),
    ...kernelDefaultsProtected(context, after),
    ...ipForwardStays(afterState(context.facts, { ...context.plan, changes: [] }), after, context.plan),
    ...sshLoginStays(context, after),
    ...firewallLetsUsIn(context),
  ];
}

function kubeletRestarts(plan: NodePlan): boolean {
  return plan.restarts.includes('kubelet');
}

function kubeletConfigParses(context: GuardContext, after: AfterState): GuardFailure[] {
  if (!after.writes(context.kubeletConfigPath)) return [];
  const text = after.fileText(context.kubeletConfigPath);
  const cause = byEntries(after.writer(context.kubeletConfigPath));
  const fix = 'correct the kubelet settings in the playbook';
  if (text === undefined || text === 'unreadable') return [{ guard: 'kubelet-config', message: `the new ${context.kubeletConfigPath}${cause} is missing`, fix }];
  return validateKubeletConfig(text).map((problem) => ({ guard: 'kubelet-config', message: `the new ${context.kubeletConfigPath}${cause} would stop the kubelet: ${problem}`, fix }));
}

function containerdConfigParses(after: AfterState): GuardFailure[] {
  if (!after.writes(CONTAINERD_CONFIG)) return [];
  const text = after.fileText(CONTAINERD_CONFIG);
  if (text === undefined || text === 'unreadable') return [];
  const parsed = parseTomlText(text);
  return parsed.ok ? [] : [{ guard: 'containerd-config', message: `the new ${CONTAINERD_CONFIG}${byEntries(after.writer(CONTAINERD_CONFIG))} would stop containerd: ${parsed.error}`, fix: 'correct the containerd settings in the playbook' }];
}

function cgroupDriversMatch(context: GuardContext, after: AfterState): GuardFailure[] {
  const restarts = context.plan.restarts;
  if (restarts.length === 0 && !after.writes(context.kubeletConfigPath) && !after.writes(CONTAINERD_CONFIG)) return [];
  const kubelet = parseYamlMap(after.fileText(context.kubeletConfigPath));
  const containerdText = after.fileText(CONTAINERD_CONFIG);
  if (!kubelet || containerdText === 'unreadable') return [];
  const containerd = containerdText === undefined ? { ok: true as const, value: {} } : parseTomlText(containerdText);
  if (!containerd.ok) return [];
  const kubeletDriver = typeof kubelet['cgroupDriver'] === 'string' ? kubelet['cgroupDriver'] : 'cgroupfs';
  const containerdDriver = containerdSystemdCgroup(containerd.value) ? 'systemd' : 'cgroupfs';
  if (kubeletDriver === containerdDriver) return [];
  return [
    {
      guard: 'cgroup-driver',
      message: `kubelet cgroupDriver would be ${kubeletDriver} but containerd's runc SystemdCgroup means ${containerdDriver}: the kubelet would refuse to start`,
      fix: 'set both to the same driver in one run (the kubelet and containerd playbooks\' systemdCgroup variable), on a drained node',
    },
  ];
}

function kernelDefaultsProtected(context: GuardContext, after: AfterState): GuardFailure[] {
  const kubelet = parseYamlMap(after.fileText(context.kubeletConfigPath));
  if (kubelet?.['protectKernelDefaults'] !== true) return [];
  const tunablesChange = Object.keys(PROTECT_KERNEL_DEFAULTS).some((key) => context.plan.changes.some((c) => c.kind === 'sysctl' && c.target === key));
  if (!kubeletRestarts(context.plan) && !tunablesChange) return [];
  const wrong: string[] = [];
  for (const [key, expected] of Object.entries(PROTECT_KERNEL_DEFAULTS)) {
    const live = after.live(key);
    const boot = after.boot(key);
    if (live !== expected) wrong.push(`${key} live ${String(live)} (kubelet expects ${expected})`);
    if (boot !== expected) wrong.push(`${key} at boot ${boot ?? 'unset'} (kubelet expects ${expected})`);
  }
  if (wrong.length === 0) return [];
  return [
    {
      guard: 'protect-kernel-defaults',
      message: `protectKernelDefaults: true${byKey(after.writer(context.kubeletConfigPath), 'protectKernelDefaults')} would stop the kubelet at its next start: ${wrong.join('; ')}`,
      fix: "set the kernel playbook's six tunables first, or in the same run (add the kernel playbook: nodeward apply kubelet kernel)",
    },
  ];
}

/**
 * A change may not take forwarding away (a node where it is already off is not made worse by us).
 * The message names what does it: the sysctl entry, or the file line the node would boot with (or
 * the entry whose write removes the line that set it).
 */
function ipForwardStays(before: AfterState, after: AfterState, plan: NodePlan): GuardFailure[] {
  const live = after.live(IP_FORWARD);
  const boot = after.boot(IP_FORWARD);
  const problems: string[] = [];
  if (live !== before.live(IP_FORWARD) && live !== '1') {
    problems.push(`live ${String(live)}${byEntries(plan.changes.find((c) => c.kind === 'sysctl' && c.target === IP_FORWARD))}`);
  }
  if (boot !== before.boot(IP_FORWARD) && boot !== '1') {
    const now = after.bootSource(IP_FORWARD);
    const was = before.bootSource(IP_FORWARD);
    if (now) problems.push(`${boot} at boot, from ${now.file}:${now.line}${byEntries(after.writer(now.file))}`);
    else if (was) problems.push(`unset at boot: ${was.file}:${was.line} (\`${IP_FORWARD} = ${was.value}\`) would be gone${byEntries(after.writer(was.file))}`);
    else problems.push('unset at boot');
  }
  if (problems.length === 0) return [];
  return [{ guard: 'ip-forward', message: `${IP_FORWARD} would be ${problems.join(' and ')}: pod and Service traffic would stop (it must stay 1)`, fix: `keep ${IP_FORWARD} = 1 (a sysctl entry that sets other keys keeps it; one that means to drop it must not)` }];
}

/** An sshd change may not shut out the user nodeward logs in as (with its key, from where it comes). */
function sshLoginStays(context: GuardContext, after: AfterState): GuardFailure[] {
  const change = context.plan.changes.find((c) => c.kind === 'sshd');
  if (!change) return [];
  const { sshd, login } = context.facts;
  if (!sshd || !login) return [{ guard: 'ssh-lockout', message: 'the effective sshd config or the login user is unknown: refusing an sshd change that might lock nodeward out', fix: 'make sshd -T work on the node (is sshd installed?)' }];
  const oldFile = context.facts.files.get(change.target);
  const oldText = oldFile?.exists && oldFile.content ? oldFile.content.toString('utf8') : undefined;
  const newText = after.fileText(change.target);
  if (newText === undefined || newText === 'unreadable') return [];
  const reasons = lockoutReasons(settingsAfter(sshd.settings, oldText, newText), login);
  if (reasons.length === 0) return [];
  return [{ guard: 'ssh-lockout', message: `the sshd change${byEntries(change)} would lock ${login.user} (the user nodeward connects as) out: ${reasons.join('; ')}`, fix: `let ${login.user} in: add it (or one of its groups) to sshAllowUsers / sshAllowGroups` }];
}

/** A firewall must let SSH in from where nodeward's own connection comes. */
function firewallLetsUsIn(context: GuardContext): GuardFailure[] {
  const change = context.plan.changes.find((c) => c.kind === 'firewall');
  if (!change) return [];
  const login = context.facts.login;
  const sshFrom = (change.after?.['sshFrom'] ?? []) as readonly string[];
  const sshPort = change.after?.['sshPort'];
  if (!login?.clientAddress) return [{ guard: 'firewall-ssh', message: "where nodeward's SSH connection comes from is unknown: refusing a firewall that might cut it", fix: 'connect through sshd (SSH_CONNECTION must be set for the login)' }];
  const problems: string[] = [];
  if (!sshFrom.some((cidr) => inCidr(login.clientAddress ?? '', cidr))) problems.push(`SSH is allowed only from ${sshFrom.join(', ') || 'nowhere'}, but nodeward comes from ${login.clientAddress}`);
  if (login.serverPort !== undefined && sshPort !== login.serverPort) problems.push(`SSH is allowed on port ${String(sshPort)}, but nodeward connects to ${login.serverPort}`);
  return problems.length === 0
    ? []
    : [{ guard: 'firewall-ssh', message: `the firewall${byEntries(change)} would cut nodeward off: ${problems.join('; ')}`, fix: `allow SSH from ${login.clientAddress} on port ${login.serverPort ?? 22} (firewallSshFrom, firewallSshPort)` }];
}

/** The plan with the guards' verdict on it, as apply would judge it on these facts. */
export function withGuards(plan: NodePlan, facts: NodeFacts): NodePlan {
  if (plan.status !== 'changes') return plan;
  const refusal = checkGuards({ facts, plan, kubeletConfigPath: facts.kubelet?.configPath ?? '/var/lib/kubelet/config.yaml' });
  return refusal.length > 0 ? { ...plan, refusal } : plan;
}
