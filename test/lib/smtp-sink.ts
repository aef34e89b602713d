import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { REPO } from './lab.js';

// A small SMTP server for the lab: it takes every mail (RFC 5321's minimum: HELO/EHLO, MAIL,
// RCPT, DATA, QUIT, RSET, NOOP) and prints each as one JSON line on stdout, so a test sees the
// envelope and the message as a real mail server would have received them.
//
//     node test/dist/lib/smtp-sink.js PORT [ADDRESS]     (default ::, IPv6 and IPv4)

/** One mail as received. */
export interface SunkMail {
  readonly helo: string;
  readonly from: string;
  readonly to: readonly string[];
  /** The DATA part, lines without CRLF, dot-unstuffed, without the final dot. */
  readonly lines: readonly string[];
  /** The client's address (an IPv4 one without its ::ffff: prefix). */
  readonly peer: string;
}

export const SMTP_SINK = join(REPO, 'test', 'dist', 'lib', 'smtp-sink.js');

/** Listens on `port`; each whole mail goes to `onMail`. */
export function smtpSink(port: number, host: string, onMail: (m: SunkMail) => void): Promise<Server> {
  const server = createServer((sock) => {
    let helo = '';
    let from = '';
    let to: string[] = [];
    let data: string[] | undefined;
    let buf = '';
    const reply = (line: string): boolean => sock.write(`${line}\r\n`);
    reply('220 tandem-lab-sink ESMTP');
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== undefined) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          onMail({ helo, from, to, lines: data, peer: (sock.remoteAddress ?? '').replace(/^::ffff:/, '') });
          data = undefined;
          from = '';
          to = [];
          reply('250 2.0.0 queued');
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'HELO' || verb === 'EHLO') {
          helo = line.slice(5);
          reply('250 tandem-lab-sink');
        } else if (/^MAIL FROM:/i.test(line)) {
          from = line.slice(10).replace(/^<|>$/g, '');
          reply('250 2.1.0 ok');
        } else if (/^RCPT TO:/i.test(line)) {
          to.push(line.slice(8).replace(/^<|>$/g, ''));
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          data = [];
          reply('354 end with .');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          sock.end();
        } else if (verb === 'RSET' || verb === 'NOOP') {
          reply('250 ok');
        } else {
          reply('502 5.5.2 not implemented');
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (require.main === module) {
  const [port = '25', host = '::'] = process.argv.slice(2);
  void smtpSink(Number(port), host, (m) => process.stdout.write(`${JSON.stringify(m)}\n`)).then(() => process.stdout.write('listening\n'));
}
