import type { z } from 'zod';

/**
 * The keys a zod object schema accepts at a path, for "did you mean" on unknown keys. Walks the
 * schema's definition so that new resource kinds need nothing registered here.
 */
export function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const out = new Set<string>();
  collect(schema, path, out, 0);
  return [...out];
}

function collect(schema: z.core.$ZodType, path: readonly PropertyKey[], out: Set<string>, depth: number): void {
  if (depth > 100) return;
  const typed = schema as z.core.$ZodTypes;
  const def = typed._zod.def;
  const [head, ...tail] = path;
  switch (def.type) {
    case 'object': {
      if (head === undefined) {
        for (const key of Object.keys(def.shape)) out.add(key);
        return;
      }
      const child = typeof head === 'string' ? def.shape[head] : undefined;
      if (child !== undefined) collect(child, tail, out, depth + 1);
      else if (def.catchall !== undefined) collect(def.catchall, tail, out, depth + 1);
      return;
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      collect(def.innerType, path, out, depth + 1);
      return;
    case 'pipe':
      collect(def.in, path, out, depth + 1);
      return;
    case 'lazy':
      collect(def.getter(), path, out, depth + 1);
      return;
    case 'union':
      for (const option of def.options) collect(option, path, out, depth + 1);
      return;
    case 'intersection':
      collect(def.left, path, out, depth + 1);
      collect(def.right, path, out, depth + 1);
      return;
    case 'array':
      if (typeof head === 'number') collect(def.element, tail, out, depth + 1);
      return;
    case 'record':
      if (head !== undefined) collect(def.valueType, tail, out, depth + 1);
      return;
    default:
      return;
  }
}
