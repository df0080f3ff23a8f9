/**
 * ssh's pattern matching (match.c): `*` and `?` over the whole string, nothing else special.
 * `Host` lines test each pattern on its own (case-sensitive, against the name as given);
 * `Match host` and friends take comma-separated lists, where a matching `!pattern` wins.
 */

export function matchPattern(text: string, pattern: string): boolean {
  let source = '^';
  for (const c of pattern) source += c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`${source}$`).test(text);
}

/** A `Host` line: some pattern matches and no negated one does (readconf.c). */
export function hostLineMatches(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (!matchPattern(name, negated ? pattern.slice(1) : pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** match_pattern_list: true when a positive entry matches and no negated one does. */
export function matchPatternList(text: string, list: string, ignoreCase: boolean): boolean {
  const subject = ignoreCase ? text.toLowerCase() : text;
  let matched = false;
  for (const entry of list.split(',')) {
    const negated = entry.startsWith('!');
    const pattern = ignoreCase ? entry.slice(negated ? 1 : 0).toLowerCase() : entry.slice(negated ? 1 : 0);
    if (!matchPattern(subject, pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}
