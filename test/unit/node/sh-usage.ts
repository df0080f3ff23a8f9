import ts from 'typescript';

/**
 * The rule the node protocol rests on, checked on the source: outside src/node/, shell for a node
 * is written only with the `sh` tag. A violation is one of
 *  - a string or an untagged template that looks like shell (nodeward's nw_ functions, `$(`,
 *    `2>/dev/null`, `"$R/…"`): shell built from strings, where a value can slip in unquoted;
 *  - `exec(…)` called with a string or a template (Transport.exec takes a Script);
 *  - `shQuote`/`shJoin` or the shell-quote module used directly (sh.ts is their one user);
 *  - `String.raw`, or an '@{' placeholder: the substitution conventions sh replaced;
 *  - `raw(…)` with anything but a string literal (raw is for a literal, visibly).
 * Regular expressions, comments and the text inside sh`…` are not looked at.
 */
export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

const SHELL_HINTS = /\bnw_[a-z]+\b|\$\([a-z]|2>\/dev\/null|"\$[A-Z]+\/|\bprintf '|\|\| nw_fail/;

/** Shell that never goes to a node, with the reason: these files may build it from strings. */
export const LOCAL_SHELL: Readonly<Record<string, string>> = {
  'src/cli/completion.ts': "bash completion for the operator's own shell (nodeward completion bash)",
};

export function shUsageViolations(file: string, source: string): Violation[] {
  const inNode = /(^|\/)src\/node\//.test(file);
  const local = Object.keys(LOCAL_SHELL).some((path) => file.endsWith(path));
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: Violation[] = [];
  const report = (node: ts.Node, rule: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    found.push({ file, line: line + 1, rule, text: node.getText(sf).slice(0, 100) });
  };
  const isShTagged = (node: ts.Node): boolean => {
    let at: ts.Node | undefined = node;
    while (at) {
      if (ts.isTaggedTemplateExpression(at) && ts.isIdentifier(at.tag) && at.tag.text === 'sh') return true;
      at = at.parent;
    }
    return false;
  };
  const literalText = (node: ts.Node): string | undefined => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${}');
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    // the template of sh`…` itself is shell by design; its ${values} are still visited
    const taggedPart = ts.isTaggedTemplateExpression(node.parent ?? node) && (node.parent as ts.TaggedTemplateExpression).template === node;
    const text = literalText(node);
    if (text !== undefined && !taggedPart && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
      // a string inside sh`…${'…'}…` is a value, quoted on the way in: harmless whatever it holds
      if (!local && SHELL_HINTS.test(text) && !isShTagged(node)) report(node, 'shell built from a string, not with sh`…`');
      if (text.includes('@{')) report(node, "an '@{' placeholder: write the shell's ${} as \\${} inside sh`…`");
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      const first = node.arguments[0];
      if (name === 'exec' && first && literalText(first) !== undefined && ts.isPropertyAccessExpression(callee)) report(node, 'exec() with a string: it takes a Script (sh`…`)');
      if (name === 'raw' && ts.isIdentifier(callee) && (!first || !ts.isStringLiteral(first))) report(node, 'raw() with anything but a string literal');
    }
    if (!inNode && ts.isIdentifier(node) && (node.text === 'shQuote' || node.text === 'shJoin')) report(node, `${node.text} outside src/node/: interpolate the value into sh\`…\``);
    if (!inNode && ts.isStringLiteral(node) && ts.isImportDeclaration(node.parent) && /shell-quote(\.ts)?$/.test(node.text)) report(node, 'the shell-quote module imported outside src/node/');
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'String' && node.name.text === 'raw') report(node, 'String.raw: write the script with sh`…`');
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}
