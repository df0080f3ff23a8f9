/** A small well-formedness check for the XML we write: balanced tags, quoted attributes, known entities. */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  for (const match of body.matchAll(/<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|apos);)/g)) {
    if (match[0] === '<') problems.push(`stray < at ${match.index}`);
    else if (match[0].startsWith('&')) problems.push(`bad entity at ${match.index}`);
    else if (match[1] === '/') {
      if (stack.pop() !== match[2]) problems.push(`unbalanced </${match[2] ?? ''}>`);
    } else if (match[4] !== '/') stack.push(match[2] ?? '');
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join(', ')}`);
  return problems;
}

/** The testcase elements: name and what is inside. */
export function testcases(xml: string): { suite: string; name: string; body: string }[] {
  const result: { suite: string; name: string; body: string }[] = [];
  for (const suite of xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
    for (const c of (suite[2] ?? '').matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      result.push({ suite: suite[1] ?? '', name: c[1] ?? '', body: c[2] ?? '' });
    }
  }
  return result;
}
