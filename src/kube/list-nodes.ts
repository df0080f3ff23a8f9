import type { DiscoveredNode } from '../config/types.ts';
import type { V1Node } from './api-types.ts';
import { describeApiError, KubeApiError } from './errors.ts';
import { kubeRestFor, listAll } from './rest.ts';

/** What nodeward reads of a Node: who it is, where to reach it, and the state the plan shows. */
export interface ClusterNode extends DiscoveredNode {
  /** InternalIP, else the first address the Node reports; undefined when it reports none. */
  readonly address: string | undefined;
}

/**
 * The Nodes of the cluster a kubeconfig points at (those `labelSelector` selects, filtered by the
 * API server), sorted by name. Any failure (unreadable kubeconfig, API unreachable, a selector the
 * server refuses) is one KubeApiError, thrown before any node is contacted.
 */
export async function listClusterNodes(kubeconfigPath: string, labelSelector?: string): Promise<ClusterNode[]> {
  const rest = kubeRestFor(kubeconfigPath);
  try {
    const nodes: ClusterNode[] = [];
    for (const node of await listAll<V1Node>(rest, '/api/v1/nodes', { labelSelector: labelSelector || undefined })) {
      const addresses: Record<string, string> = {};
      for (const a of node.status?.addresses ?? []) if (addresses[a.type] === undefined) addresses[a.type] = a.address;
      const first = node.status?.addresses?.[0]?.address;
      const name = node.metadata?.name ?? '';
      nodes.push({
        name,
        address: addresses['InternalIP'] ?? first,
        addresses,
        labels: node.metadata?.labels ?? {},
        annotations: node.metadata?.annotations ?? {},
        state: {
          node: name,
          ready: node.status?.conditions?.find((c) => c.type === 'Ready')?.status,
          cordoned: node.spec?.unschedulable === true,
          kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
        },
      });
    }
    return nodes.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  } catch (error) {
    const { status, message } = describeApiError(error);
    // named in the error, so that "connection refused" says which API server
    const server = rest.server();
    const at = server ? ` (${server})` : '';
    throw new KubeApiError(`listing the Nodes${labelSelector ? ` (labelSelector ${labelSelector})` : ''} with ${kubeconfigPath}${at}: ${message}`, status);
  }
}
