import type { LabInfo } from '../../lab/lab.ts';
import { labSsh } from './helpers.ts';

/**
 * Runs a root shell script on a node over a new OpenSSH connection through the bastion (sudo on
 * the node) and returns its `key=value` lines: audits that share nothing with nodeward's parsers.
 */
export async function sshAudit(info: LabInfo, address: string, script: string): Promise<Record<string, string>> {
  const result = await labSsh(info, address, `echo ${Buffer.from(script).toString('base64')} | base64 -d | sudo -n sh`);
  if (result.code !== 0) throw new Error(`audit on ${address}: exit ${result.code}: ${result.stderr}`);
  const out: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

/** What the hardening playbooks should leave on a node, read with stat, sysctl -n, sshd -T, nft, systemctl, auditctl, grep. */
export const HARDENED_AUDIT = String.raw`
C=/var/lib/kubelet/config.yaml
key() { sed -n "s/^$1:[[:space:]]*//p" "$C" | head -n 1; }
for k in net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.all.accept_redirects net.ipv4.conf.all.send_redirects \
  net.ipv4.conf.all.accept_source_route net.ipv4.tcp_syncookies kernel.randomize_va_space net.bridge.bridge-nf-call-iptables \
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
  echo "$k=$(sysctl -n $k)"
done
echo "persisted=$(grep -c '^[a-z]' /etc/sysctl.d/99-k8s-hardening.conf)"
echo "modes=$(stat -L -c %a /lib/systemd/system/kubelet.service /etc/systemd/system/kubelet.service.d/10-kubeadm.conf /etc/kubernetes/kubelet.conf "$C" /etc/kubernetes/pki/ca.crt /var/lib/kubelet/pki/kubelet.key | tr '\n' ' ')"
echo "anonymous=$(sed -n '/^  anonymous:/,/^  [a-z]/s/^    enabled:[[:space:]]*//p' "$C")"
echo "authz=$(sed -n '/^authorization:/,/^[a-z]/s/^  mode:[[:space:]]*//p' "$C")"
for k in readOnlyPort protectKernelDefaults seccompDefault rotateCertificates podPidsLimit cgroupDriver; do echo "$k=$(key $k)"; done
echo "kubeletComment=$(grep -c 'TODO(ops): turn this off' "$C")"
sshd -T | grep -Ei '^(passwordauthentication|permitrootlogin|kbdinteractiveauthentication|maxauthtries|x11forwarding|allowusers) ' | sed 's/ /=/'
echo "ctdOom=$(grep -c 'restrict_oom_score_adj = false' /etc/containerd/config.toml)"
echo "ctdSystemd=$(grep -c 'SystemdCgroup = true' /etc/containerd/config.toml)"
echo "ctdSandbox=$(grep -c 'sandbox_image = "registry.k8s.io/pause:3.10"' /etc/containerd/config.toml)"
echo "ctdDump=$(containerd config dump >/dev/null 2>&1 && echo ok)"
echo "nftDrop=$(nft list table inet nodeward | grep -c 'policy drop')"
echo "nftSsh=$(nft list table inet nodeward | grep -c 'ip saddr 198.19.0.1 tcp dport 22 accept')"
echo "otherTable=$(nft list table inet othertable 2>/dev/null | grep -c 'tcp dport 9999')"
for u in vsftpd inetd auditd nodeward-firewall; do echo "$u=$(systemctl is-enabled $u 2>/dev/null || true)/$(systemctl is-active $u)"; done
echo "auditWatch=$(auditctl -l | grep -c -- '-w /etc/kubernetes -p wa -k k8s_config')"
echo "auditKubelet=$(auditctl -l | grep -c -- "-w $C -p wa -k k8s_kubelet")"
`;

