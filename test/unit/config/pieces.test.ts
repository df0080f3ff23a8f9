import { describe, expect, it } from 'vitest';
import { globMatches, globToRegExp } from '../../../src/config/glob.ts';
import { sortIssues } from '../../../src/config/issues.ts';
import { expandPath } from '../../../src/config/paths.ts';
import { lookupIn } from '../../../src/config/scope.ts';
import { closest, editDistance } from '../../../src/config/suggest.ts';
import { parseTemplate, renderTemplate } from '../../../src/config/template.ts';
import { addressProblem } from '../../../src/config/validators.ts';
import { parseYaml } from '../../../src/config/yaml-source.ts';

const at = { file: 'f', line: 1, column: 1 };

describe('suggestions', () => {
  it.each([
    ['identityFle', 'identityFile'],
    ['identityfile', 'identityFile'],
    ['kubeletConfg', 'kubeletConfig'],
    ['sysctls', 'sysctl'],
    ['becom', 'become'],
    ['hots', 'host'],
    ['colour', undefined],
    ['x', undefined],
  ])('%s → %s', (word, expected) => {
    expect(closest(word, ['identityFile', 'kubeletConfig', 'sysctl', 'become', 'host', 'port', 'user'])).toBe(expected);
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('hsot', 'host')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('globs', () => {
  it.each([
    ['node-*', 'node-10', true],
    ['node-?', 'node-10', false],
    ['node-[1-3]', 'node-2', true],
    ['node-[1-3]', 'node-4', false],
    ['node-[!1]', 'node-1', false],
    ['node.1', 'nodex1', false],
    ['a+b', 'a+b', true],
    ['[', '[', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });

  it('refuses a reversed range', () => {
    expect(globToRegExp('node-[3-1]')).toBeUndefined();
  });
});

describe('addresses', () => {
  it.each([
    ['10.0.0.1', undefined],
    ['fd00::1', undefined],
    ['fe80::1%eth0', undefined],
    ['node-1.example.com', undefined],
    ['node-1.example.com.', undefined],
    ['a;b', 'must not contain shell metacharacters (found ";")'],
    ['a&b', 'must not contain shell metacharacters (found "&")'],
    ['a>b', 'must not contain shell metacharacters (found ">")'],
    ['a\tb', 'must not contain spaces'],
    ['-a', "must not start with '-'"],
    ['a..b', 'must be an IPv4 address, IPv6 address or host name'],
    [`${'a'.repeat(64)}.com`, 'must be an IPv4 address, IPv6 address or host name'],
  ])('%j → %s', (address, expected) => {
    expect(addressProblem(address)).toBe(expected);
  });
});

describe('paths', () => {
  it('expands ~ and resolves relative paths against the base folder', () => {
    expect(expandPath('~', '/inv', '/home/u')).toBe('/home/u');
    expect(expandPath('~/.ssh/id', '/inv', '/home/u')).toBe('/home/u/.ssh/id');
    expect(expandPath('keys/../id', '/inv', '/home/u')).toBe('/inv/id');
    expect(expandPath('/abs//id', '/inv', '/home/u')).toBe('/abs/id');
  });
});

describe('templates', () => {
  const vars = lookupIn({
    n: 5,
    s: 'text',
    list: [1],
    nothing: null,
    node: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'a', pool: 'x' } },
  });
  const render = (text: string): unknown => {
    const parsed = parseTemplate(text, [], at);
    expect(parsed.problems).toEqual([]);
    const rendered = renderTemplate(parsed.parts, vars);
    return rendered.problems.length > 0 ? rendered.problems.map((p) => p.message) : rendered.value;
  };

  it.each([
    ['{{ n }}', 5],
    ['{{n}}', 5],
    ['{{ list }}', [1]],
    ['{{ nothing }}', null],
    ['n={{ n }}', 'n=5'],
    ['{{ s }}-{{ n }}', 'text-5'],
    ['{{ node.name }}', 'node-1'],
    ['{{ node.labels.topology.kubernetes.io/zone }}', 'a'],
    ["{{ '{{' }} x }}", '{{ x }}'],
    ['{{ "}" }}', '}'],
    ['no template }}', 'no template }}'],
    ['x {{ list }}', ["variable 'list' is a list; it can only be used as a whole value (\"{{ list }}\" with nothing around it)"]],
    ['x {{ nothing }}', ["variable 'nothing' is empty (null); it can only be used as a whole value (\"{{ nothing }}\" with nothing around it)"]],
    ['{{ m }}', ["unknown variable 'm' (did you mean 'n'?)"]],
    ['{{ node.labels.pol }}', ["unknown variable 'node.labels.pol' (did you mean 'node.labels.pool'?)"]],
    ['{{ nodes.name }}', ["unknown variable 'nodes.name' (did you mean 'node.name'?)"]],
    ['{{ s.x }}', ["unknown variable 's.x': 's' is not a mapping"]],
  ])('%s → %j', (text, expected) => {
    expect(render(text)).toEqual(expected);
  });

  it.each([
    ['{{ a', "unterminated '{{' (no matching '}}')"],
    ['{{ }}', "empty '{{ }}'"],
    ['{{ a.b() }}', 'invalid template expression "a.b()"'],
    ['{{ 1a }}', 'invalid template expression "1a"'],
  ])('refuses %s', (text, message) => {
    const problems = parseTemplate(text, [], at).problems.map((p) => p.message);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});

describe('YAML positions', () => {
  it('points at each {{ in plain, quoted and block scalars', () => {
    const text = 'a: x {{ y }}\nb: "{{ y }} {{ z }}"\nc: |\n  one\n    {{ y }}\n';
    const root = parseYaml(text, 'f').root;
    const braces = root?.type === 'map' ? root.pairs.map((p) => (p.value.type === 'scalar' ? p.value.braces : [])) : [];
    expect(braces.map((list) => list.map((p) => `${p.line}:${p.column}`))).toEqual([['1:6'], ['2:5', '2:13'], ['5:5']]);
  });

  it('ignores a byte order mark', () => {
    const root = parseYaml('\uFEFFa: 1\n', 'f').root;
    expect(root?.type === 'map' ? root.pairs[0]?.keyPos : undefined).toEqual({ file: 'f', line: 1, column: 1 });
  });
});

describe('issue order', () => {
  it('sorts by file (first seen), line and column, dropping duplicates', () => {
    const issue = (file: string, line: number, column: number): { file: string; line: number; column: number; message: string } => ({
      file,
      line,
      column,
      message: 'm',
    });
    expect(sortIssues([issue('b', 1, 1), issue('a', 2, 1), issue('b', 1, 1), issue('a', 1, 9), issue('b', 0, 5)])).toEqual([
      issue('b', 0, 5),
      issue('b', 1, 1),
      issue('a', 1, 9),
      issue('a', 2, 1),
    ]);
  });
});
