import { describe, expect, it } from 'vitest';
import { testLab } from './helpers.ts';
import { nodeward } from './nodeward.ts';

const COMMANDS = ['plan', 'apply', 'rollout', 'rollback', 'runs', 'check', 'drift', 'completion', 'init'];

describe('the command line (lab)', () => {
  const lab = testLab();
  const inventory = lab.info.files.inventory;

  it('every command has a description, an -o/--output and --json, and shows defaults as values', async () => {
    for (const command of COMMANDS) {
      const help = await nodeward([command, '--help']);
      expect(help.code, command).toBe(0);
      const [usage = '', blank, description = ''] = help.stdout.split('\n');
      expect(usage, command).toMatch(new RegExp(`^Usage: nodeward ${command}`));
      expect(blank, command).toBe('');
      expect(description.length, `${command} has a description`).toBeGreaterThan(20);
      expect(help.stdout, command).not.toMatch(/\(default: "/);
      if (!['completion', 'init'].includes(command)) {
        expect(help.stdout, command).toMatch(/-o, --output <format>/);
        expect(help.stdout, command).toMatch(/--json/);
      }
    }
    expect((await nodeward(['plan', '--help'])).stdout).toMatch(/--concurrency <n> +nodes worked on at once \(default: 50\)/);
  });

  it('-o json and --json are the same machine output on every command that reads nodes', async () => {
    const viaFlag = await nodeward(['check', '-i', inventory, 'kernel', '--json', '-q']);
    const viaOutput = await nodeward(['check', '-i', inventory, 'kernel', '-o', 'json', '-q']);
    expect(viaFlag.code).toBe(2);
    expect(Object.keys(JSON.parse(viaFlag.stdout) as object)).toEqual(Object.keys(JSON.parse(viaOutput.stdout) as object));
    const plan = await nodeward(['plan', '-i', inventory, 'kernel', '-o', 'json']);
    expect((JSON.parse(plan.stdout) as { summary: { nodes: number } }).summary.nodes).toBe(lab.info.nodes.length);
    const drift = await nodeward(['drift', '-i', inventory, 'kernel', '--json', '-q', '--state-dir', `/tmp/nw-cli-drift-${process.pid}`]);
    expect(drift.code).toBe(2);
    expect(JSON.parse(drift.stdout)).toHaveProperty('nodes');
    const wrong = await nodeward(['plan', '-i', inventory, '-o', 'yaml']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/output format "yaml": not one of table, json/);
  });

  it('rollout without a terminal and without --reason says everything that is missing at once', async () => {
    const result = await nodeward(['rollout', '-i', inventory]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/3 problems with this rollout/);
    expect(result.stderr).toMatch(/--reason is required/);
    expect(result.stderr).toMatch(/name the playbook\(s\) to roll out/);
    expect(result.stderr).toMatch(/without a terminal to confirm on: pass --yes/);
  });
});
