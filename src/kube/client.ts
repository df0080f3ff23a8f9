import type { V1Node, V1Pod } from './api-types.ts';
import { segment } from './api-types.ts';
import { describeApiError, KubeApiError, KubeConflictError } from './errors.ts';
import { kubeRestFor, listAll, type KubeRest } from './rest.ts';
import type { KubeNodes, NodeSchedule, PodView } from './types.ts';

function podView(pod: V1Pod): PodView {
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

/** Nodes and pods through the inventory's kubeconfig (kube/rest.ts; nothing is read before the first call). */
export function createKubeNodes(kubeconfigPath: string, rest: KubeRest = kubeRestFor(kubeconfigPath)): KubeNodes {
  return {
    async getNode(name): Promise<NodeSchedule> {
      try {
        const node = await rest.request<V1Node>({ method: 'GET', path: `/api/v1/nodes/${segment(name)}` });
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
      // a merge patch: null removes a key; resourceVersion makes the server refuse (409) a Node changed since our read
      const body = {
        metadata: { ...(patch.resourceVersion ? { resourceVersion: patch.resourceVersion } : {}), annotations: patch.annotations },
        spec: { unschedulable: patch.unschedulable },
      };
      try {
        await rest.request<V1Node>({ method: 'PATCH', path: `/api/v1/nodes/${segment(name)}`, body, contentType: 'application/merge-patch+json' });
      } catch (error) {
        fail(`patching Node ${name}`, error);
      }
    },
    async podsOn(nodeName) {
      try {
        const pods = await listAll<V1Pod>(rest, '/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` });
        return pods.map(podView);
      } catch (error) {
        return fail(`listing the pods on ${nodeName}`, error);
      }
    },
    async evict(pod) {
      try {
        await rest.request({
          method: 'POST',
          path: `/api/v1/namespaces/${segment(pod.namespace)}/pods/${segment(pod.name)}/eviction`,
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
