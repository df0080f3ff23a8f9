import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey } from 'ssh2';

/**
 * In-process SSH servers (ssh2's Server) standing in for a bastion and nodes, so the
 * connector's logic can be tested hermetically. Nodes run exec'd scripts with the local
 * /bin/sh; the real-sshd behaviour is covered by the lab tests.
 */

export interface FakeServerBase {
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly tcpConnections: number;
  /** The most connections that were open and not yet authenticated at once (what MaxStartups counts). */
  readonly maxUnauthenticatedSeen: number;
  /** Destroy every connection (a crash or restart of sshd). */
  dropAll(): void;
  close(): Promise<void>;
}

interface CommonOptions {
  readonly hostKeyPath: string;
  readonly authorizedKeyPath: string;
  /** Close this many of the first connections at once (MaxStartups-style drops). */
  readonly dropFirst?: number;
  /** Close new connections while this many unauthenticated ones are open. */
  readonly maxUnauthenticated?: number;
}

export interface FakeNodeOptions extends CommonOptions {
  readonly name: string;
  readonly sudo?: 'nopasswd' | 'password';
}

export interface FakeNode extends FakeServerBase {
  /** The most scripts running at once (exec channels whose command has not exited). */
  readonly maxConcurrentExecs: number;
  readonly commands: readonly string[];
}

export interface FakeBastion extends FakeServerBase {
  /** direct-tcpip opens to this port are never answered (a partitioned node). */
  blackhole(port: number): void;
}

function authorizedKey(path: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(readFileSync(path));
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

function listen(server: NetServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function startServer(
  options: CommonOptions,
  onReady: (client: Connection) => void,
): Promise<FakeServerBase> {
  const allowed = authorizedKey(options.authorizedKeyPath);
  const ssh = new ssh2.Server({ hostKeys: [readFileSync(options.hostKeyPath)] });
  const sockets = new Set<Socket>();
  let accepted = 0;
  let unauthenticated = 0;
  let maxUnauthenticatedSeen = 0;

  ssh.on('connection', (client: Connection) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') {
        ctx.reject(['publickey']);
        return;
      }
      const sameKey = ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      if (!sameKey) {
        ctx.reject(['publickey']);
        return;
      }
      if (ctx.signature !== undefined && ctx.blob !== undefined) {
        if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
          ctx.reject(['publickey']);
          return;
        }
      }
      ctx.accept();
    });
    client.on('ready', () => onReady(client));
  });

  const tcp = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const over = options.maxUnauthenticated !== undefined && unauthenticated >= options.maxUnauthenticated;
    if (accepted <= (options.dropFirst ?? 0) || over) {
      socket.destroy();
      return;
    }
    unauthenticated++;
    maxUnauthenticatedSeen = Math.max(maxUnauthenticatedSeen, unauthenticated);
    let counted = true;
    const done = (): void => {
      if (counted) unauthenticated--;
      counted = false;
    };
    socket.on('close', done);
    ssh.once('connection', (client: Connection) => {
      client.once('ready', done);
    });
    ssh.injectSocket(socket);
  });

  return listen(tcp).then((port) => ({
    port,
    get tcpConnections() {
      return accepted;
    },
    get maxUnauthenticatedSeen() {
      return maxUnauthenticatedSeen;
    },
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  }));
}

export async function startFakeNode(options: FakeNodeOptions): Promise<FakeNode> {
  let open = 0;
  let maxConcurrentExecs = 0;
  const commands: string[] = [];
  const base = await startServer(options, (client) => {
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('exec', (accept, _reject, info) => {
        const channel = accept();
        commands.push(info.command);
        open++;
        maxConcurrentExecs = Math.max(maxConcurrentExecs, open);
        const sudo = info.command.startsWith('sudo -n ');
        if (sudo && options.sudo !== 'nopasswd') {
          open--;
          channel.stderr.write('sudo: a password is required\n');
          channel.exit(1);
          channel.end();
          return;
        }
        if (info.command.replace(/^sudo -n /, '') !== '/bin/sh -s') {
          open--;
          channel.stderr.write(`fake node runs only /bin/sh -s, not ${info.command}\n`);
          channel.exit(127);
          channel.end();
          return;
        }
        const child = spawn('/bin/sh', ['-s'], { env: { FAKE_NODE: options.name, PATH: '/usr/bin:/bin' } });
        channel.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
        child.stdout.on('data', (chunk: Buffer) => channel.write(chunk));
        child.stderr.on('data', (chunk: Buffer) => channel.stderr.write(chunk));
        // as sshd: the channel's end closes the script's stdin (the node-side job's lifeline)
        channel.on('close', () => child.stdin.end());
        child.on('close', (code, signal) => {
          open--;
          if (signal !== null) channel.exit(signal.replace(/^SIG/, ''));
          else channel.exit(code ?? 0);
          // as sshd: once the command has exited and its output is sent, the channel closes,
          // whether or not the client ever ended stdin
          channel.end();
          channel.close();
          channel.resume(); // the script's stdin is gone: drain the rest so the channel can end
        });
      });
    });
  });
  return {
    port: base.port,
    get tcpConnections() {
      return base.tcpConnections;
    },
    get maxUnauthenticatedSeen() {
      return base.maxUnauthenticatedSeen;
    },
    dropAll: () => base.dropAll(),
    close: () => base.close(),
    get maxConcurrentExecs() {
      return maxConcurrentExecs;
    },
    commands,
  };
}

export async function startFakeBastion(options: CommonOptions): Promise<FakeBastion> {
  const blackholed = new Set<number>();
  const base = await startServer(options, (client) => {
    client.on('tcpip', (accept, reject, info) => {
      if (blackholed.has(info.destPort)) return;
      const upstream = netConnect(info.destPort, info.destIP);
      upstream.once('error', () => reject());
      upstream.once('connect', () => {
        const channel = accept();
        // as OpenSSH's sshd: the node's EOF (or reset) is passed on as EOF only, and the channel
        // stays half-open until the client closes it (ssh2's end() would also send CLOSE)
        channel.pipe(upstream);
        upstream.on('data', (chunk: Buffer) => channel.write(chunk));
        upstream.on('end', () => channel.eof());
        upstream.on('error', () => channel.eof());
        channel.on('error', () => upstream.destroy());
        channel.on('close', () => upstream.destroy());
      });
    });
  });
  return {
    port: base.port,
    get tcpConnections() {
      return base.tcpConnections;
    },
    get maxUnauthenticatedSeen() {
      return base.maxUnauthenticatedSeen;
    },
    dropAll: () => base.dropAll(),
    close: () => base.close(),
    blackhole(port) {
      blackholed.add(port);
    },
  };
}
