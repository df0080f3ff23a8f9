import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../util/errors.ts';
import type { Change, NodePlan } from './types.ts';

const sourceSchema = z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

const savedSchema = z.object({
  version: z.literal(1),
  createdAt: z.string(),
  inventory: sourceSchema,
  playbooks: z.array(sourceSchema.extend({ name: z.string() })),
  limit: z.array(z.string()),
  nodes: z.array(
    z.object({
      name: z.string(),
      address: z.string(),
      status: z.enum(['in-sync', 'changes', 'refused', 'error']),
      refusal: z.array(z.object({ guard: z.string(), message: z.string(), fix: z.string() })).default([]),
      restarts: z.array(z.enum(['kubelet', 'containerd'])),
      kubernetes: z.object({ node: z.string(), ready: z.string().optional(), cordoned: z.boolean(), kubeletVersion: z.string().optional() }).nullish(),
      changes: z.array(
        z.object({
          id: z.string(),
          resource: z.string(),
          target: z.string(),
          action: z.enum(['create', 'update', 'delete']),
          after: z.record(z.string(), z.unknown()).nullable(),
          fingerprint: z.string(),
        }),
      ),
    }),
  ),
});

export type SavedPlan = z.infer<typeof savedSchema>;

/** Reads a plan saved with `plan --out`, refusing anything that is not one. */
export async function readSavedPlan(file: string): Promise<SavedPlan> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([{ file, line: 1, column: 1, message: `not a saved plan: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  const parsed = savedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError([{ file, line: 1, column: 1, message: `not a saved nodeward plan (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})` }]);
  }
  return parsed.data;
}

/** The saved node plan, in the shape the stale check compares (ids, fingerprints, wanted state). */
export function approvedFromSaved(node: SavedPlan['nodes'][number]): NodePlan {
  return {
    name: node.name,
    address: node.address,
    status: node.status === 'refused' ? 'changes' : node.status,
    error: undefined,
    ...(node.refusal.length > 0 ? { refusal: node.refusal } : {}),
    restarts: node.restarts,
    skipped: [],
    changes: node.changes.map(
      (c): Change => ({
        id: c.id,
        kind: c.resource as Change['kind'],
        target: c.target,
        action: c.action,
        entries: [],
        summary: [],
        before: null,
        after: c.after,
        diff: undefined,
        sensitive: false,
        restarts: [],
        checks: [],
        notes: [],
        fingerprint: c.fingerprint,
        operations: [],
      }),
    ),
  };
}
