import { auditCommands, runCheck, type CheckVerdict, type CommandResult } from './check.ts';
import { parseControls, type Controls } from './controls.ts';
import { controlsText, nodeConfig, type NodeConfig } from './definitions.ts';
import { discoveryScript, parseDiscovery, substitute, substitutions, type Substitutions } from './discover.ts';

/** Runs a POSIX sh script as root on one node and returns its stdout (the lab's onNode, or SSH). */
export type NodeShell = (script: string) => Promise<string>;

export interface BenchmarkRun {
  readonly version: string;
  /** `$kubeletconf` → …: what kube-bench chose on this node. */
  readonly substitutions: Substitutions;
  readonly verdicts: readonly CheckVerdict[];
}

const MARK = '@@nw-kube-bench-audit@@';

/**
 * Every command once, as check.go runAudit runs it: `/bin/sh` reading the command on stdin, stdout
 * and stderr into one output, the exit status kept. Commands travel base64-encoded; each output is
 * framed by its length, so no output can be mistaken for a frame.
 */
function auditScript(commands: readonly string[]): string {
  const lines = ['d=$(mktemp -d) || exit 1', 'trap \'rm -rf "$d"\' EXIT'];
  commands.forEach((command, i) => {
    lines.push(
      `printf '%s' '${Buffer.from(command).toString('base64')}' | base64 -d > "$d/c"`,
      `/bin/sh < "$d/c" > "$d/o" 2>&1; rc=$?`,
      `printf '${MARK} %s %s %s\\n' ${i} "$rc" "$(wc -c < "$d/o")"; cat "$d/o"`,
    );
  });
  return lines.join('\n') + '\n';
}

function parseAuditOutput(output: string, commands: readonly string[]): Map<string, CommandResult> {
  const results = new Map<string, CommandResult>();
  const bytes = Buffer.from(output);
  let at = 0;
  while (at < bytes.length) {
    const nl = bytes.indexOf(0x0a, at);
    const header = bytes.subarray(at, nl).toString();
    const m = new RegExp(`^${MARK} (\\d+) (\\d+) (\\d+)$`).exec(header);
    if (!m) throw new Error(`kube-bench audit output out of frame at byte ${at}: ${JSON.stringify(header.slice(0, 80))}`);
    const length = Number(m[3]);
    const command = commands[Number(m[1])];
    if (command === undefined) throw new Error(`kube-bench audit output names command ${m[1] ?? ''}`);
    results.set(command, { exitCode: Number(m[2]), output: bytes.subarray(nl + 1, nl + 1 + length).toString() });
    at = nl + 1 + length;
  }
  if (results.size !== commands.length) throw new Error(`kube-bench audits: ${results.size} of ${commands.length} commands answered`);
  return results;
}

/**
 * kube-bench `run --targets node --benchmark VERSION` on one node, for each version: discovery
 * (cmd/util.go getBinaries, getFiles), the controls text with its variables substituted
 * (cmd/common.go runChecks), every audit run on the node, every check judged (check/check.go).
 * Two execs on the node whatever the number of versions: commands the versions share run once.
 */
export async function runKubeBench(versions: readonly string[], shell: NodeShell): Promise<BenchmarkRun[]> {
  const configs = new Map<string, NodeConfig>(versions.map((v) => [v, nodeConfig(v)]));
  const observations = parseDiscovery(await shell(discoveryScript([...configs.values()])));
  const prepared = versions.map((version) => {
    const config = configs.get(version);
    if (!config) throw new Error(version);
    const subs = substitutions(config, observations);
    const controls: Controls = parseControls(substitute(controlsText(version), subs));
    if (controls.version !== version || controls.type !== 'node') throw new Error(`${version}: node.yaml says ${controls.version} ${controls.type}`);
    return { version, subs, controls };
  });
  const commands = [...new Set(prepared.flatMap((p) => p.controls.checks.flatMap(auditCommands)))];
  const results = parseAuditOutput(await shell(auditScript(commands)), commands);
  return prepared.map(({ version, subs, controls }) => ({ version, substitutions: subs, verdicts: controls.checks.map((check) => runCheck(check, results)) }));
}
