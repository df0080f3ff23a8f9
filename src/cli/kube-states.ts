import type { HostSpec, Inventory, KubeNodeState } from '../config/types.ts';
import { listClusterNodes } from '../kube/list-nodes.ts';
import { errorMessage } from '../util/errors.ts';

/**
 * Each host's Node state for the plan: what discovery read (`fromKubernetes`), else one Node list
 * through the inventory's kubeconfig. Without an answer the plan goes on without it, said once.
 */
export async function kubeStates(inventory: Inventory, hosts: readonly HostSpec[], warn: (message: string) => void): Promise<Map<string, KubeNodeState>> {
  const states = new Map<string, KubeNodeState>();
  for (const host of hosts) if (host.kubernetes) states.set(host.name, host.kubernetes);
  if (states.size === hosts.length || !inventory.kubeconfig || inventory.discovery) return states;
  try {
    const nodes = new Map((await listClusterNodes(inventory.kubeconfig)).map((node) => [node.name, node.state]));
    for (const host of hosts) {
      const state = nodes.get(host.name);
      if (state && !states.has(host.name)) states.set(host.name, state);
    }
  } catch (error) {
    warn(`the plan shows no Kubernetes state (and cannot refuse NotReady nodes): ${errorMessage(error)}`);
  }
  return states;
}
