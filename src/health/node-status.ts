import type { CoreV1Api } from '@kubernetes/client-node';
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

/** The Kubernetes client loads on first use: it costs a third of a second, and most runs never need it. */
export function createNodeStatusReader(kubeconfigPath: string): NodeStatusReader {
  let api: Promise<CoreV1Api> | undefined;
  const client = (): Promise<CoreV1Api> => {
    api ??= import('@kubernetes/client-node').then(({ CoreV1Api: Api, KubeConfig }) => {
      const config = new KubeConfig();
      config.loadFromFile(kubeconfigPath);
      return config.makeApiClient(Api);
    });
    return api;
  };
  return {
    async read(nodeName) {
      try {
        const node = await (await client()).readNode({ name: nodeName });
        const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
        const heartbeat = ready?.lastHeartbeatTime ? Math.floor(new Date(ready.lastHeartbeatTime).getTime() / 1000) : undefined;
        return { ready: ready?.status, heartbeat, reason: ready?.reason ?? ready?.message };
      } catch (error) {
        return { ready: undefined, heartbeat: undefined, reason: `API: ${errorMessage(error).split('\n')[0] ?? ''}` };
      }
    },
  };
}
