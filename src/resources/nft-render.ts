import { isIP } from 'node:net';
import type { FirewallSpec } from '../spec/schemas.ts';

/** Ports each CNI needs between nodes (CIS catalogue FW-05). Calico's IP-in-IP is protocol 4. */
const CNI_PORTS: Readonly<Record<NonNullable<FirewallSpec['cni']>['plugin'], readonly { protocol: 'tcp' | 'udp'; ports: string }[]>> = {
  calico: [
    { protocol: 'tcp', ports: '179' },
    { protocol: 'udp', ports: '4789' },
    { protocol: 'tcp', ports: '5473' },
    { protocol: 'udp', ports: '51820-51821' },
  ],
  cilium: [
    { protocol: 'udp', ports: '8472' },
    { protocol: 'udp', ports: '6081' },
    { protocol: 'tcp', ports: '4240' },
    { protocol: 'tcp', ports: '4244' },
    { protocol: 'udp', ports: '51871' },
  ],
  flannel: [
    { protocol: 'udp', ports: '8472' },
    { protocol: 'udp', ports: '8285' },
  ],
};

export const NFT_FILE_HEADER = '#!/usr/sbin/nft -f\n# Managed by nodeward: edits here are reverted on the next apply.\n';

/** `ip saddr { … } ` and/or `ip6 saddr { … } ` prefixes, one per address family present. */
function sourceMatches(from: readonly string[]): string[] {
  if (from.length === 0) return [''];
  const v4 = from.filter((a) => isIP(a.split('/')[0] ?? '') === 4);
  const v6 = from.filter((a) => isIP(a.split('/')[0] ?? '') === 6);
  return [...(v4.length > 0 ? [`ip saddr { ${v4.join(', ')} } `] : []), ...(v6.length > 0 ? [`ip6 saddr { ${v6.join(', ')} } `] : [])];
}

function portSet(ports: readonly (number | string)[]): string {
  return ports.length === 1 ? String(ports[0]) : `{ ${ports.join(', ')} }`;
}

function rules(from: readonly string[], protocol: string, ports: readonly (number | string)[], comment: string): string[] {
  return sourceMatches(from).map((src) => `${src}${protocol} dport ${portSet(ports)} accept comment "${comment}"`);
}

/**
 * The ruleset file: it replaces one `inet` table in a single `nft -f` transaction (add, delete,
 * define), so no other table — kube-proxy's, the CNI's — is ever flushed, and a failed load
 * changes nothing. Only the input hook is filtered; forwarded pod traffic is left alone.
 */
export function renderFirewall(spec: FirewallSpec): string {
  const table = `inet ${spec.table}`;
  const body = [
    'ct state established,related accept',
    'ct state invalid drop',
    'iif "lo" accept',
    'ip protocol icmp icmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept',
    'ip6 nexthdr ipv6-icmp icmpv6 type { echo-request, destination-unreachable, packet-too-big, time-exceeded, parameter-problem, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    ...rules(spec.sshFrom, 'tcp', [spec.sshPort], 'ssh from the bastion'),
    ...(spec.kubeletFrom.length > 0 ? rules(spec.kubeletFrom, 'tcp', [10250], 'kubelet API from the control plane') : []),
    ...(spec.cni
      ? [
          ...CNI_PORTS[spec.cni.plugin].flatMap((p) => rules(spec.cni?.from ?? [], p.protocol, [p.ports], `${spec.cni?.plugin ?? ''} ${p.protocol}/${p.ports}`)),
          ...(spec.cni.plugin === 'calico' ? sourceMatches(spec.cni.from).filter((s) => s.startsWith('ip ')).map((src) => `${src}meta l4proto 4 accept comment "calico ip-in-ip"`) : []),
        ]
      : []),
    ...(spec.dnsFrom.length > 0 ? [...rules(spec.dnsFrom, 'udp', [53], 'dns'), ...rules(spec.dnsFrom, 'tcp', [53], 'dns')] : []),
    ...spec.allow.flatMap((a) => rules(a.from, a.protocol, a.ports, a.name)),
  ];
  return [
    NFT_FILE_HEADER,
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    ...body.map((line) => `\t\t${line}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}
