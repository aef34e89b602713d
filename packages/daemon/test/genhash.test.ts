import test from 'ava';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { parseGenhashArgs, parseGenhashArgs as parse } from '../src/genhash.js';
import { parseDaemonArgs } from '../src/cli.js';

const TANDEMD = join(__dirname, '..', '..', 'bin', 'tandemd.js');
const BODY = '<html>tandem genhash</html>\n';

/** A raw HTTP server that answers every request with BODY and remembers the requests. */
async function server(): Promise<{ port: number; requests: string[]; srv: Server }> {
  const requests: string[] = [];
  const srv = createServer((s) => {
    let req = '';
    s.on('data', (d: Buffer) => {
      req += d.toString();
      if (!req.includes('\r\n\r\n')) return;
      requests.push(req);
      s.end(`HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  return { port: (srv.address() as { port: number }).port, requests, srv };
}

function run(cmd: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('-T hands the rest of the line to genhash, as keepalived does', (t) => {
  t.like(parseDaemonArgs(['-T', '-s', '127.0.0.1', '-p', '80', '-u', '/']), { genhash: true, genhashArgs: ['-s', '127.0.0.1', '-p', '80', '-u', '/'], warnings: [] });
  t.like(parseDaemonArgs(['-l', '--genhash', '-s', '::1']), { genhash: true, genhashArgs: ['-s', '::1'] });
  t.like(parseGenhashArgs(['-s', 'www.example', '-p', '80', '-u', '/']), { errors: ['server should be an IP, not www.example'] });
  t.like(parse(['-s', '192.0.2.1', '-p', '80']), { request: undefined, errors: [] });
  t.like(parse(['-s', '192.0.2.1', '-p', '70000', '-u', '/']), { errors: ["invalid port number '70000'"] });
});

test('tandemd -T prints the MD5 of the body, and sends the request keepalived -T sends', async (t) => {
  const { port, requests, srv } = await server();
  try {
    const mine = await run('node', [TANDEMD, '-T', '-s', '127.0.0.1', '-p', String(port), '-u', '/index.html']);
    t.is(mine.code, 0, mine.err);
    t.is(mine.out, `${createHash('md5').update(BODY).digest('hex')}\n`);
    if (!existsSync('/usr/sbin/keepalived')) return;
    const theirs = await run('keepalived', ['-T', '-s', '127.0.0.1', '-p', String(port), '-u', '/index.html']);
    t.is(theirs.out, mine.out, 'the digest keepalived -T prints');
    t.is(requests[0], requests[1], 'the same request bytes');
    const vhost = await run('node', [TANDEMD, '-T', '-s', '127.0.0.1', '-p', String(port), '-u', '/x', '-V', 'www.example', '-P', '1.1']);
    const kvhost = await run('keepalived', ['-T', '-s', '127.0.0.1', '-p', String(port), '-u', '/x', '-V', 'www.example', '-P', '1.1']);
    t.is(vhost.out, kvhost.out);
    t.is(requests[2], requests[3], 'the same request with a virtual host and HTTP/1.1');
  } finally {
    srv.close();
  }
});

test('tandemd -T without server, port and url prints the usage and exits 1', async (t) => {
  const r = await run('node', [TANDEMD, '-T', '-s', '127.0.0.1']);
  t.is(r.code, 1);
  t.regex(r.err, /Usage: tandemd --genhash COMMAND/);
});
