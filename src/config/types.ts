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
}
