import { createTwoFilesPatch } from 'diff';

/** Diffs larger than this are summarized instead of shown. */
const MAX_DIFF_INPUT_BYTES = 256 * 1024;

export type ContentView =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'hidden'; readonly sha256: string | undefined; readonly why: 'sensitive' | 'large' | 'binary' }
  | { readonly kind: 'none' };

/**
 * The diff shown for a file change. Only plain text is ever diffed; secret, binary and very
 * large content is shown as hashes so nothing sensitive reaches a terminal, log or plan file.
 */
export function contentDiff(path: string, before: ContentView, after: ContentView): string | undefined {
  const textOf = (view: ContentView): string | undefined => (view.kind === 'text' ? view.text : view.kind === 'none' ? '' : undefined);
  const beforeText = textOf(before);
  const afterText = textOf(after);
  if (beforeText !== undefined && afterText !== undefined) {
    if (beforeText === afterText) return undefined;
    if (beforeText.length + afterText.length > MAX_DIFF_INPUT_BYTES) {
      return `--- ${path}\n+++ ${path}\n(content differs; too large to show)\n`;
    }
    const from = before.kind === 'none' ? '/dev/null' : `a${path}`;
    const to = after.kind === 'none' ? '/dev/null' : `b${path}`;
    return createTwoFilesPatch(from, to, beforeText, afterText, undefined, undefined, { context: 3 })
      .split('\n')
      .filter((line) => !line.startsWith('====='))
      .join('\n');
  }
  if (before.kind === 'none' && after.kind === 'none') return undefined;
  return `--- ${path}\n+++ ${path}\n${describe('-', before)}${describe('+', after)}`;
}

function describe(sign: string, view: ContentView): string {
  switch (view.kind) {
    case 'text':
      return `${sign} (${view.text.split('\n').length} lines)\n`;
    case 'hidden':
      return `${sign} (${view.why} content, sha256 ${view.sha256 ?? 'unknown'})\n`;
    case 'none':
      return `${sign} (no file)\n`;
  }
}

/** Text when the bytes are valid UTF-8 without NUL, else hidden as binary. */
export function viewOf(content: Buffer, sha: string, sensitive: boolean): ContentView {
  if (sensitive) return { kind: 'hidden', sha256: sha, why: 'sensitive' };
  if (content.includes(0)) return { kind: 'hidden', sha256: sha, why: 'binary' };
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) return { kind: 'hidden', sha256: sha, why: 'binary' };
  return { kind: 'text', text };
}
