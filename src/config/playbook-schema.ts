import { z } from 'zod';
import { NAME_PATTERN, vars } from './validators.ts';

/** The parts of a playbook whose shape does not depend on the resource kind. */

export const playbookName = z
  .string()
  .regex(NAME_PATTERN, "must be a playbook name (letters, digits, '.', '_', '-'; starting with a letter or digit)");

export const playbookHeadSchema = z.strictObject({
  name: playbookName.optional(),
  description: z.string().optional(),
  vars: vars.nullish(),
  resources: z.array(z.unknown()).min(1, 'must list at least one resource'),
});

export const entryName = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters long')
  .refine((name) => !/[\0-\x1f\x7f]/.test(name), 'must be a single line of printable text');

export const checkId = z
  .string({ error: (issue) => (typeof issue.input === 'number' ? `must be a string (quote it: "${String(issue.input)}")` : undefined) })
  .regex(NAME_PATTERN, 'must be a check id such as "4.2.1" or SYS-01');

/** Validated on a map holding only these keys; the kind key is checked by hand. */
export const entryMetaSchema = z.strictObject({
  name: entryName,
  checks: z.array(checkId).optional(),
});

export const ENTRY_KEYS: readonly string[] = ['name', 'checks', 'note', 'when'];
