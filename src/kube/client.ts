import type * as k8s from '@kubernetes/client-node';
import { describeApiError, KubeApiError, KubeConflictError } from './errors.ts';
import type { KubeNodes, NodeSchedule, PodView } from './types.ts';

function podView(pod: k8s.V1Pod): PodView {
  const meta = pod.metadata ?? {};
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    controllerKinds: (meta.ownerReferences ?? []).filter((ref) => ref.controller === true).map((ref) => ref.kind),
    mirror: meta.annotations?.['kubernetes.io/config.mirror'] !== undefined,
    deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
  };
}

function fail(what: string, error: unknown): never {
  const { status, message } = describeApiError(error);
  if (status === 409) throw new KubeConflictError(`${what}: ${message}`);
  throw new KubeApiError(`${what}: ${message}`, status);
}

/** Nodes and pods through @kubernetes/client-node, with the inventory's kubeconfig. */
export function createKubeNodes(kubeconfigPath: string): KubeNodes {
  // client-node costs ~60 MB of memory and a third of a second to load: only a run that calls
  // the API pays for it (a kubeconfig that cannot be loaded fails that first call).
  let client: Promise<{ api: k8s.CoreV1Api; mergePatch: ReturnType<typeof k8s.setHeaderOptions> }> | undefined;
  const connect = () =>
    (client ??= import('@kubernetes/client-node').then(({ CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions }) => {
      const config = new KubeConfig();
      config.loadFromFile(kubeconfigPath);
      return { api: config.makeApiClient(CoreV1Api), mergePatch: setHeaderOptions('Content-Type', PatchStrategy.MergePatch) };
    }));
  return {
    async getNode(name): Promise<NodeSchedule> {
      try {
        const { api } = await connect();
        const node = await api.readNode({ name });
        return {
          name,
          unschedulable: node.spec?.unschedulable === true,
          annotations: node.metadata?.annotations ?? {},
          resourceVersion: node.metadata?.resourceVersion,
        };
      } catch (error) {
        return fail(`reading Node ${name}`, error);
      }
    },
    async patchNode(name, patch) {
      const body = {
        metadata: { ...(patch.resourceVersion ? { resourceVersion: patch.resourceVersion } : {}), annotations: patch.annotations },
        spec: { unschedulable: patch.unschedulable },
      };
      try {
        const { api, mergePatch } = await connect();
        await api.patchNode({ name, body }, mergePatch);
      } catch (error) {
        fail(`patching Node ${name}`, error);
      }
    },
    async podsOn(nodeName) {
      try {
        const { api } = await connect();
        const list = await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` });
        return list.items.map(podView);
      } catch (error) {
        return fail(`listing the pods on ${nodeName}`, error);
      }
    },
    async evict(pod) {
      try {
        const { api } = await connect();
        await api.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace }, deleteOptions: { preconditions: { uid: pod.uid } } },
        });
        return { kind: 'evicted' };
      } catch (error) {
        const { status, message } = describeApiError(error);
        if (status === 404) return { kind: 'gone' };
        // 409: the uid precondition failed, the pod we meant is gone (a replacement took its name)
        if (status === 409) return { kind: 'gone' };
        if (status === 429) return { kind: 'blocked', message };
        return { kind: 'error', message };
      }
    },
  };
}
