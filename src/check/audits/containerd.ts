import { parse } from 'smol-toml';
import { CONTAINERD_CONFIG } from '../../spec/well-known.ts';
import type { NodeFacts } from '../../facts/types.ts';
import { kubeletView, setting } from '../kubelet.ts';
import type { Audit, AuditResult } from '../types.ts';
import { fail, pass, unknown } from './result.ts';

type Toml = Readonly<Record<string, unknown>>;

function table(value: unknown): Toml | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Toml) : undefined;
}

function read(facts: NodeFacts): { ok: true; toml: Toml } | { ok: false; result: AuditResult } {
  const fact = facts.files.get(CONTAINERD_CONFIG);
  if (!fact) return { ok: false, result: unknown(`${CONTAINERD_CONFIG} was not read`) };
  if (!fact.exists) return { ok: false, result: fail(`${CONTAINERD_CONFIG} does not exist: containerd runs on its defaults`) };
  if (fact.contentState !== 'content' || !fact.content) return { ok: false, result: unknown(`${CONTAINERD_CONFIG} was not read (${fact.contentState})`) };
  try {
    return { ok: true, toml: parse(fact.content.toString('utf8')) };
  } catch (error) {
    return { ok: false, result: fail(`${CONTAINERD_CONFIG} does not parse: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)}`) };
  }
}

/** runc's SystemdCgroup in the v2 (containerd 1.x) or v3 (2.x) layout. */
export function systemdCgroup(toml: Toml): boolean | undefined {
  const plugins = table(toml['plugins']);
  const v3 = table(table(table(table(table(plugins?.["io.containerd.cri.v1.runtime"])?.['containerd'])?.['runtimes'])?.['runc'])?.['options']);
  const v2 = table(table(table(table(table(plugins?.['io.containerd.grpc.v1.cri'])?.['containerd'])?.['runtimes'])?.['runc'])?.['options']);
  const value = v3?.['SystemdCgroup'] ?? v2?.['SystemdCgroup'];
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * CTD-01: runc's cgroup driver written explicitly. systemd on most nodes, cgroupfs where the node
 * runs it (cgroup v1, no systemd as init): the playbook's `systemdCgroup` says which, and KCFG-05
 * that the kubelet agrees. Left out, containerd silently uses cgroupfs (its default is false).
 */
export const containerdCgroupDriverSet: Audit = (facts) => {
  const config = read(facts);
  if (!config.ok) return config.result;
  const value = systemdCgroup(config.toml);
  if (value === undefined) return fail("runc's SystemdCgroup is not set: containerd uses cgroupfs by default, whatever the kubelet uses");
  return pass(`SystemdCgroup = ${String(value)} (${value ? 'systemd' : 'cgroupfs'})`);
};

/** CTD-02: the API socket never on TCP. */
export const containerdNoTcp: Audit = (facts) => {
  const config = read(facts);
  if (!config.ok) return config.result;
  const tcp = table(config.toml['grpc'])?.['tcp_address'];
  return typeof tcp === 'string' && tcp !== '' ? fail(`[grpc] tcp_address = "${tcp}" exposes the containerd API (root on the node)`) : pass('no [grpc] tcp_address');
};

/** KCFG-05: the kubelet's cgroupDriver is the one containerd uses. */
export const cgroupDriversMatch: Audit = (facts) => {
  const view = kubeletView(facts);
  if (!view) return unknown('the kubelet was not read');
  const driver = setting(view, 'cgroup-driver', 'cgroupDriver');
  if (driver.from === 'unknown') return unknown(driver.why);
  const config = read(facts);
  if (!config.ok) return config.result;
  const kubelet = driver.from === 'unset' ? 'cgroupfs' : String(driver.value);
  const runtime = systemdCgroup(config.toml) === true ? 'systemd' : 'cgroupfs';
  return kubelet === runtime ? pass(`kubelet and containerd both use ${runtime}`) : fail(`the kubelet uses ${kubelet}, containerd ${runtime}`);
};
