/** Shell-style globs for host names: `*`, `?`, `[abc]`, `[1-3]`, `[!x]`. Always the whole name. */

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Undefined when the pattern is not a valid glob (e.g. a reversed range `[3-1]`). */
export function globToRegExp(pattern: string): RegExp | undefined {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${out}$`);
  } catch {
    return undefined;
  }
}

export function globMatches(pattern: string, name: string): boolean {
  return isGlob(pattern) ? (globToRegExp(pattern)?.test(name) ?? false) : pattern === name;
}
