import { kubeletDataDirAudit, kubeletKeysAudit } from './audits/files.ts';
import { cgroupDriversMatch, containerdCgroupDriverSet, containerdNoTcp } from './audits/containerd.ts';
import { allSettings, kubeletSetting, mustBe } from './audits/kubelet-settings.ts';
import { sysctlAudit } from './audits/sysctl.ts';
import type { Audit, CheckDef } from './types.ts';
import { PROTECT_KERNEL_DEFAULTS } from '../spec/well-known.ts';

function guide(id: string, title: string, audit?: Audit, remediation = 'apply the playbook entry that carries this id', concerns?: readonly string[]): CheckDef {
  return { id, title, source: 'guide', assessment: 'automated', requests: [], audit, remediation, concerns };
}

const both = (prefix: string, keys: readonly string[], value: string): Record<string, string> =>
  Object.fromEntries(keys.flatMap((key) => ['all', 'default'].map((scope) => [`${prefix}.${scope}.${key}`, value])));

/** The kernel tunables a kubelet with protectKernelDefaults refuses to start without (exact values). */
export const KUBELET_TUNABLES = PROTECT_KERNEL_DEFAULTS;

/** Values the guide fixes for every node; rp_filter (per CNI) and IPv6 forwarding (per site) are left to the playbooks. */
export const GUIDE_SYSCTLS = {
  'SYS-01': { 'net.ipv4.ip_forward': '1' },
  'SYS-04': { ...both('net.ipv4.conf', ['accept_redirects'], '0'), ...both('net.ipv6.conf', ['accept_redirects'], '0') },
  'SYS-05': both('net.ipv4.conf', ['secure_redirects'], '0'),
  'SYS-06': { ...both('net.ipv4.conf', ['accept_source_route'], '0'), ...both('net.ipv6.conf', ['accept_source_route'], '0') },
  'SYS-07': both('net.ipv4.conf', ['send_redirects'], '0'),
  'SYS-08': { 'net.ipv4.tcp_syncookies': '1' },
  'SYS-09': { 'kernel.randomize_va_space': '2' },
  'SYS-10': { 'net.bridge.bridge-nf-call-iptables': '1', 'net.bridge.bridge-nf-call-ip6tables': '1' },
} as const satisfies Record<string, Record<string, string>>;

const tunable = (id: string, key: string): CheckDef => guide(id, `${key} = ${KUBELET_TUNABLES[key] ?? ''} (kubelet protectKernelDefaults)`, sysctlAudit({ [key]: KUBELET_TUNABLES[key] ?? '' }));

