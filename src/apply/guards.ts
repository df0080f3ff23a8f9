import type { NodeFacts } from '../facts/types.ts';
import type { NodePlan } from '../plan/types.ts';
import { afterState, CONTAINERD_CONFIG, containerdSystemdCgroup, parseTomlText, parseYamlMap, type AfterState } from './after-state.ts';
import { validateKubeletConfig } from './kubelet-validate.ts';
import { inCidr, lockoutReasons, settingsAfter } from './ssh-access.ts';

/** The six kernel tunables a kubelet with protectKernelDefaults: true insists on (exact values). */
export const PROTECT_KERNEL_DEFAULTS: Readonly<Record<string, string>> = {
  'vm.overcommit_memory': '1',
  'vm.panic_on_oom': '0',
  'kernel.panic': '10',
  'kernel.panic_on_oops': '1',
  'kernel.keys.root_maxkeys': '1000000',
  'kernel.keys.root_maxbytes': '25000000',
};

export const IP_FORWARD = 'net.ipv4.ip_forward';

export interface GuardFailure {
  readonly guard: string;
  readonly message: string;
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
  const after = afterState(context.facts, context.plan);
  return [
    ...kubeletConfigParses(context, after),
    ...containerdConfigParses(after),
    ...cgroupDriversMatch(context, after),
    ...kernelDefaultsProtected(context, after),
    ...ipForwardStays(afterState(context.facts, { ...context.plan, changes: [] }), after),
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
  if (text === undefined || text === 'unreadable') return [{ guard: 'kubelet-config', message: `the new ${context.kubeletConfigPath} is missing` }];
  return validateKubeletConfig(text).map((problem) => ({ guard: 'kubelet-config', message: `the new ${context.kubeletConfigPath} would stop the kubelet: ${problem}` }));
}

function containerdConfigParses(after: AfterState): GuardFailure[] {
  if (!after.writes(CONTAINERD_CONFIG)) return [];
  const text = after.fileText(CONTAINERD_CONFIG);
  if (text === undefined || text === 'unreadable') return [];
  const parsed = parseTomlText(text);
  return parsed.ok ? [] : [{ guard: 'containerd-config', message: `the new ${CONTAINERD_CONFIG} would stop containerd: ${parsed.error}` }];
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
      message: `kubelet cgroupDriver would be ${kubeletDriver} but containerd's runc SystemdCgroup means ${containerdDriver}: the kubelet would refuse to start (change both together, on a drained node)`,
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
      message: `protectKernelDefaults: true would stop the kubelet at its next start: ${wrong.join('; ')}. Apply the kernel playbook's tunables first (same run is fine).`,
    },
  ];
}

/** A change may not take forwarding away (a node where it is already off is not made worse by us). */
function ipForwardStays(before: AfterState, after: AfterState): GuardFailure[] {
  const live = after.live(IP_FORWARD);
  const boot = after.boot(IP_FORWARD);
  const problems: string[] = [];
  if (live !== before.live(IP_FORWARD) && live !== '1') problems.push(`live ${String(live)}`);
  if (boot !== before.boot(IP_FORWARD) && boot !== '1') problems.push(`at boot ${boot ?? 'unset'}`);
  if (problems.length === 0) return [];
  return [{ guard: 'ip-forward', message: `${IP_FORWARD} would be ${problems.join(' and ')}: pod and Service traffic would stop (it must stay 1)` }];
}

/** An sshd change may not shut out the user nodeward logs in as (with its key, from where it comes). */
function sshLoginStays(context: GuardContext, after: AfterState): GuardFailure[] {
  const change = context.plan.changes.find((c) => c.kind === 'sshd');
  if (!change) return [];
  const { sshd, login } = context.facts;
  if (!sshd || !login) return [{ guard: 'ssh-lockout', message: 'the effective sshd config or the login user is unknown: refusing an sshd change that might lock nodeward out' }];
  const oldFile = context.facts.files.get(change.target);
  const oldText = oldFile?.exists && oldFile.content ? oldFile.content.toString('utf8') : undefined;
  const newText = after.fileText(change.target);
  if (newText === undefined || newText === 'unreadable') return [];
  const reasons = lockoutReasons(settingsAfter(sshd.settings, oldText, newText), login);
  if (reasons.length === 0) return [];
  return [{ guard: 'ssh-lockout', message: `the sshd change would lock ${login.user} (the user nodeward connects as) out: ${reasons.join('; ')}` }];
}

/** A firewall must let SSH in from where nodeward's own connection comes. */
function firewallLetsUsIn(context: GuardContext): GuardFailure[] {
  const change = context.plan.changes.find((c) => c.kind === 'firewall');
  if (!change) return [];
  const login = context.facts.login;
  const sshFrom = (change.after?.['sshFrom'] ?? []) as readonly string[];
  const sshPort = change.after?.['sshPort'];
  if (!login?.clientAddress) return [{ guard: 'firewall-ssh', message: "where nodeward's SSH connection comes from is unknown: refusing a firewall that might cut it" }];
  const problems: string[] = [];
  if (!sshFrom.some((cidr) => inCidr(login.clientAddress ?? '', cidr))) problems.push(`SSH is allowed only from ${sshFrom.join(', ') || 'nowhere'}, but nodeward comes from ${login.clientAddress}`);
  if (login.serverPort !== undefined && sshPort !== login.serverPort) problems.push(`SSH is allowed on port ${String(sshPort)}, but nodeward connects to ${login.serverPort}`);
  return problems.length === 0 ? [] : [{ guard: 'firewall-ssh', message: `the firewall would cut nodeward off: ${problems.join('; ')}` }];
}
