import { addresses, names } from './config.ts';
import { must, run, mapLimit } from './run.ts';

/**
 * host ns: nwl<ID>host 198.18.<ID>.1/24 ── veth ── nwl<ID>-wan (br-wan: wan-a + wan-b) ── veth ──
 * nwl<ID>-bastion: eth0 198.18.<ID>.2/24, br0 198.19.0.1/16 ── one veth per node ── nwl<ID>-nI: eth0.
 */
export async function createNetwork(id: number, nodeIndexes: readonly number[]): Promise<void> {
  const wan = names.wanNs(id);
  const bastion = names.bastionNs(id);
  const nodeNs = nodeIndexes.map((i) => names.nodeNs(id, i));
  await ipBatch([wan, bastion, ...nodeNs].map((ns) => `netns add ${ns}`));

  const host = names.hostLink(id);
  await ipBatch([
    `link add ${host} type veth peer name wan-a netns ${wan}`,
    `addr add ${addresses.host(id)}/24 dev ${host}`,
    `link set ${host} up`,
  ]);
  await ipBatch([
    'link set lo up',
    'link add br-wan type bridge',
    'link set wan-a master br-wan',
    `link add wan-b type veth peer name eth0 netns ${bastion}`,
    'link set wan-b master br-wan',
    'link set wan-a up',
    'link set wan-b up',
    'link set br-wan up',
  ], wan);
  const bastionCmds = [
    'link set lo up',
    `addr add ${addresses.bastion(id)}/24 dev eth0`,
    'link set eth0 up',
    'link add br0 type bridge',
    `addr add ${addresses.bastionInner}/16 dev br0`,
    'link set br0 up',
  ];
  for (const i of nodeIndexes) {
    const port = names.bastionPortLink(i);
    bastionCmds.push(`link add ${port} type veth peer name eth0 netns ${names.nodeNs(id, i)}`);
    bastionCmds.push(`link set ${port} master br0`);
    bastionCmds.push(`link set ${port} up`);
  }
  await ipBatch(bastionCmds, bastion);
  await mapLimit(nodeIndexes, 16, (i) =>
    ipBatch(['link set lo up', `addr add ${addresses.node(i)}/16 dev eth0`, 'link set eth0 up'], names.nodeNs(id, i)),
  );
}

/** Names of this lab's network namespaces that exist now. */
export async function labNamespaces(id: number): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  const prefix = names.prefix(id);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

/** Deletes only this lab's namespaces and its host veth. Safe to run twice. */
export async function deleteNetwork(id: number): Promise<void> {
  const own = await labNamespaces(id);
  if (own.length > 0) await ipBatch(own.map((ns) => `netns del ${ns}`), undefined, true);
  const host = names.hostLink(id);
  const exists = await run('ip', ['link', 'show', 'dev', host]);
  if (exists.code === 0) await run('ip', ['link', 'del', 'dev', host]);
}

async function ipBatch(lines: readonly string[], ns?: string, force = false): Promise<void> {
  const args = [...(ns ? ['-n', ns] : []), ...(force ? ['-force'] : []), '-batch', '-'];
  await must('ip', args, { input: lines.join('\n') + '\n' });
}

/** Runs nft inside one of the lab's namespaces. */
export async function nftIn(ns: string, script: string): Promise<void> {
  await must('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script });
}
