import type { V1Node } from '../kube/api-types.ts';
import { segment } from '../kube/api-types.ts';
import { kubeRestFor } from '../kube/rest.ts';
import { errorMessage } from '../util/errors.ts';

export interface NodeStatus {
  /** The Ready condition's status: True, False, Unknown; undefined when the Node has none. */
  readonly ready: string | undefined;
  /** lastHeartbeatTime of the Ready condition, seconds since the epoch (the kubelet's clock). */
  readonly heartbeat: number | undefined;
  readonly reason: string | undefined;
}

/** Reads a Node's Ready condition from the API server. The one place that talks to Kubernetes. */
export interface NodeStatusReader {
  read(nodeName: string): Promise<NodeStatus>;
}

/** One GET of the Node per read, through the process's client for that kubeconfig (kube/rest.ts). */
export function createNodeStatusReader(kubeconfigPath: string): NodeStatusReader {
  const rest = kubeRestFor(kubeconfigPath);
  return {
    async read(nodeName) {
      try {
        const node = await rest.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${segment(nodeName)}` });
        const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
        const heartbeat = ready?.lastHeartbeatTime ? Math.floor(new Date(ready.lastHeartbeatTime).getTime() / 1000) : undefined;
        return { ready: ready?.status, heartbeat, reason: ready?.reason ?? ready?.message };
      } catch (error) {
        return { ready: undefined, heartbeat: undefined, reason: `API: ${errorMessage(error).split('\n')[0] ?? ''}` };
      }
    },
  };
}
