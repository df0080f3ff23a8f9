/** What nodeward needs to know about a Node to cordon it and give it back as it was. */
export interface NodeSchedule {
  readonly name: string;
  readonly unschedulable: boolean;
  readonly annotations: Readonly<Record<string, string>>;
  readonly resourceVersion: string | undefined;
}

/** A merge patch of a Node: schedulability and annotations (null removes one), guarded by resourceVersion. */
export interface NodeSchedulePatch {
  readonly resourceVersion: string | undefined;
  readonly unschedulable: boolean | null;
  readonly annotations: Readonly<Record<string, string | null>>;
}

export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly phase: string;
  /** Kinds of the controller owner references (DaemonSet, ReplicaSet, …); empty for a bare pod. */
  readonly controllerKinds: readonly string[];
  /** A static pod's mirror: the kubelet owns it, the API cannot evict it. */
  readonly mirror: boolean;
  readonly deleting: boolean;
}

export type EvictionAnswer =
  | { readonly kind: 'evicted' }
  | { readonly kind: 'gone' }
  /** 429: a PodDisruptionBudget does not allow it now. */
  | { readonly kind: 'blocked'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

/** The Kubernetes calls a drain makes. The only implementation talking to an API server is kube/client.ts. */
export interface KubeNodes {
  getNode(name: string): Promise<NodeSchedule>;
  /** Throws KubeConflictError when resourceVersion no longer matches. */
  patchNode(name: string, patch: NodeSchedulePatch): Promise<void>;
  podsOn(nodeName: string): Promise<PodView[]>;
  evict(pod: PodView): Promise<EvictionAnswer>;
}
