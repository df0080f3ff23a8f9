import { describe, expect, it } from 'vitest';
import { runCheck, type CommandResult } from '../../oracle/kube-bench/check.ts';
import { compareWithKubeBench, type CheckJson } from '../../oracle/kube-bench/compare.ts';
import { parseControls } from '../../oracle/kube-bench/controls.ts';
import { controlsText, nodeConfig, VENDORED_VERSIONS } from '../../oracle/kube-bench/definitions.ts';
import { parseDiscovery, substitute, substitutions } from '../../oracle/kube-bench/discover.ts';
import { executeJSONPath, UnsupportedPath } from '../../oracle/kube-bench/jsonpath.ts';
import type { BenchmarkRun } from '../../oracle/kube-bench/run.ts';
import { compareOp, executeItem } from '../../oracle/kube-bench/test-item.ts';

// The kube-bench evaluator the oracle lab test uses, held to kube-bench's semantics (check/test.go,
// check/check.go, cmd/util.go) on outputs written out here, so that a wrong oracle cannot hide
// behind the lab.

const PS = 'UID PID PPID C STIME TTY TIME CMD\nroot 8 1 0 14:30 ? 00:00:00 /usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml\n';
const ok = (output: string): CommandResult => ({ output, exitCode: 0 });

/** A version's controls with the lab's substitutions (kubeadm paths, the kubelet running, no kube-proxy). */
function controls(version = 'cis-1.12') {
  const obs = parseDiscovery(
    [
      '\n@@nw-kube-bench-discovery@@ ps kubelet\n/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml\n',
      '\n@@nw-kube-bench-discovery@@ ps hyperkube\n',
      '\n@@nw-kube-bench-discovery@@ exists /var/lib/kubelet/config.yaml\n',
      '\n@@nw-kube-bench-discovery@@ exists /etc/systemd/system/kubelet.service.d/10-kubeadm.conf\n',
      '\n@@nw-kube-bench-discovery@@ exists /lib/systemd/system/kubelet.service\n',
      '\n@@nw-kube-bench-discovery@@ exists /etc/kubernetes/kubelet.conf\n',
      '\n@@nw-kube-bench-discovery@@ exists /etc/kubernetes/pki/ca.crt\n',
    ].join(''),
  );
  const subs = substitutions(nodeConfig(version), obs);
  return { subs, controls: parseControls(substitute(controlsText(version), subs)) };
}

