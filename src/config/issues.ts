import { ConfigError } from '../util/errors.ts';
import type { ConfigIssue, SourcePosition } from '../util/errors.ts';

/** Collecting, ordering and raising configuration issues. */

export function issueAt(pos: SourcePosition, message: string): ConfigIssue {
  return { file: pos.file, line: pos.line, column: pos.column, message };
}

/** Sorted by file (in first-seen order), line, column; exact duplicates dropped. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  const seen = new Set<string>();
  const unique = issues.filter((issue) => {
    const key = `${issue.file}\0${issue.line}\0${issue.column}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
}

export function configError(issues: readonly ConfigIssue[]): ConfigError {
  return new ConfigError(sortIssues(issues));
}

export function throwIfIssues(issues: readonly ConfigIssue[]): void {
  if (issues.length > 0) throw configError(issues);
}

/** The whole file is at fault (unreadable, empty): point at its first character. */
export function fileIssue(file: string, message: string): ConfigIssue {
  return { file, line: 1, column: 1, message };
}
