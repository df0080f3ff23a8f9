import { homedir } from 'node:os';
import { join } from 'node:path';

/** nodeward's local state: $XDG_STATE_HOME/nodeward, else ~/.local/state/nodeward. */
export function localStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_STATE_HOME'] && env['XDG_STATE_HOME'].startsWith('/') ? env['XDG_STATE_HOME'] : join(homedir(), '.local', 'state');
  return join(base, 'nodeward');
}
