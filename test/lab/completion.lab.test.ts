import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeward } from './nodeward.ts';
import { spawnCollect, type Spawned } from './spawn.ts';

function shell(command: string, args: readonly string[]): Promise<Spawned> {
  return spawnCollect(command, args);
}

async function script(name: 'bash' | 'zsh' | 'fish'): Promise<string> {
  const result = await nodeward(['completion', name]);
  expect(result.code).toBe(0);
  const file = join(await mkdtemp(join(tmpdir(), 'nw-completion-')), `nodeward.${name}`);
  await writeFile(file, result.stdout);
  return file;
}

describe('shell completion (lab)', () => {
  it('bash completes commands, flags, flag values and bundled playbooks, as bash runs it', async () => {
    const file = await script('bash');
    const complete = async (line: string): Promise<string[]> => {
      const words = line.split(' ');
      const run = await shell('bash', ['-c', `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _nodeward; printf '%s\\n' "\${COMPREPLY[@]}"`]);
      expect(run.stderr).toBe('');
      return run.stdout.split('\n').filter(Boolean);
    };
    expect(await complete('nodeward pl')).toEqual(['plan']);
    expect(await complete('nodeward check -o ')).toEqual(['table', 'json', 'junit', 'html']);
    expect(await complete('nodeward plan --di')).toEqual(['--diff']);
    expect(await complete('nodeward plan --diff ')).toEqual(['full', 'changed', 'none']);
    expect(await complete('nodeward check --benchmark cis-1.1')).toEqual(['cis-1.10', 'cis-1.11', 'cis-1.12']);
    expect(await complete('nodeward apply kube')).toContain('kubelet');
    expect(await complete('nodeward drift -o ')).toEqual(['table', 'json', 'junit', 'markdown', 'prometheus', 'html']);
    expect(await complete('nodeward completion ')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('fish completes the same, as fish runs it', async () => {
    const file = await script('fish');
    const complete = async (line: string): Promise<string[]> => {
      const run = await shell('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`]);
      expect(run.stderr).toBe('');
      return run.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0] ?? '');
    };
    expect(await complete('nodeward pl')).toEqual(['plan']);
    expect(await complete('nodeward check -o ')).toEqual(['html', 'json', 'junit', 'table']);
    expect(await complete('nodeward plan --diff ')).toEqual(['changed', 'full', 'none']);
    expect(await complete('nodeward apply kube')).toContain('kubelet');
  });

  it('zsh loads it and registers it', async () => {
    const file = await script('zsh');
    expect((await shell('zsh', ['-n', file])).code).toBe(0);
    const loaded = await shell('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D; source ${file}; print -r -- $_comps[nodeward]`]);
    expect(loaded.stdout.trim()).toBe('_nodeward');
  });
});
