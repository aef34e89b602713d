import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { dirname } from 'node:path';

/** Commands of the control socket; one JSON request line, one JSON reply line. */
export type ControlCommand = 'status' | 'stats' | 'dump' | 'reload';

export type ControlReply = { ok: true; data: unknown } | { ok: false; error: string };

export type ControlHandler = (cmd: ControlCommand) => Promise<unknown>;

const COMMANDS: readonly ControlCommand[] = ['status', 'stats', 'dump', 'reload'];

/** Opens the control socket at `path` (mode 0600; a stale socket file is replaced). */
export async function openControlSocket(path: string, handler: ControlHandler): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  rmSync(path, { force: true });
  const server = createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 4096) return conn.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      let cmd: unknown;
      try {
        cmd = (JSON.parse(line) as { cmd?: unknown }).cmd;
      } catch {
        cmd = undefined;
      }
      const reply = (r: ControlReply): void => {
        conn.end(`${JSON.stringify(r)}\n`);
      };
      if (typeof cmd !== 'string' || !(COMMANDS as readonly string[]).includes(cmd)) {
        reply({ ok: false, error: `unknown command; expected one of ${COMMANDS.join(', ')}` });
        return;
      }
      handler(cmd as ControlCommand).then(
        (data) => reply({ ok: true, data }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  // The listening socket keeps the daemon alive until it is told to stop, as keepalived
  // stays up with nothing to run; without it tandemd would exit whenever, for a moment, no
  // timer or socket happened to be pending.
  return server;
}

/** Sends one command and returns the reply. */
export function requestControl(path: string, cmd: ControlCommand, timeoutMs = 5000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(path);
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