function verdict(id: string, outputs: Record<string, CommandResult>, version = 'cis-1.12') {
  const check = controls(version).controls.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no ${id} in ${version}`);
  const results = new Map<string, CommandResult>();
  const audits = [check.audit, check.auditConfig].map((c) => c.trim()).filter(Boolean);
  for (const command of audits) results.set(command, outputs[command] ?? outputs[command.startsWith('/bin/cat') ? 'config' : 'audit'] ?? ok(''));
  return runCheck(check, results);
}

describe('kube-bench discovery and substitution (cmd/util.go, cmd/common.go)', () => {
  it('picks the running binary, the first existing candidate file, else the default, else the component', () => {
    const vars = Object.fromEntries(controls().subs.variables);
    expect(vars).toMatchObject({
      $kubeletbin: 'kubelet', // hyperkube is not running
      $proxybin: 'proxy', // optional and not running: the component's name
      $kubeletconf: '/var/lib/kubelet/config.yaml',
      $kubeletsvc: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', // first of svc that exists
      $kubeletkubeconfig: '/etc/kubernetes/kubelet.conf',
      $kubeletcafile: '/etc/kubernetes/pki/ca.crt',
      $proxykubeconfig: '/etc/kubernetes/proxy.conf', // none exists: defaultkubeconfig
    });
    expect(controlsText('cis-1.12')).toContain('$kubeletsvc');
    expect(VENDORED_VERSIONS).toEqual(['cis-1.9', 'cis-1.10', 'cis-1.11', 'cis-1.12']);
  });

  it('parses every vendored node.yaml into checks with tests, scored as upstream says', () => {
    for (const version of VENDORED_VERSIONS) {
      const { controls: c } = controls(version);
      expect(c.version).toBe(version);
      expect(c.checks.length).toBeGreaterThan(20);
      expect(c.checks.find((x) => x.id === '4.1.1')).toMatchObject({ scored: true, tests: { binOp: '' } });
      expect(c.checks.find((x) => x.id === '4.2.4')).toMatchObject({ scored: false, tests: { binOp: 'or' } });
      // testItem.UnmarshalYAML: set defaults to true; `set: false` is read as false
      expect(c.checks.find((x) => x.id === '4.2.4')?.tests?.testItems.map((t) => t.set)).toEqual([true, false]);
    }
  });
});

describe('kube-bench tests (check/test.go)', () => {
  it('compareOp: string equality, booleans case-insensitively, numbers by Atoi, bitmask as octal, valid_elements', () => {
    expect(compareOp('eq', 'FALSE', 'false', 'x').result).toBe(true);
    expect(compareOp('noteq', '0s', '0', 'x').result).toBe(true); // why kube-bench passes streamingConnectionIdleTimeout: 0s
    expect(compareOp('gte', '5', '0', 'x').result).toBe(true);
    expect(compareOp('gte', '5.5', '0', 'x').result).toBe(false);
    expect(compareOp('bitmask', '644', '600', 'x').result).toBe(false);
    expect(compareOp('bitmask', '400', '600', 'x').result).toBe(true);
    expect(compareOp('bitmask', '', '600', 'x').result).toBe(false);
    expect(compareOp('nothave', 'Node,Webhook', 'AlwaysAllow', 'x').result).toBe(true);
    expect(compareOp('valid_elements', 'A,B,', 'A,B,C', 'x').result).toBe(true);
    expect(compareOp('valid_elements', '', 'A,B,C', 'x').result).toBe(false);
    expect(compareOp('valid_elements', 'A,D,', 'A,B,C', 'x').result).toBe(false);
  });

  const item = (over: Partial<Parameters<typeof executeItem>[0]>) => ({ flag: '', env: '', path: '', value: '', set: true, compare: { op: '', value: '' }, ...over });

  it('flag values: --flag=value, flag: value, a bare --flag is true, a non-dash flag is itself', () => {
    expect(executeItem(item({ flag: '--read-only-port', compare: { op: 'eq', value: '0' } }), 'auditCommand', `${PS.trim()} --read-only-port=0\n`, false).testResult).toBe(true);
    expect(executeItem(item({ flag: '--anonymous-auth', compare: { op: 'eq', value: 'true' } }), 'auditCommand', 'kubelet --anonymous-auth --x=1', false).testResult).toBe(true);
    expect(executeItem(item({ flag: 'permissions', compare: { op: 'bitmask', value: '600' } }), 'auditCommand', 'permissions=600\n', false).testResult).toBe(true);
    expect(executeItem(item({ flag: 'root:root' }), 'auditCommand', 'root:root\n', false).testResult).toBe(true);
    expect(executeItem(item({ flag: 'root:root' }), 'auditCommand', '', false)).toMatchObject({ testResult: false, flagFound: false });
    expect(executeItem(item({ flag: '--hostname-override', set: false }), 'auditCommand', PS, false).testResult).toBe(true);
  });

  it('path values: JSON or YAML (1.1), JSONPath with missing keys allowed, ranges joined', () => {
    const yaml = 'authentication:\n  anonymous:\n    enabled: false\nreadOnlyPort: 10255\ntlsCipherSuites: [A, B]\nstreamingConnectionIdleTimeout: 0s\n';
    expect(executeJSONPath('{.authentication.anonymous.enabled}', { authentication: { anonymous: { enabled: false } } })).toBe('false');
    expect(executeJSONPath('{.missing.key}', {})).toBe('');
    expect(executeJSONPath("{range .tlsCipherSuites[:]}{}{','}{end}", { tlsCipherSuites: ['A', 'B'] })).toBe('A,B,');
    expect(executeJSONPath("{range .tlsCipherSuites[:]}{}{','}{end}", {})).toBe('');
    expect(() => executeJSONPath('{.items[?(@.x)]}', {})).toThrow(UnsupportedPath);
    expect(executeItem(item({ path: '{.readOnlyPort}', compare: { op: 'eq', value: '0' } }), 'auditConfig', yaml, false)).toMatchObject({ testResult: false, flagFound: true });
    expect(executeItem(item({ path: '{.streamingConnectionIdleTimeout}', compare: { op: 'noteq', value: '0' } }), 'auditConfig', yaml, false).testResult).toBe(true);
    expect(executeItem(item({ path: '{.readOnlyPort}' }), 'auditConfig', '{"readOnlyPort": 15000}', false).testResult).toBe(true);
    expect(executeItem(item({ path: '{.x}' }), 'auditConfig', 'broken } yaml\n: : :', false)).toMatchObject({ testResult: false });
  });
});

describe('kube-bench checks (check/check.go run)', () => {
  const CONFIG = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 10255\nstreamingConnectionIdleTimeout: 0s\n';

  it('scored failures FAIL, unscored ones WARN; a key absent passes where the test allows it', () => {
    expect(verdict('4.2.1', { audit: ok(PS), config: ok(CONFIG) }).state).toBe('FAIL');
    expect(verdict('4.2.4', { audit: ok(PS), config: ok(CONFIG) }).state).toBe('WARN');
    expect(verdict('4.2.5', { audit: ok(PS), config: ok(CONFIG) }).state).toBe('PASS');
    expect(verdict('4.2.6', { audit: ok(PS), config: ok(CONFIG) }).state).toBe('PASS');
    expect(verdict('4.2.10', { audit: ok(PS), config: ok(CONFIG) }).state).toBe('PASS');
  });

  it('the command line wins over the file: a flag found is not looked for in the config', () => {
    expect(verdict('4.2.4', { audit: ok(`${PS.trim()} --read-only-port=0\n`), config: ok(CONFIG) }).state).toBe('PASS');
  });

  it('an audit that exits non-zero decides the check; a config file that is missing does not, when the audit printed something', () => {
    const proxy = verdict('4.3.1', { audit: { output: 'UID PID PPID C STIME TTY TIME CMD\n', exitCode: 1 } });
    expect(proxy).toMatchObject({ state: 'FAIL', reason: expect.stringContaining('error: exit status 1') });
    const noConfig = { output: '/bin/cat: /var/lib/kubelet/config.yaml: No such file or directory\n', exitCode: 1 };
    expect(verdict('4.2.6', { audit: ok(PS), config: noConfig }).state).toBe('PASS'); // set: false, nothing read
    expect(verdict('4.2.1', { audit: ok(PS), config: noConfig }).state).toBe('FAIL');
  });

  it('4.1.3: no proxy kubeconfig prints nothing, which the test cannot pass: WARN (nodeward: N/A)', () => {
    expect(verdict('4.1.3', { audit: ok('') }).state).toBe('WARN');
  });

  it('4.1.7 compares with 600 in cis-1.10 and 644 in cis-1.12', () => {
    const out = { audit: ok('permissions=644\n') };
    expect(verdict('4.1.7', out, 'cis-1.10').state).toBe('WARN');
    expect(verdict('4.1.7', out, 'cis-1.12').state).toBe('PASS');
  });
});

describe('the comparison', () => {
  const run: BenchmarkRun = {
    version: 'cis-1.12',
    substitutions: { variables: [] },
    verdicts: [
      { id: '4.2.1', text: '', scored: true, state: 'FAIL', reason: '', testResult: false, actualValue: '', expectedResult: '' },
      { id: '4.1.3', text: '', scored: false, state: 'WARN', reason: '', testResult: false, actualValue: '', expectedResult: '' },
    ],
  };
  const report = (status421: string): CheckJson => ({
    nodes: [{ name: 'node-1', benchmark: 'cis-1.12' }],
    checks: [
      { id: '4.2.1', source: 'cis', results: [{ node: 'node-1', status: status421, failed: status421 === 'fail', reasons: [] }] },
      { id: '4.1.3', source: 'cis', results: [{ node: 'node-1', status: 'n/a', failed: false, reasons: [] }] },
    ],
  });

  it('counts agreements and documented deviations, and fails on anything else', () => {
    expect(compareWithKubeBench('cis-1.12', new Map([['node-1', run]]), report('fail'))).toEqual({ agreed: 1, documented: 1, mismatches: [] });
    const wrong = compareWithKubeBench('cis-1.12', new Map([['node-1', run]]), report('pass'));
    expect(wrong.mismatches).toEqual([expect.stringMatching(/^cis-1\.12 4\.2\.1 on node-1: kube-bench FAIL .*nodeward PASS/)]);
    const extra = { ...report('fail'), checks: [...report('fail').checks, { id: '4.9.9', source: 'cis', results: [{ node: 'node-1', status: 'pass', failed: false, reasons: [] }] }] };
    expect(compareWithKubeBench('cis-1.12', new Map([['node-1', run]]), extra).mismatches).toEqual(["cis-1.12 4.9.9 on node-1: not in kube-bench's definitions, nodeward says PASS"]);
  });
});
