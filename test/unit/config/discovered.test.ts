import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from '../../../src/config/load-inventory.ts';
import type { DiscoveredNode } from '../../../src/config/types.ts';
import { ConfigError } from '../../../src/util/errors.ts';

const FILE = '/srv/inv/inventory.yaml';
const env = { home: '/home/tester' };

function node(name: string, ip: string | undefined, labels: Record<string, string> = {}, extra: Partial<DiscoveredNode> = {}): DiscoveredNode {
  return {
    name,
    addresses: { ...(ip ? { InternalIP: ip } : {}), Hostname: name },
    labels: { 'kubernetes.io/hostname': name, ...labels },
    annotations: {},
    state: { node: name, ready: 'True', cordoned: false, kubeletVersion: 'v1.31.4' },
    ...extra,
  };
}

const cluster = [
  node('w-1', '10.0.1.1', { 'topology.kubernetes.io/zone': 'eu-1a', 'node-role.kubernetes.io/worker': '' }),
  node('w-2', '10.0.1.2', { 'topology.kubernetes.io/zone': 'eu-1b', 'node-role.kubernetes.io/worker': '' }, { annotations: { 'example.com/ssh': 'w-2.ssh.example' } }),
];

function issues(text: string, nodes: readonly DiscoveredNode[] = cluster): string[] {
  try {
    parseInventory(text, FILE, env, nodes);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line}:${i.column} ${i.message}`);
    throw error;
  }
  return [];
}

describe('nodes from the cluster', () => {
  it('makes every listed Node a node: address, labels, defaults, groups and its Kubernetes state', () => {
    const inv = parseInventory(
      ['kubeconfig: ./kubeconfig', 'defaults: { user: ops, port: 2222 }', 'groups:', '  eu-1a: { match: { topology.kubernetes.io/zone: eu-1a }, vars: { x: 1 } }', 'nodes:', '  fromKubernetes: { labelSelector: node-role.kubernetes.io/worker }', ''].join('\n'),
      FILE,
      env,
      cluster,
    );
    expect(inv.kubeconfig).toBe('/srv/inv/kubeconfig');
    expect(inv.nodes.map((h) => [h.name, h.address, h.user, h.port, h.groups])).toEqual([
      ['w-1', '10.0.1.1', 'ops', 2222, ['eu-1a']],
      ['w-2', '10.0.1.2', 'ops', 2222, []],
    ]);
    expect(inv.nodes[0]?.labels['topology.kubernetes.io/zone']).toBe('eu-1a');
    expect(inv.nodes[0]?.vars).toEqual({ x: 1 });
    expect(inv.nodes[1]?.kubernetes).toEqual({ node: 'w-2', ready: 'True', cordoned: false, kubeletVersion: 'v1.31.4' });
    expect(inv.discovery).toEqual({ labelSelector: 'node-role.kubernetes.io/worker', found: ['w-1', 'w-2'] });
  });

  it('merges explicit entries: the same name amends the Node, another name is a node of its own', () => {
    const inv = parseInventory(
      [
        'kubeconfig: ./kubeconfig',
        'defaults: { user: ops }',
        'nodes:',
        '  - fromKubernetes: {}',
        '  - { name: w-2, user: admin, labels: { pool: infra } }',
        '  - { name: gpu-9, address: 10.0.9.9 }',
        '',
      ].join('\n'),
      FILE,
      env,
      cluster,
    );
    expect(inv.nodes.map((h) => [h.name, h.address, h.user, h.labels['pool'] ?? null, h.kubernetes?.node ?? null])).toEqual([
      ['w-1', '10.0.1.1', 'ops', null, 'w-1'],
      ['w-2', '10.0.1.2', 'admin', 'infra', 'w-2'],
      ['gpu-9', '10.0.9.9', 'ops', null, null],
    ]);
    expect(inv.nodes[1]?.labels['topology.kubernetes.io/zone']).toBe('eu-1b');
  });

  it('takes the address and the name from a label or an annotation', () => {
    const inv = parseInventory(
      ['kubeconfig: k', 'defaults: { user: ops }', 'nodes:', '  fromKubernetes:', '    address: { annotation: example.com/ssh }', '    nameFrom: { label: kubernetes.io/hostname }', ''].join('\n'),
      FILE,
      env,
      [cluster[1] as DiscoveredNode],
    );
    expect(inv.nodes.map((h) => [h.name, h.address])).toEqual([['w-2', 'w-2.ssh.example']]);
  });

  it('names the file, line and column of what is wrong', () => {
    expect(issues(['defaults: { user: ops }', 'nodes:', '  fromKubernetes: { labelSelector: "zone in (a" }', ''].join('\n'))).toEqual([
      "3:3 fromKubernetes lists the Nodes with the inventory's kubeconfig: set `kubeconfig:` (a path)",
      "3:36 nodes[0].fromKubernetes.labelSelector: is not a label selector: unable to parse requirement 'zone in (a'",
    ]);
    expect(issues(['kubeconfig: k', 'nodes:', '  fromKubernetes: { adress: InternalIP }', ''].join('\n'))[0]).toMatch(/^3:3 nodes\[0\]: the nodes fromKubernetes finds need a user/);
    expect(issues(['kubeconfig: k', 'defaults: { user: ops }', 'nodes:', '  fromKubernetes: { adress: InternalIP }', ''].join('\n'))).toEqual([
      "4:21 nodes[0].fromKubernetes: unknown key 'adress' (did you mean 'address'?)",
    ]);
    expect(issues(['kubeconfig: k', 'defaults: { user: ops }', 'nodes:', '  fromKubernetes: { address: ExternalIP }', ''].join('\n'))).toEqual([
      '4:30 fromKubernetes: Node w-1 has no ExternalIP address (it reports InternalIP, Hostname)',
      '4:30 fromKubernetes: Node w-2 has no ExternalIP address (it reports InternalIP, Hostname)',
    ]);
    expect(issues(['kubeconfig: k', 'defaults: { user: ops }', 'nodes:', '  - fromKubernetes: {}', '  - { name: gone-1 }', ''].join('\n'))).toEqual([
      "5:5 nodes[1]: 'gone-1' is not among the Nodes fromKubernetes found, so it needs an address",
    ]);
    // what the cluster says is checked like what the file says
    expect(issues(['kubeconfig: k', 'defaults: { user: ops }', 'nodes: { fromKubernetes: {} }', ''].join('\n'), [node('evil', '$(reboot)')])[0]).toMatch(/^3:26 fromKubernetes: Node evil: its InternalIP address "\$\(reboot\)" must not contain shell metacharacters/);
    expect(issues(['kubeconfig: k', 'defaults: { user: ops }', 'nodes: { fromKubernetes: { labelSelector: x=y } }', ''].join('\n'), [])).toEqual([
      '3:26 fromKubernetes: the cluster has no Node matching labelSelector "x=y", and no node is listed explicitly',
    ]);
  });

  it('lists the Nodes only once every local problem is fixed, and says when the API cannot be reached', async () => {
    let calls = 0;
    const unreachable = async (): Promise<never> => {
      calls++;
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    };
    await expect(loadInventory('/nonexistent/inventory.yaml', { listNodes: unreachable })).rejects.toBeInstanceOf(ConfigError);
    expect(calls).toBe(0);
  });
});
