import { chmodSync, lstatSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { netModule } from './builtins.js';
import { dirname, join } from 'node:path';
import { ensureTrustedDirectory, untrustedDirectory } from './private-files.js';

/** Commands of the control socket; one JSON request line, one JSON reply line, per connection. */
export type ControlCommand = 'status' | 'stats' | 'dump' | 'reload';

export type ControlReply = { ok: true; data: unknown } | { ok: false; error: string };

export type ControlHandler = (cmd: ControlCommand) => Promise<unknown>;

const COMMANDS: readonly ControlCommand[] = ['status', 'stats', 'dump', 'reload'];

/** Limits that keep the control socket from costing the daemon its descriptors or memory. */
export interface ControlLimits {
  /** Connections served at once; more are closed on arrival (the descriptors stay for VRRP, checks and scripts). */
  readonly maxConnections: number;
  /** A connection that sends nothing, or no whole request, for this long is closed. */
  readonly idleMs: number;
  /** A request line longer than this closes the connection. */
  readonly maxRequestBytes: number;
}

export const DEFAULT_CONTROL_LIMITS: ControlLimits = { maxConnections: 32, idleMs: 5000, maxRequestBytes: 4096 };

/** Whether a process answers on the Unix socket at `path` (a live daemon's socket must never be removed). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = netModule().createConnection(path);
    const done = (live: boolean): void => {
      conn.destroy();
      resolve(live);
    };
    conn.once('connect', () => done(true));
    conn.once('error', () => done(false));
    setTimeout(() => done(false), 1000).unref();
  });
}

/** Removes what a crashed daemon left at `path`; refuses when a live one answers there or it is not a socket. */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; not removing it`);
  if (await answers(path)) throw new Error(`a live daemon answers on ${path}; not starting a second one`);
  unlinkSync(path);
}

/** Serves one connection: one request line, one reply, then the connection ends. */
function serve(conn: Socket, handler: ControlHandler, limits: ControlLimits): void {
  let buf = '';
  let taken = false;
  conn.setEncoding('utf8');
  // Idle before the request, and again once the reply is handed over (a client that never reads it).
  conn.setTimeout(limits.idleMs);
  conn.on('timeout', () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: string) => {
    // One request per connection: whatever follows the first line is ignored, never run again.
    if (taken) return;
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0) {
      if (buf.length > limits.maxRequestBytes) conn.destroy();
      return;
    }
    taken = true;
    conn.pause();
    let cmd: unknown;
    try {
      cmd = (JSON.parse(buf.slice(0, nl)) as { cmd?: unknown }).cmd;
    } catch {
      cmd = undefined;
    }
    buf = '';
    const reply = (r: ControlReply): void => {
      if (conn.destroyed) return;
      conn.setTimeout(limits.idleMs);
      conn.end(`${JSON.stringify(r)}\n`);
    };
    if (typeof cmd !== 'string' || !(COMMANDS as readonly string[]).includes(cmd)) {
      reply({ ok: false, error: `unknown command; expected one of ${COMMANDS.join(', ')}` });
      return;
    }
    // A long command (a reload) must not be cut by the idle limit meant for silent clients.
    conn.setTimeout(0);
    handler(cmd as ControlCommand).then(
      (data) => reply({ ok: true, data }),
      (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/**
 * Opens the control socket at `path`, mode 0600 from the moment it exists. The caller has
 * checked the directory and holds the instance lock; a socket a crashed daemon left is
 * replaced, a live one never.
 */
export async function openControlSocket(path: string, handler: ControlHandler, limits: ControlLimits = DEFAULT_CONTROL_LIMITS): Promise<Server> {
  ensureTrustedDirectory(dirname(path), 'control socket');
  await clearStaleSocket(path);
  const server = netModule().createServer((conn) => serve(conn, handler, limits));
  server.maxConnections = limits.maxConnections;
  // listen() creates the socket with the process umask, which a worker thread cannot change: it
  // is made inside a fresh directory only root can enter, set to 0600, and only then renamed to
  // its path, so it is never, even for a moment, open to others there.
  const nest = mkdtempSync(join(dirname(path), '.tandem-sock-'));
  try {
    const inner = join(nest, 's');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(inner, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(inner, 0o600);
    renameSync(inner, path);
  } catch (err) {
    server.close();
    throw err;
  } finally {
    rmSync(nest, { recursive: true, force: true });
  }
  // The listening socket keeps the daemon alive until it is told to stop, as keepalived
  // stays up with nothing to run; without it tandemd would exit whenever, for a moment, no
  // timer or socket happened to be pending.
  return server;
}

/**
 * Why the socket at `path` must not be talked to, or undefined: it must sit in a directory
 * no one else can write (owned by root or this user), and be a socket owned by root or this
 * user. Otherwise another user could have put their own server there and feed root forged status.
 */
export function untrustedSocket(path: string): string | undefined {
  const euid = process.geteuid?.() ?? 0;
  const owners = [...new Set([0, euid])];
  const dir = untrustedDirectory(dirname(path), owners);
  if (dir !== undefined) return dir;
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    return `${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  if (!st.isSocket()) return `${path} is not a socket`;
  if (!owners.includes(st.uid)) return `${path} is owned by uid ${st.uid}`;
  return undefined;
}

/** Sends one command and returns the reply; refuses a socket another user could have planted. */
export function requestControl(path: string, cmd: ControlCommand, timeoutMs = 5000): Promise<ControlReply> {
  try {
    lstatSync(path);
  } catch (err) {
    return Promise.reject(new Error(`${(err as NodeJS.ErrnoException).code ?? String(err)}: no socket at ${path} (is tandemd running?)`));
  }
  const why = untrustedSocket(path);
  if (why !== undefined) return Promise.reject(new Error(`refusing to trust ${path}: ${why}`));
  return new Promise((resolve, reject) => {
    const conn = netModule().createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no reply from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ cmd })}\n`));
    conn.on('data', (c: string) => (buf += c));
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as ControlReply);
      } catch {
        reject(new Error(`malformed reply from ${path}`));
      }
    });
  });
}
