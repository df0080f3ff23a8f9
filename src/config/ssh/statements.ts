import type { SourcePosition } from '../../util/errors.ts';

/**
 * An OpenSSH client config as ssh reads it: one flat list of statements per file, in order,
 * each with the file and line it came from. `Include` carries the statements of the files it
 * names (already read), because whether they apply depends on the host being resolved.
 */

export interface Arg {
  readonly text: string;
  /** Written in double quotes: never split, never a pattern keyword. */
  readonly quoted: boolean;
}

export type Statement =
  | { readonly kind: 'host'; readonly at: SourcePosition; readonly patterns: readonly string[] }
  | { readonly kind: 'match'; readonly at: SourcePosition; readonly args: readonly Arg[] }
  | { readonly kind: 'option'; readonly at: SourcePosition; readonly keyword: string; readonly args: readonly Arg[] }
  | { readonly kind: 'include'; readonly at: SourcePosition; readonly files: readonly SshConfigFile[] };

export interface SshConfigFile {
  readonly file: string;
  readonly statements: readonly Statement[];
}
