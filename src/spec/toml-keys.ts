/** TOML dotted keys (`plugins."io.containerd.grpc.v1.cri".containerd`) and TOML value text. */

const BARE = /^[A-Za-z0-9_-]+$/;

/** Splits a dotted key into its segments; undefined when it is not a valid TOML key. */
export function parseDottedKey(text: string): string[] | undefined {
  const segments: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== quote) {
        if (quote === '"' && text[i] === '\\') {
          const next = text[i + 1];
          const escapes: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
          if (next === undefined || escapes[next] === undefined) return undefined;
          value += escapes[next];
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      if (text[i] !== quote) return undefined;
      i++;
      segments.push(value);
    } else {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_-]/.test(text[i] ?? '')) i++;
      if (i === start) return undefined;
      segments.push(text.slice(start, i));
    }
    skipSpace();
    if (i === text.length) return segments;
    if (text[i] !== '.') return undefined;
    i++;
  }
}

export function keySegmentText(segment: string): string {
  return BARE.test(segment) ? segment : JSON.stringify(segment);
}

export function dottedKeyText(segments: readonly string[]): string {
  return segments.map(keySegmentText).join('.');
}

/** TOML text of a value from a playbook (scalars, arrays, inline tables). */
export function tomlValueText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${String(value)} to TOML`);
    return String(value);
  }
  // JSON string escapes are all valid in TOML basic strings
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tomlValueText).join(', ')}]`;
  if (value && typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${keySegmentText(k)} = ${tomlValueText(v)}`);
    return pairs.length === 0 ? '{}' : `{ ${pairs.join(', ')} }`;
  }
  throw new Error(`cannot write ${value === null ? 'null' : typeof value} to TOML`);
}
