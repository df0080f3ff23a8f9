import { appendFileSync } from 'node:fs';
import type { Connector } from '../transport/types.ts';

/**
 * With NODEWARD_STATS_FILE set, every connector appends its ConnectorStats as one JSON line
 * when it closes: how the benchmarks (bench/README.md) count bastion connections, handshakes
 * in flight and execs per node of a real CLI run. Users never need it.
 */
export function withStatsFile(connector: Connector, file = process.env['NODEWARD_STATS_FILE']): Connector {
  if (!file) return connector;
  return {
    connect: (host, signal) => connector.connect(host, signal),
    stats: () => connector.stats(),
    async closeAll() {
      await connector.closeAll();
      appendFileSync(file, JSON.stringify(connector.stats()) + '\n');
    },
  };
}
