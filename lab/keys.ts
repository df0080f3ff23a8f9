import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { must, run } from './run.ts';

const HOST_KEY_TYPES = ['ed25519', 'ecdsa'] as const;

/** The operator's key, made once per lab dir. */
export async function ensureOperatorKey(dir: string): Promise<{ privateKey: string; publicKey: string }> {
  const key = path.join(dir, 'id_ed25519');
  if (!existsSync(key)) await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nodeward-lab-operator', '-f', key]);
  return { privateKey: key, publicKey: readFileSync(key + '.pub', 'utf8').trim() };
}

/**
 * A node's sshd host keys, made once and kept in hostkeys/ so `reset` (and later `up`s) keep them.
 * No RSA key: 3072-bit RSA costs ~0.8 s of CPU per node, too slow for 100 nodes; see lab/README.md.
 */
export async function ensureHostKeys(hostkeysDir: string, hostname: string): Promise<string[]> {
  mkdirSync(hostkeysDir, { recursive: true });
  const pubs: string[] = [];
  for (const t of HOST_KEY_TYPES) {
    const f = path.join(hostkeysDir, `ssh_host_${t}_key`);
    if (!existsSync(f) || !existsSync(f + '.pub')) {
      await must('ssh-keygen', ['-q', '-t', t, '-N', '', '-C', `root@${hostname}`, '-f', f]);
    }
    pubs.push(readFileSync(f + '.pub', 'utf8').trim());
  }
  return pubs;
}

export const hostKeyFiles = HOST_KEY_TYPES.map((t) => `ssh_host_${t}_key`);

export interface Pki {
  caCrt: string;
  kubeletCrt: string;
  kubeletKey: string;
  clientCrt: string;
  clientKey: string;
  bootstrapToken: string;
  pwuserPassword: string;
  pwuserHash: string;
}

/** A self-signed cluster CA plus kubelet serving and client certs, made once per lab dir with openssl. */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = path.join(dir, 'pki');
  const done = path.join(pki, 'pki.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Pki;
  mkdirSync(pki, { recursive: true });
  const f = (n: string) => path.join(pki, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  let result: Pki;
  const hasOpenssl = (await run('sh', ['-c', 'command -v openssl'])).code === 0;
  const token = `${hex(3)}.${hex(8)}`;
  const password = `pw-${hex(6)}`;
  if (hasOpenssl) {
    await must('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '3650', '-subj', '/CN=kubernetes']);
    await must('openssl', ['req', '-x509', ...ec, '-keyout', f('kubelet.key'), '-out', f('kubelet.crt'), '-days', '365', '-subj', '/CN=kubelet-serving@lab']);
    await must('openssl', ['req', ...ec, '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/O=system:nodes/CN=system:node:lab']);
    await must('openssl', ['x509', '-req', '-in', f('client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.crt'), '-days', '365']);
    const hash = (await must('openssl', ['passwd', '-6', password])).trim();
    const r = (n: string) => readFileSync(f(n), 'utf8');
    result = {
      caCrt: r('ca.crt'), kubeletCrt: r('kubelet.crt'), kubeletKey: r('kubelet.key'),
      clientCrt: r('client.crt'), clientKey: r('client.key'),
      bootstrapToken: token, pwuserPassword: password, pwuserHash: hash,
    };
  } else {
    const pem = (label: string) => `-----BEGIN ${label}-----\n${randomBytes(96).toString('base64')}\n-----END ${label}-----\n`;
    result = {
      caCrt: pem('CERTIFICATE'), kubeletCrt: pem('CERTIFICATE'), kubeletKey: pem('EC PRIVATE KEY'),
      clientCrt: pem('CERTIFICATE'), clientKey: pem('EC PRIVATE KEY'),
      bootstrapToken: token, pwuserPassword: password, pwuserHash: '!',
    };
  }
  writeFileSync(done, JSON.stringify(result, null, 2), { mode: 0o600 });
  return result;
}

/** Strings that must never show up in nodeward's output or logs. */
export function secretStrings(p: Pki): string[] {
  const body = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  return [
    Buffer.from(p.clientKey).toString('base64'),
    body(p.clientKey),
    body(p.kubeletKey),
    p.bootstrapToken,
    p.pwuserPassword,
  ];
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
