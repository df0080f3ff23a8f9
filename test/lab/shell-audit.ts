import type { LabInfo } from '../../lab/lab.ts';
import { labSsh } from './helpers.ts';

/**
 * Plain-shell audits over SSH (through the bastion, sudo on the node): stat, sysctl -n, grep,
 * sshd -T. They share nothing with nodeward's parsers, so the check report can be held against them.
 */
const SCRIPT = String.raw`
C=/var/lib/kubelet/config.yaml
key() { sed -n "s/^$1:[[:space:]]*//p" "$C" | head -n 1; }
echo "units=$(stat -L -c %a /lib/systemd/system/kubelet.service /etc/systemd/system/kubelet.service.d/*.conf 2>/dev/null | tr '\n' ' ')"
echo "kubeconfig=$(stat -L -c %a /etc/kubernetes/kubelet.conf)"
echo "ca=$(stat -L -c %a /etc/kubernetes/pki/ca.crt)"
echo "config=$(stat -L -c %a "$C")"
echo "anonymous=$(sed -n '/^  anonymous:/,/^  [a-z]/s/^    enabled:[[:space:]]*//p' "$C")"
echo "authz=$(sed -n '/^authorization:/,/^[a-z]/s/^  mode:[[:space:]]*//p' "$C")"
echo "readOnlyPort=$(key readOnlyPort)"
echo "rotateCertificates=$(key rotateCertificates)"
echo "podPidsLimit=$(key podPidsLimit)"
echo "seccompDefault=$(key seccompDefault)"
echo "makeIPTablesUtilChains=$(key makeIPTablesUtilChains)"
# the value at boot: sysctl.d files by name (the first directory wins a name), /etc/sysctl.conf last, the last line wins
order=$(for d in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d; do for f in "$d"/*.conf; do [ -f "$f" ] && echo "$(basename "$f") $f"; done; done | awk '!seen[$1]++' | sort -k1,1 | cut -d' ' -f2)
[ -f /etc/sysctl.conf ] && order="$order /etc/sysctl.conf"
boot() { cat $order 2>/dev/null | grep -v '^[[:space:]]*[#;]' | tr -d ' \t' | sed -n "s/^-\{0,1\}$(echo "$1" | sed 's/\./[.\/]/g')=//p" | tail -n 1; }
for k in net.ipv4.tcp_syncookies net.ipv4.conf.all.accept_redirects net.ipv4.conf.default.accept_redirects net.ipv4.ip_forward kernel.randomize_va_space; do
  echo "$k=$(sysctl -n $k)"
  echo "boot:$k=$(boot $k)"
done
sshd -T 2>/dev/null | grep -Ei '^(passwordauthentication|permitrootlogin|x11forwarding|maxauthtries) ' | sed 's/ /=/'
`;

export async function shellAudit(info: LabInfo, address: string): Promise<Record<string, string>> {
  const result = await labSsh(info, address, `echo ${Buffer.from(SCRIPT).toString('base64')} | base64 -d | sudo -n sh`);
  if (result.code !== 0) throw new Error(`shell audit on ${address}: exit ${result.code}: ${result.stderr}`);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

const within = (mode: string, max: number): boolean => mode !== '' && (Number.parseInt(mode, 8) & ~max & 0o7777) === 0;

/**
 * Per check id: does the plain-shell audit say the node fails it? Only ids whose property the shell
 * sees whole; the kernel playbook wants its values live and at boot, so the shell reads both.
 */
export const SHELL_VERDICTS: Record<string, (a: Record<string, string>) => boolean> = {
  '4.1.1': (a) => (a['units'] ?? '').trim() === '' || (a['units'] ?? '').trim().split(/\s+/).some((m) => !within(m, 0o600)),
  '4.1.5': (a) => !within(a['kubeconfig'] ?? '', 0o600),
  '4.1.7': (a) => !within(a['ca'] ?? '', 0o644),
  '4.1.9': (a) => !within(a['config'] ?? '', 0o600),
  '4.2.1': (a) => a['anonymous'] !== 'false',
  '4.2.2': (a) => (a['authz'] ?? '') === '' || (a['authz'] ?? '').includes('AlwaysAllow'),
  '4.2.4': (a) => (a['readOnlyPort'] ?? '') !== '' && a['readOnlyPort'] !== '0',
  // CIS: not set to false (unset passes; the v1beta1 default is false, which KCFG-10 covers)
  '4.2.10': (a) => a['rotateCertificates'] === 'false',
  '4.2.13': (a) => !(Number(a['podPidsLimit']) > 0),
  '4.2.14': (a) => a['seccompDefault'] !== 'true',
  'SYS-01': (a) => a['net.ipv4.ip_forward'] !== '1' || a['boot:net.ipv4.ip_forward'] !== '1',
  'SYS-08': (a) => a['net.ipv4.tcp_syncookies'] !== '1' || a['boot:net.ipv4.tcp_syncookies'] !== '1',
  'SYS-09': (a) => a['kernel.randomize_va_space'] !== '2' || a['boot:kernel.randomize_va_space'] !== '2',
  'SSH-01': (a) => a['passwordauthentication'] !== 'no',
  'SSH-10': (a) => a['x11forwarding'] !== 'no',
};
