/** The fields nodeward reads of the core/v1 objects (the API server sends more; none is trusted to be there). */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string | null;
  readonly ownerReferences?: readonly { readonly kind: string; readonly controller?: boolean }[];
}

export interface NodeCondition {
  readonly type: string;
  readonly status: string;
  readonly lastHeartbeatTime?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface V1Node {
  readonly metadata?: ObjectMeta;
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: {
    readonly addresses?: readonly { readonly type: string; readonly address: string }[];
    readonly conditions?: readonly NodeCondition[];
    readonly nodeInfo?: { readonly kubeletVersion?: string };
  };
}

export interface V1Pod {
  readonly metadata?: ObjectMeta;
  readonly status?: { readonly phase?: string };
}

export interface V1List<T> {
  readonly metadata?: { readonly continue?: string; readonly resourceVersion?: string };
  readonly items?: readonly T[];
}

/** A path segment (a Node, a namespace, a pod name) as one segment, whatever it holds. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}
