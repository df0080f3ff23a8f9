import type { PendingRun } from '../node/run-state.ts';

/** What a plan may ask of a node. All of them are answered by one script, in one exec. */
export type FactRequest =
  /** lstat (or stat when `follow`) of a path; content when `content` and the file is small and not secret. */
  | { readonly kind: 'file'; readonly path: string; readonly content: boolean; readonly follow: boolean; readonly sensitive: boolean }
  /** The running kubelet (found by its process name) and the config file it was started with. */
  | { readonly kind: 'kubelet' }
  /** Paths matching a glob, each with stat -L. */
  | { readonly kind: 'glob'; readonly pattern: string }
  /** The live value of a sysctl. */
  | { readonly kind: 'sysctl'; readonly key: string }
  /** Every file `sysctl --system` / systemd-sysctl would read at boot, with content. */
  | { readonly kind: 'sysctlFiles' }
  | { readonly kind: 'unit'; readonly name: string }
  | { readonly kind: 'os' }
  /** nodeward's own node lock file, to show a run in progress. */
  | { readonly kind: 'lock'; readonly path: string }
  /** sshd's effective configuration (`sshd -T`) and whether the config is valid (`sshd -t`). */
  | { readonly kind: 'sshd' }
  /** Who nodeward is on the node: the login user, its groups, and SSH_CONNECTION as sshd set it. */
  | { readonly kind: 'login' }
  /** The loaded audit rules (`auditctl -l`), whether they are immutable, and whether augenrules exists. */
  | { readonly kind: 'audit' }
  /** A live nftables table (`nft list table`) and what nodeward recorded when it last loaded it. */
  | { readonly kind: 'nftTable'; readonly family: string; readonly table: string; readonly record: string }
  /** The installed version of a package and the package manager (dpkg/apt or rpm/dnf/yum). */
  | { readonly kind: 'package'; readonly name: string }
  /** Runs a crashed or cut-off controller left unfinished on the node (state dir). */
  | { readonly kind: 'pendingRuns'; readonly stateDir: string }
  /** `kubelet --version` of the running kubelet's binary (else the one on PATH). */
  | { readonly kind: 'kubeletVersion' };

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface PresentFile {
  readonly path: string;
  readonly exists: true;
  readonly type: FileType;
  /** Four octal digits, e.g. "0644". */
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly owner: string;
  readonly group: string;
  readonly size: number;
  /** sha256 (hex) of the content for regular files. */
  readonly sha256: string | undefined;
  readonly linkTarget: string | undefined;
  /**
   * `content`: fetched (see `content`); `sensitive`: the node withheld it (declared secret, or it
   * looks like a key, token or kubeconfig credential); `large`: over the size cap; `none`: not asked.
   */
  readonly contentState: 'content' | 'sensitive' | 'large' | 'none';
  readonly content: Buffer | undefined;
}

export interface AbsentFile {
  readonly path: string;
  readonly exists: false;
}

export type FileFact = PresentFile | AbsentFile;

export interface KubeletFact {
  /** PID of the running kubelet, if one runs. */
  readonly pid: number | undefined;
  readonly args: readonly string[];
  /** Its --config, or the kubeadm default when it does not run or has none. */
  readonly configPath: string;
  readonly configFromProcess: boolean;
  readonly config: FileFact;
}

export interface SysctlFile {
  readonly path: string;
  /** The file itself when `path` is a symlink (Debian's 99-sysctl.conf → ../sysctl.conf). */
  readonly realPath: string;
  readonly content: string;
}

export interface UnitFact {
  readonly name: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
  readonly unitFileState: string;
  readonly mainPid: number;
  readonly nRestarts: number;
  /** systemd's resolved IPAddressDeny= (`any` shows as 0.0.0.0/0 ::/0); empty when unset. */
  readonly ipAddressDeny: readonly string[];
}

export interface OsFact {
  readonly id: string;
  readonly idLike: readonly string[];
  readonly family: 'debian' | 'rhel' | 'other';
}

export interface LockFact {
  readonly runId: string;
  readonly owner: string;
  readonly pid: string;
  readonly command: string;
  /** Epoch seconds (node clock). */
  readonly expires: number;
  /** The node's clock when read. */
  readonly now: number;
  /** Which nodeward process holds it (node/controller-identity.ts), when it said. */
  readonly controller?: string | undefined;
  /**
   * Set by the reader, not the node: the holder was a nodeward process on this machine that is
   * gone. Its lock protects nothing any more; apply takes it over and finishes or undoes its run.
   */
  readonly abandoned?: boolean | undefined;
}

export interface SshdFact {
  /** `sshd -T` ran: `ok`; the config is invalid or sshd is missing: the reason. */
  readonly status: 'ok' | 'missing' | 'invalid';
  readonly error: string | undefined;
  /** Effective settings, keyword lowercased, every value line in order (AllowUsers repeats). */
  readonly settings: ReadonlyMap<string, readonly string[]>;
}

export interface LoginFact {
  readonly user: string;
  readonly groups: readonly string[];
  /** The client address and the server port from SSH_CONNECTION, when found. */
  readonly clientAddress: string | undefined;
  readonly serverPort: number | undefined;
}

export interface AuditFact {
  readonly auditctl: boolean;
  readonly augenrules: boolean;
  /** `enabled` from `auditctl -s`: 2 means the rules are locked until reboot. */
  readonly enabled: number | undefined;
  /** `auditctl -l` lines (no "No rules"). */
  readonly rules: readonly string[];
}

export interface NftTableFact {
  readonly family: string;
  readonly table: string;
  readonly nft: boolean;
  /** sha256 of `nft list table`'s output, undefined when the table does not exist. */
  readonly listingSha256: string | undefined;
  /** The record file's content (what nodeward loaded last), undefined when absent. */
  readonly record: string | undefined;
}

export interface PackageFact {
  readonly name: string;
  readonly manager: 'apt' | 'dnf' | 'yum' | 'none';
  /** Installed version (`dpkg-query` Version, or rpm `[EPOCH:]VERSION-RELEASE`); undefined when not installed. */
  readonly installed: string | undefined;
}

export interface KubeletVersionFact {
  /** The binary asked: the running kubelet's argv[0] when it is an absolute path, else `kubelet` on PATH. */
  readonly binary: string | undefined;
  /** `v1.31.4` from its `Kubernetes v1.31.4`; undefined when there is no kubelet or it printed no version. */
  readonly version: string | undefined;
}

/** A run left unfinished on the node (node/run-state.ts). */
export type PendingRunFact = PendingRun;

export interface NodeFacts {
  readonly host: string;
  readonly files: ReadonlyMap<string, FileFact>;
  readonly globs: ReadonlyMap<string, readonly string[]>;
  /** Live values; null when the key does not exist on this kernel. */
  readonly sysctls: ReadonlyMap<string, string | null>;
  readonly sysctlFiles: readonly SysctlFile[] | undefined;
  readonly units: ReadonlyMap<string, UnitFact>;
  readonly kubelet: KubeletFact | undefined;
  readonly os: OsFact | undefined;
  readonly lock?: LockFact | undefined;
  readonly pendingRuns?: readonly PendingRunFact[] | undefined;
  readonly sshd?: SshdFact | undefined;
  readonly login?: LoginFact | undefined;
  readonly audit?: AuditFact | undefined;
  /** By `family table`. */
  readonly nftTables?: ReadonlyMap<string, NftTableFact> | undefined;
  readonly packages?: ReadonlyMap<string, PackageFact> | undefined;
  readonly kubeletVersion?: KubeletVersionFact | undefined;
}
