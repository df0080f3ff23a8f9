import { LabError } from './config.ts';

/** The failure domains the lab's Nodes are in: node-1 lab-a, node-2 lab-b, node-3 lab-c, node-4 lab-a, … */
export const LAB_ZONES = ['lab-a', 'lab-b', 'lab-c'] as const;

/**
 * The labels a lab Node carries in the API, as a real cluster's would: its zone (set by a cloud
 * controller manager there) and its role (set by an admin: a kubelet may not label itself
 * node-role.kubernetes.io/*). node-1 is the control plane, every other node a worker.
 */
export function labNodeLabels(index: number): Record<string, string> {
  return {
    'topology.kubernetes.io/zone': LAB_ZONES[(index - 1) % LAB_ZONES.length] ?? 'lab-a',
    [index === 1 ? 'node-role.kubernetes.io/control-plane' : 'node-role.kubernetes.io/worker']: '',
  };
}

/** Labels every registered lab Node (a merge patch: the kubelet's own labels stay). */
export async function labelLabNodes(url: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const index = Number(/-(\d+)$/.exec(name)?.[1] ?? '0');
    const r = await fetch(`${url}/api/v1/nodes/${name}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { labels: labNodeLabels(index) } }),
      signal: AbortSignal.timeout(5000),
    });
    if (!r.ok) throw new LabError(`labelling Node ${name}: HTTP ${r.status} ${await r.text()}`);
  }
}
