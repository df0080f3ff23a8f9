import { appendFileSync } from 'node:fs';
import type { Connector } from '../transport/types.ts';

/**
 * `--connection-stats FILE`: when the run's connections close, append their statistics as one
 * JSON line (TCP connections opened to the bastion, node sessions, the most SSH handshakes in
 * flight, remote execs per node, retries). For operators checking a run against a bastion's
 * MaxStartups, and for the benchmarks (bench/README.md).
 */
export function withStatsFile(connector: Connector, file: string | undefined): Connector {
  if (!file) return connector;
  return {
    ...connector,
    async closeAll() {
      await connector.closeAll();
      appendFileSync(file, JSON.stringify({ at: new Date().toISOString(), ...connector.stats() }) + '\n', { mode: 0o600 });
    },
  };
}
