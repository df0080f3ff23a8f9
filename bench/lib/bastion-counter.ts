import { must } from '../../lab/run.ts';

/**
 * Counts TCP connections opened to the bastion's sshd (SYNs to port 22 in the bastion's
 * namespace), whoever opens them: the same yardstick for nodeward, Ansible and OpenSSH.
 */
export interface BastionCounter {
  reset(): Promise<void>;
  read(): Promise<number>;
  remove(): Promise<void>;
}

const TABLE = 'nwbench';

export function bastionCounter(bastionNetns: string): BastionCounter {
  const nft = (script: string): Promise<string> => must('ip', ['netns', 'exec', bastionNetns, 'nft', '-f', '-'], { input: script });
  return {
    async reset() {
      // "add table" first so that "delete table" never fails on a fresh namespace.
      await nft(
        [
          `add table inet ${TABLE}`,
          `delete table inet ${TABLE}`,
          `table inet ${TABLE} {`,
          '  counter syn22 { }',
          '  chain input { type filter hook input priority -300; tcp dport 22 tcp flags & (syn | ack) == syn counter name "syn22"; }',
          '}',
        ].join('\n') + '\n',
      );
    },
    async read() {
      const out = await must('ip', ['netns', 'exec', bastionNetns, 'nft', '-j', 'list', 'counter', 'inet', TABLE, 'syn22']);
      const parsed = JSON.parse(out) as { nftables?: { counter?: { packets?: number } }[] };
      return parsed.nftables?.find((item) => item.counter !== undefined)?.counter?.packets ?? 0;
    },
    async remove() {
      await nft(`add table inet ${TABLE}\ndelete table inet ${TABLE}\n`);
    },
  };
}
