import { describeApiError, KubeApiError } from './errors.ts';

/** A Node as `nodeward init` writes it into an inventory. */
export interface ClusterNode {
  readonly name: string;
  /** InternalIP, else the first address the Node reports; undefined when it reports none. */
  readonly address: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every Node of the cluster a kubeconfig points at, sorted by name. */
export async function listClusterNodes(kubeconfigPath: string): Promise<ClusterNode[]> {
  try {
    const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const list = await config.makeApiClient(CoreV1Api).listNode();
    return list.items
      .map((node) => {
        const addresses = node.status?.addresses ?? [];
        return {
          name: node.metadata?.name ?? '',
          address: (addresses.find((a) => a.type === 'InternalIP') ?? addresses[0])?.address,
          labels: node.metadata?.labels ?? {},
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  } catch (error) {
    const { status, message } = describeApiError(error);
    throw new KubeApiError(`listing the Nodes with ${kubeconfigPath}: ${message}`, status);
  }
}
