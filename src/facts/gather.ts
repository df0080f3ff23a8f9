import type { Script } from '../node/sh.ts';
import type { Transport } from '../transport/types.ts';
import { FactsError } from '../util/errors.ts';
import { newBoundary, splitSections } from './frame.ts';
import { parseFacts } from './parse.ts';
import { buildFactsScript } from './script.ts';
import type { FactRequest, NodeFacts } from './types.ts';

export interface GatherOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Facts output above this is refused rather than parsed. */
export const MAX_FACTS_BYTES = 32 * 1024 * 1024;

/**
 * The facts script to run as the last part of another script (apply's lock: the re-read under the
 * lock costs no exec of its own), and how that part of its output is read: `read` takes the bytes
 * the facts script wrote, from its first section on, and throws a FactsError on anything malformed.
 */
export interface InlineFacts {
  readonly script: Script;
  read(host: string, output: Buffer): NodeFacts;
}

/** How a node's facts are read: in an exec of their own, or inside another script. */
export interface FactsReader {
  read(transport: Transport, requests: readonly FactRequest[], options?: GatherOptions): Promise<NodeFacts>;
  inline(requests: readonly FactRequest[]): InlineFacts;
}

export function inlineFacts(requests: readonly FactRequest[]): InlineFacts {
  const boundary = newBoundary();
  const unique = dedupeRequests(requests);
  return { script: buildFactsScript(unique, boundary), read: (host, output) => parseFacts(host, unique, splitSections(output, boundary)) };
}

/** Everything the plan needs from one node, in one remote exec. */
export async function gatherFacts(
  transport: Transport,
  requests: readonly FactRequest[],
  options: GatherOptions = {},
): Promise<NodeFacts> {
  const facts = inlineFacts(requests);
  const result = await transport.exec(facts.script, {
    maxOutputBytes: MAX_FACTS_BYTES,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const host = transport.host.name;
  if (result.exitCode !== 0) {
    const stderr = result.stderr.toString('utf8').trim().slice(0, 500);
    throw new FactsError(`${host}: reading facts failed (exit ${String(result.exitCode)}): ${stderr}`, { host, hop: 'node' });
  }
  return facts.read(host, result.stdout);
}

/** The facts script on the node's session: `gatherFacts`, or inside another script. */
export const NODE_FACTS: FactsReader = { read: gatherFacts, inline: inlineFacts };

/** One request per file path (flags merged) and per other fact, in first-asked order. */
export function dedupeRequests(requests: readonly FactRequest[]): FactRequest[] {
  const seen = new Map<string, FactRequest>();
  for (const request of requests) {
    const key = request.kind === 'file' ? `file:${request.path}` : JSON.stringify(request);
    const previous = seen.get(key);
    if (previous?.kind === 'file' && request.kind === 'file') {
      seen.set(key, {
        ...previous,
        content: previous.content || request.content,
        follow: previous.follow || request.follow,
        sensitive: previous.sensitive || request.sensitive,
      });
    } else if (!previous) {
      seen.set(key, request);
    }
  }
  return [...seen.values()];
}
