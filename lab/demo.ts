/**
 * `npm run demo`: brings up the local lab (a bastion and 5 nodes, real sshd in namespaces) and
 * runs the main job on it with the built CLI: plan, apply, plan again (in sync).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labUp } from './lab.ts';

const nodes = Number(process.env['NODEWARD_DEMO_NODES'] ?? '5');
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function step(title: string, args: readonly string[]): number {
  process.stdout.write(`\n\u001b[1m$ nodeward ${args.join(' ')}\u001b[0m   # ${title}\n\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  process.stdout.write(`\n(exit status ${String(result.status)})\n`);
  return result.status ?? 1;
}

if (!existsSync(cli)) {
  process.stderr.write('dist/ is missing: run `npm install` (it builds) or `npm run build` first\n');
  process.exit(1);
}
const info = await labUp(nodes, { log: (message) => process.stdout.write(`lab: ${message}\n`) });
const inventory = info.files.inventory;
process.stdout.write(`\nThe lab is up: a bastion at ${info.bastion.address} and ${nodes} nodes behind it. Inventory: ${inventory}\n`);

const planned = step('what would change on each node (exit 2: changes pending)', ['plan', '-i', inventory, '--no-diff']);
const applied = step('make the changes: canary first, then the rest; kubelet restarts behind health gates', ['apply', '-i', inventory, '--yes', '--no-diff', '--batch', '1,100%']);
const again = step('plan again: every node in sync (exit 0)', ['plan', '-i', inventory]);

process.stdout.write(
  `\nDemo done (plan ${planned}, apply ${applied}, plan ${again}). The lab keeps running: try\n` +
    `  node dist/cli/main.js plan -i ${inventory}\n` +
    '  npm run lab -- status        npm run lab -- fault kubelet-crash node-2        npm run lab -- down\n',
);
process.exit(planned === 2 && applied === 0 && again === 0 ? 0 : 1);
