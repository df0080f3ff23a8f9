import type { SourcePosition } from '../util/errors.ts';
import type { BenchmarkId } from './benchmark-ids.ts';

/** The validated, normalized inventory that every other layer consumes. */

export type Become = 'sudo' | 'none';

/**
 * Settings of one SSH hop that an ssh config (`ssh: { config }`) gave; a field left out is the
 * inventory's (known_hosts) or the command line's (--connect-timeout, --accept-new).
 */
export interface HopSettings {
  /** Absolute path of this host's known_hosts (UserKnownHostsFile). */
  readonly knownHosts?: string | undefined;
  /** StrictHostKeyChecking accept-new: record the key of a host not yet known (a changed key is still refused). */
  readonly acceptNew?: boolean | undefined;
  readonly connectTimeoutMs?: number | undefined;
  readonly keepaliveIntervalMs?: number | undefined;
  readonly keepaliveCountMax?: number | undefined;
  /** Where the ssh config named this hop's key and known_hosts (for messages about those files). */
  readonly origins?: { readonly identityFile?: SourcePosition | undefined; readonly knownHosts?: SourcePosition | undefined } | undefined;
}

export interface BastionSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Absolute path; undefined means ssh-agent ($SSH_AUTH_SOCK). */
  readonly identityFile: string | undefined;
  readonly ssh?: HopSettings | undefined;
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
  /** The bastion this host is reached through: undefined, the inventory's; null, none (ProxyJump none). */
  readonly bastion?: BastionSpec | null | undefined;
  readonly ssh?: HopSettings | undefined;
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
  /** Absolute path of the OpenSSH client config hosts were resolved through (`ssh: { config }`, --ssh-config). */
  readonly sshConfig?: string | undefined;
  readonly nodes: readonly HostSpec[];
  /** Set when the nodes (some of them) come from the cluster. */
  readonly discovery?: NodeDiscovery | undefined;
}

/** The Node a host is in the cluster: its own when discovered (`nameFrom` may name the host otherwise), else the host's name. */
export function kubeNodeName(host: Pick<HostSpec, 'name' | 'kubernetes'>): string {
  return host.kubernetes?.node ?? host.name;
}
