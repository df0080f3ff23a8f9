// An in-process API server for the kube client's tests: node:https on 127.0.0.1 with
// certificates made by the openssl CLI for this run (a CA, a second CA nobody trusts, a server
// certificate for 127.0.0.1 and api.test, a client certificate), requesting a client
// certificate, recording every request and answering with the test's handler.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface Pki {
  readonly dir: string;
  /** File paths (PEM). */
  readonly ca: string;
  readonly otherCa: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by the CA nobody trusts. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Keys are EC P-256: quick to make. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'nw-kube-pki-'));
  const ca = (name: string) => {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
  };
  const leaf = (name: string, signer: string, cn: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:api.test\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'nodeward-admin', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'other-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const f = (name: string) => join(dir, name);
  return {
    dir, ca: f('ca.crt'), otherCa: f('other-ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'),
    clientCert: f('client.crt'), clientKey: f('client.key'), strangerCert: f('stranger.crt'), strangerKey: f('stranger.key'),
  };
}

export interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The CN of the client certificate the server verified against its CA; undefined: none or not verified. */
  readonly clientCn: string | undefined;
  /** The SNI the client sent. */
  readonly servername: string | undefined;
}

export interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  /** Raw text instead of JSON. */
  readonly text?: string;
  /** Never answer (timeouts). */
  readonly hang?: boolean;
}

export type Handler = (seen: Seen) => Reply | Promise<Reply>;

export interface FakeApiServer {
  readonly url: string;
  readonly seen: Seen[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** `tls: undefined`: plain http. */
export async function startApiServer(pki: Pki | undefined): Promise<FakeApiServer> {
  const seen: Seen[] = [];
  let handler: Handler = () => ({ status: 404, json: { kind: 'Status', status: 'Failure', message: 'no handler', code: 404 } });
  const hanging = new Set<ServerResponse>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as TLSSocket;
      const tls = typeof socket.getPeerCertificate === 'function';
      const peer = tls && socket.authorized ? socket.getPeerCertificate() : undefined;
      const s: Seen = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://x'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientCn: peer && typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
        servername: tls ? ((socket as TLSSocket & { servername?: string | false }).servername || undefined) : undefined,
      };
      seen.push(s);
      void Promise.resolve(handler(s)).then((reply) => {
        if (reply.hang) {
          hanging.add(res);
          return;
        }
        const body = reply.text ?? JSON.stringify(reply.json ?? {});
        res.writeHead(reply.status ?? 200, { 'content-type': reply.text === undefined ? 'application/json' : 'text/plain' });
        res.end(body);
      });
    });
  };
  const server = pki
    ? createHttpsServer({
        key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca),
        // as kube-apiserver: a client certificate is asked for, verified when given, not required
        requestCert: true, rejectUnauthorized: false,
      }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${pki ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const status = (code: number, message: string, causes: readonly string[] = []): Reply => ({
  status: code,
  json: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code, ...(causes.length ? { details: { causes: causes.map((m) => ({ message: m })) } } : {}) },
});

/** A kubeconfig file with one context; `cluster` and `user` are the entries' bodies. */
export function writeKubeconfig(dir: string, name: string, cluster: Record<string, unknown>, user: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  const doc = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
    clusters: [{ name: 'c1', cluster }],
    users: [{ name: 'u1', user }],
    contexts: [{ name: 'test', context: { cluster: 'c1', user: 'u1', namespace: 'ignored' } }],
  };
  writeFileSync(file, JSON.stringify(doc, null, 2)); // JSON is YAML
  return file;
}
