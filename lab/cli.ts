import { labDir, labId, LabError } from './config.ts';
import { FAULT_KINDS, labDown, labExec, labFault, labHeal, labReset, labStatus, labUp } from './lab.ts';

const HELP = `Usage: npm run lab -- <command>

  up N [--per-machine K] [--light]
                            (re)create the lab with N nodes (1-1000) and print where inventory.yaml is;
                            K nodes share one machine (sshd ports 22, 2201, …), --light starts only sshd
  down                      stop everything the lab started, remove its namespaces; safe to run twice
  status                    one line per machine: name, address, init pid, ssh/kubelet/containerd, Ready
  reset [NODE…]             put nodes (default: all; "bastion" too) back into their seeded state
  fault KIND TARGET [ARG]   inject a fault; KIND is one of:
                              kubelet-crash NODE, containerd-refuse NODE, sshd-down NODE,
                              partition NODE, ssh-new-blocked NODE, latency bastion|NODE MS,
                              bastion-restart bastion
  heal [KIND] [TARGET]      remove faults (all when no KIND)
  exec NODE -- CMD…         run CMD as root inside NODE (or "bastion"); exits with CMD's code

Environment: NODEWARD_LAB_ID (0-99, default 0) picks the lab; NODEWARD_LAB_DIR overrides its
state dir (default /tmp/nodeward-lab<ID>). NWLAB_STANDINS_DIR points at placeholder stand-ins.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd === undefined ? 1 : 0;
  }
  switch (cmd) {
    case 'up': {
      const n = Number(rest[0]);
      const flags = rest.slice(1);
      const perAt = flags.indexOf('--per-machine');
      const perMachine = perAt === -1 ? 1 : Number(flags[perAt + 1]);
      const known = flags.every((f, k) => f === '--light' || f === '--per-machine' || (k === perAt + 1 && perAt !== -1));
      if (!Number.isInteger(n) || !Number.isInteger(perMachine) || !known) {
        throw new LabError('usage: lab up N [--per-machine K] [--light]   (N = number of nodes, e.g. 5)');
      }
      const t0 = Date.now();
      const info = await labUp(n, { log: (m) => process.stderr.write(`lab ${labId()}: ${m}\n`), perMachine, light: flags.includes('--light') });
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      process.stdout.write(`lab ${info.id} up: ${info.nodeCount} nodes behind ${info.bastion.address} in ${secs}s\n`);
      process.stdout.write(`inventory: ${info.files.inventory}\n`);
      process.stdout.write(`kubeconfig: ${info.files.kubeconfig}   API: ${info.apiserver.url}\n`);
      return 0;
    }
    case 'down': {
      expectArgs(rest, 0, 'lab down');
      const r = await labDown();
      process.stdout.write(`lab ${labId()} down (${labDir()}): ${r.stopped} machines stopped, ${r.namespaces} namespaces removed\n`);
      return 0;
    }
    case 'status': {
      expectArgs(rest, 0, 'lab status');
      const { info, nodes, faults } = await labStatus();
      process.stdout.write(`lab ${info.id} (${info.dir}), API ${info.apiserver.url} pid ${info.apiserver.pid}\n`);
      const cols = ['NAME', 'ADDRESS', 'INIT', 'SSH', 'KUBELET', 'CONTAINERD', 'READY'];
      const rows = nodes.map((n) => [n.name, n.address, String(n.initPid), n.ssh, n.kubelet, n.containerd, n.ready]);
      const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
      for (const r of [cols, ...rows]) process.stdout.write(r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n');
      for (const f of faults) process.stdout.write(`fault: ${f.kind} ${f.target}${f.arg ? ' ' + f.arg : ''}\n`);
      return 0;
    }
    case 'reset': {
      await labReset(rest);
      process.stdout.write(`reset: ${rest.length ? rest.join(' ') : 'all nodes'}\n`);
      return 0;
    }
    case 'fault': {
      const [kind, target, arg] = rest;
      if (!kind || !target || rest.length > 3) throw new LabError(`usage: lab fault KIND TARGET [ARG]; kinds: ${FAULT_KINDS.join(', ')}`);
      await labFault(kind, target, arg);
      process.stdout.write(`fault injected: ${rest.join(' ')}\n`);
      return 0;
    }
    case 'heal': {
      if (rest.length > 2) throw new LabError('usage: lab heal [KIND] [TARGET]');
      const healed = await labHeal(rest[0], rest[1]);
      process.stdout.write(healed.length ? healed.map((f) => `healed: ${f.kind} ${f.target}\n`).join('') : 'no matching faults\n');
      return 0;
    }
    case 'exec': {
      const sep = rest.indexOf('--');
      const node = rest[0];
      const command = sep >= 0 ? rest.slice(sep + 1) : rest.slice(1);
      if (!node || node === '--' || command.length === 0) throw new LabError('usage: lab exec NODE -- CMD…');
      const r = await labExec(node, command, process.stdin.isTTY ? {} : { input: await readStdin() });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    default:
      throw new LabError(`unknown command ${JSON.stringify(cmd)}; see: npm run lab -- --help`);
  }
}

function expectArgs(rest: string[], n: number, usage: string): void {
  if (rest.length !== n) throw new LabError(`usage: ${usage}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`lab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
