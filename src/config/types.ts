import type { BenchmarkId } from './benchmark-ids.ts';

/** The validated, normalized inventory that every other layer consumes. */

export type Become = 'sudo' | 'none';

export interface BastionSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Absolute path; undefined means ssh-agent ($SSH_AUTH_SOCK). */
  readonly identityFile: string | undefined;
}

export interface HostSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Absolute path; undefined means ssh-agent ($SSH_AUTH_SOCK). */
  readonly identityFile: string | undefined;
  readonly become: Become;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  /** Playbook variables for this host (defaults < group vars < host vars already merged). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Found through `nodes: { fromKubernetes }`: its Node and the state the API server reported for it when the inventory was loaded. */
  readonly kubernetes?: KubeNodeState | undefined;
}

/** A Node's state as the API server reported it (carried into the plan beside the node's changes). */
export interface KubeNodeState {
  /** The Node's name in the cluster (the inventory may name the node otherwise, `nameFrom`). */
  readonly node: string;
  /** The Ready condition: True, False, Unknown; undefined when the Node has none yet. */
  readonly ready: string | undefined;
  /** spec.unschedulable: cordoned. */
  readonly cordoned: boolean;
  readonly kubeletVersion: string | undefined;
}

/** A Node as discovery lists it (kube/list-nodes.ts reads it from the API server). */
export interface DiscoveredNode {
  readonly name: string;
  /** status.addresses by type (InternalIP, ExternalIP, Hostname, …), first of each type. */
  readonly addresses: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: KubeNodeState;
}

/** `nodes: { fromKubernetes }`: the selector nodes were discovered with, for messages (a saved plan's node no longer there). */
export interface NodeDiscovery {
  readonly labelSelector: string | undefined;
  /** Every Node the selector found, by inventory name (before --limit). */
  readonly found: readonly string[];
}

export interface Inventory {
  /** Absolute path of the inventory file. */
  readonly file: string;
  readonly bastion: BastionSpec | undefined;
  /** Absolute path of the OpenSSH known_hosts file used for the bastion and every node. */
  readonly knownHosts: string;
  /** Absolute path of a kubeconfig for Node status, if given. */
  readonly kubeconfig: string | undefined;
  /** `benchmark:`, the CIS benchmark `check` judges by; undefined: per node, from its kubelet's version. */
  readonly benchmark: BenchmarkId | undefined;
  readonly nodes: readonly HostSpec[];
  /** Set when the nodes (some of them) come from the cluster. */
  readonly discovery?: NodeDiscovery | undefined;
}

/** The Node a host is in the cluster: its own when discovered (`nameFrom` may name the host otherwise), else the host's name. */
export function kubeNodeName(host: Pick<HostSpec, 'name' | 'kubernetes'>): string {
  return host.kubernetes?.node ?? host.name;
}