/** Node-hardening guide and dev-sec items (../shared/cis-node-checks.md §3); listed when a playbook carries them. */
export const GUIDE_CHECKS: readonly CheckDef[] = [
  guide('KCFG-01', 'kubelet webhook authentication enabled', kubeletSetting(undefined, 'authentication.webhook.enabled', mustBe(true, false)), undefined, ['authentication.webhook']),
  guide('KCFG-02', 'kubelet serving certificate signed by the cluster (serverTLSBootstrap)'),
  guide('KCFG-03', 'kubelet protectKernelDefaults with its kernel tunables', allSettings([kubeletSetting('protect-kernel-defaults', 'protectKernelDefaults', mustBe(true, true)), sysctlAudit(KUBELET_TUNABLES)])),
  guide('KCFG-04', 'kubelet debugging handlers off', kubeletSetting('enable-debugging-handlers', 'enableDebuggingHandlers', mustBe(false, true))),
  guide('KCFG-05', 'kubelet cgroupDriver matches containerd', cgroupDriversMatch),
  guide('KCFG-06', 'kubelet eviction thresholds and reservations'),
  guide('KCFG-07', 'kubelet healthz on loopback'),
  guide('KCFG-08', 'no kubelet flags that override managed config keys'),
  guide('KCFG-09', 'kubelet settings survive kubeadm upgrade'),
  // CIS passes several 4.2 keys when they are absent (the defaults comply); the playbooks still
  // write them, so the node does not depend on a default: that is this item, not the CIS verdict
  guide('KCFG-10', "kubelet settings CIS 4.2 passes on their defaults are written explicitly, at the playbook's values"),
  guide('PERM-01', '/var/lib/kubelet owned by root, not group or world writable', kubeletDataDirAudit),
  guide('PERM-02', 'kubelet private keys 0600 root:root', kubeletKeysAudit),
  guide('PERM-03', '/etc/kubernetes/pki root:root, certificates 644, keys 600'),
  guide('PERM-04', 'no world-writable files in the Kubernetes config trees'),
  guide('PERM-05', 'kubelet flag and environment files root:root, 644 or stricter'),
  guide('PERM-06', 'sysctl, containerd, audit and sshd config files root:root, not group or world writable'),
  ...Object.keys(KUBELET_TUNABLES).map((key, i) => tunable(`SYS-K${i + 1}`, key)),
  guide('SYS-01', 'IPv4 forwarding on (pods and Services need it)', sysctlAudit(GUIDE_SYSCTLS['SYS-01'])),
  guide('SYS-02', 'IPv6 forwarding as the cluster needs'),
  guide('SYS-03', 'reverse-path filtering as the CNI needs'),
  guide('SYS-04', 'ICMP redirects not accepted', sysctlAudit(GUIDE_SYSCTLS['SYS-04'])),
  guide('SYS-05', 'secure ICMP redirects not accepted', sysctlAudit(GUIDE_SYSCTLS['SYS-05'])),
  guide('SYS-06', 'source-routed packets not accepted', sysctlAudit(GUIDE_SYSCTLS['SYS-06'])),
  guide('SYS-07', 'ICMP redirects not sent', sysctlAudit(GUIDE_SYSCTLS['SYS-07'])),
  guide('SYS-08', 'TCP SYN cookies on', sysctlAudit(GUIDE_SYSCTLS['SYS-08'])),
  guide('SYS-09', 'full address-space layout randomization', sysctlAudit(GUIDE_SYSCTLS['SYS-09'])),
  guide('SYS-10', 'bridged traffic goes through iptables (br_netfilter)', sysctlAudit(GUIDE_SYSCTLS['SYS-10'])),
  guide('SYS-11', 'ICMP broadcast and bogus errors ignored, martians logged'),
  guide('SYS-12', 'protected links, FIFOs and regular files; no setuid core dumps'),
  guide('SYS-13', 'kernel pointer, sysrq, ptrace and kexec restrictions'),
  guide('SYS-14', 'TCP and ARP hardening'),
  guide('SYS-15', 'IPv6 router advertisements and autoconfiguration off'),
  guide('SYS-16', 'mmap address restrictions and randomization bits'),
  guide('CTD-01', "containerd's runc cgroup driver written explicitly (systemd, or cgroupfs where the node runs it)", containerdCgroupDriverSet),
  guide('CTD-02', 'containerd API never on TCP', containerdNoTcp),
  guide('CTD-03', 'containerd socket owned by root:root'),
  guide('CTD-04', 'containerd streaming server on loopback'),
  guide('CTD-05', 'containerd restrict_oom_score_adj as the runtime mode needs'),
  guide('CTD-06', 'containerd disable_proc_mount written explicitly'),
  guide('CTD-07', 'containerd unprivileged ports and ICMP set explicitly'),
  guide('CTD-08', 'containerd config file root:root, 644 or stricter'),
  guide('CTD-09', 'containerd debug and metrics listeners not exposed'),
  guide('SSH-01', 'sshd: no password authentication'),
  guide('SSH-02', 'sshd: root login refused or key-only'),
  guide('SSH-03', 'sshd: public-key authentication'),
  guide('SSH-04', 'sshd: no empty passwords'),
  guide('SSH-05', 'sshd: no keyboard-interactive authentication'),
  guide('SSH-06', 'sshd: AllowUsers/AllowGroups include the operator'),
  guide('SSH-07', 'sshd: MaxAuthTries 2'),
  guide('SSH-08', 'sshd: LoginGraceTime 30'),
  guide('SSH-09', 'sshd: client alive interval and count'),
  guide('SSH-10', 'sshd: no X11 forwarding'),
  guide('SSH-11', 'sshd: no TCP or agent forwarding, tunnels or gateway ports'),
  guide('SSH-12', 'sshd: no host-based authentication, rhosts ignored'),
  guide('SSH-13', 'sshd: UseDNS, Compression and TCPKeepAlive off'),
  guide('SSH-14', 'sshd: verbose logging to AUTH'),
  guide('SSH-15', 'sshd: MaxSessions and MaxStartups limits'),
  guide('SSH-16', 'sshd: no user environment, strict modes'),
  guide('SSH-17', 'sshd: strong ciphers, MACs and key exchange'),
  guide('SSH-18', 'sshd reachable from the bastion only'),
  guide('SSH-19', 'fail2ban sshd jail ignoring the bastion'),
  guide('SVC-01', 'telnet services disabled'),
  guide('SVC-02', 'FTP services disabled'),
  guide('SVC-03', 'NFS server disabled'),
  guide('SVC-04', 'SMB services disabled'),
  guide('SVC-05', 'HTTP servers on the host disabled'),
  guide('SVC-06', 'mail transfer agents disabled'),
  guide('SVC-07', 'print services disabled'),
  guide('SVC-08', 'X11 display managers disabled'),
  guide('SVC-09', 'other unneeded network services disabled'),
  guide('FW-01', 'firewall: established, loopback and invalid handled first'),
  guide('FW-02', 'firewall: essential ICMP allowed'),
  guide('FW-03', 'firewall: SSH from the bastion only'),
  guide('FW-04', 'firewall: kubelet API from the control plane only'),
  guide('FW-05', 'firewall: CNI traffic between nodes'),
  guide('FW-06', 'firewall: NodePorts and kube-proxy healthz as used'),
  guide('FW-07', 'firewall: DNS as needed'),
  guide('FW-08', 'firewall: everything else inbound dropped'),
  guide('FW-09', 'firewall: forward chain left to the CNI'),
  guide('AUD-01', 'auditd installed, enabled and active'),
  guide('AUD-02', 'audit rule watching /etc/kubernetes'),
  guide('AUD-03', 'audit rules watching the kubelet, containerd and sysctl configs'),
];
