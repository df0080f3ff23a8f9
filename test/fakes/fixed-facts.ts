import { inlineFacts, type FactsReader } from '../../src/facts/gather.ts';
import type { FactRequest, NodeFacts } from '../../src/facts/types.ts';

/**
 * A FactsReader answering with fixture facts, whose scripts still reach the node: the real facts
 * script in an exec of its own (a scripted node counts it as `facts`), or inside the lock's. `reads`
 * records how each read was made.
 */
export function fixedFacts(facts: NodeFacts | (() => NodeFacts), reads: ('apart' | 'in-lock')[] = []): FactsReader {
  const answer = (): NodeFacts => (typeof facts === 'function' ? facts() : facts);
  return {
    async read(transport, requests: readonly FactRequest[], options) {
      reads.push('apart');
      await transport.exec(inlineFacts(requests).script, options?.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
      return answer();
    },
    inline(requests) {
      return {
        script: inlineFacts(requests).script,
        read: () => {
          reads.push('in-lock');
          return answer();
        },
      };
    },
  };
}
