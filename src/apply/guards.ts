import type { NodeFacts } from '../facts/types.ts';
import type { NodePlan } from '../plan/types.ts';
import { afterState, CONTAINERD_CONFIG, containerdSystemdCgroup, parseTomlText, parseYamlMap, type AfterState } from './after-state.ts';
import { validateKubeletConfig } from './kubelet-validate.ts';

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
