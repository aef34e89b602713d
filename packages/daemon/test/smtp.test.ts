import test from 'ava';
import { createServer, type Socket } from 'node:net';
import { defaultSmtpSettings, type GlobalDefs, type SmtpSettings } from '@tandem/config';
import { checkerBody, groupAlert, instanceAlert, mailsVrrpState, quorumAlert, realServerAlert, realServerAlerts, virtualServerAlerts, vrrpAlerts } from '../src/smtp/alert-text.js';
import { messageData, rfc822Date, SmtpDialogue, type Envelope } from '../src/smtp/dialogue.js';
import { sendMail } from '../src/smtp/client.js';
import { Mailer, type MailerHost } from '../src/smtp/mailer.js';
import { canonicalFromAhosts, localName } from '../src/smtp/local-name.js';
import { hostname } from 'node:os';
import { execFileSync } from 'node:child_process';
import { linesLogger } from './test-log.js';

const envelope: Envelope = { helo: 'lb1.example.com', from: 'root@lb1.example.com', to: ['ops@example.com', 'noc@example.org'] };
const when = new Date(2026, 10, 30, 5, 4, 3);

/** Plays a server's replies through the dialogue; returns what the client wrote after each. */
function converse(replies: readonly string[], data = 'DATA-PART'): { sent: string[]; accepted: boolean; done: boolean; problems: string[] } {
  const d = new SmtpDialogue(envelope, data, '[192.0.2.25]:25');
  const sent: string[] = [];
  const problems: string[] = [];
  let last = { done: false, accepted: false };
  for (const r of replies) {
    const s = d.receive(r);
    if (s.send !== undefined) sent.push(s.send);
    if (s.problem !== undefined) problems.push(s.problem);
    last = s;
  }
  return { sent, accepted: last.accepted, done: last.done, problems };
}

test('dialogue: HELO, MAIL FROM, one RCPT TO per address, DATA, the message, QUIT, as keepalived writes them', (t) => {
  const r = converse(['220 mail ESMTP\r\n', '250 hello\r\n', '250 ok\r\n', '250 ok\r\n', '250 ok\r\n', '354 go on\r\n', '250 queued\r\n', '221 bye\r\n']);
  t.deepEqual(r.sent, ['HELO lb1.example.com\r\n', 'MAIL FROM:<root@lb1.example.com>\r\n', 'RCPT TO:<ops@example.com>\r\n', 'RCPT TO:<noc@example.org>\r\n', 'DATA\r\n', 'DATA-PART', 'QUIT\r\n']);
  t.true(r.accepted);
  t.true(r.done);
  t.deepEqual(r.problems, []);
});

test('dialogue: a multi-line reply counts by its last line, and a reply may come in pieces', (t) => {
  const r = converse(['220-mail ESMTP\r\n220-more\r\n', '220 ready\r\n', '25', '0-mail\r\n250-SIZE\r\n250 HELP\r\n']);
  t.deepEqual(r.sent, ['HELO lb1.example.com\r\n', 'MAIL FROM:<root@lb1.example.com>\r\n']);
});

test('dialogue: a refused recipient ends with QUIT and keepalived\'s log line; nothing is accepted', (t) => {
  const r = converse(['220 x\r\n', '250 x\r\n', '250 x\r\n', '550 no such user\r\n', '221 bye\r\n']);
  t.deepEqual(r.sent.slice(-1), ['QUIT\r\n']);
  t.deepEqual(r.problems, ['Error processing RCPT cmd on SMTP server [192.0.2.25]:25. SMTP status code = 550']);
  t.false(r.accepted);
  t.true(r.done);
});

test('dialogue: a greeting other than 220, and an overlong reply, send QUIT', (t) => {
  t.deepEqual(converse(['554 go away\r\n']).problems, ['Error processing (E)SMTP cmd on SMTP server [192.0.2.25]:25. SMTP status code = 554']);
  const long = converse([`220 ${'x'.repeat(1100)}`]);
  t.deepEqual(long.sent, ['QUIT\r\n']);
  t.regex(long.problems[0]!, /overflow our get read buffer length/);
});

test('dialogue: a timeout sends QUIT, a second one ends; once the body is taken the mail counts as sent', (t) => {
  const d = new SmtpDialogue(envelope, 'D', 'S');
  t.deepEqual(d.timeout(), { send: 'QUIT\r\n', done: false, accepted: false });
  t.deepEqual(d.timeout(), { done: true, accepted: false });
  const e = new SmtpDialogue({ ...envelope, to: ['a@b'] }, 'D', 'S');
  for (const r of ['220 x\r\n', '250 x\r\n', '250 x\r\n', '250 x\r\n', '354 x\r\n', '250 x\r\n']) e.receive(r);
  t.true(e.accepted);
  t.true(e.timeout().accepted);
});

test('message: keepalived\'s headers, the body line, an empty line and the dot', (t) => {
  t.is(
    messageData(envelope, '[lb1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=', when),
    `Date: ${rfc822Date(when)}\r\nFrom: root@lb1.example.com\r\nSubject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\nTo: ops@example.com, noc@example.org\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n`,
  );
  t.regex(rfc822Date(when), /^Mon, 30 Nov 2026 05:04:03 [+-]\d{4}$/);
});

test('alert texts: vrrp_notify.c\'s subjects and bodies for instances and sync groups', (t) => {
  t.deepEqual(instanceAlert('lb1', 'VI_1', 'MASTER'), { subject: '[lb1] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
  t.deepEqual(instanceAlert('lb1', 'VI_1', 'BACKUP'), { subject: '[lb1] VRRP Instance VI_1 - Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
  t.deepEqual(instanceAlert('lb1', 'VI_1', 'FAULT'), { subject: '[lb1] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
  t.deepEqual(instanceAlert('lb1', 'VI_1', 'INIT'), { subject: '[lb1] VRRP Instance VI_1 - Stopping', body: '=> VRRP Instance stopping <=' });
  t.deepEqual(groupAlert('lb1', 'G', 'MASTER'), { subject: '[lb1] VRRP Group G - Entering MASTER state', body: '=> All VRRP group instances are now in MASTER state <=' });
  t.deepEqual(groupAlert('lb1', 'G', 'INIT'), { subject: '[lb1] VRRP Group G - Stopping', body: '=> All VRRP group instances are now stopping <=' });
});

test('alert texts: real servers per checker kind, and quorums as ipwrapper.c prints them', (t) => {
  t.deepEqual(realServerAlert('lb1', '[198.51.100.1]:tcp:80', '[192.0.2.10]:tcp:80', false, checkerBody('TCP_CHECK', false)!), {
    subject: '[lb1] Realserver [198.51.100.1]:tcp:80 of virtual server [192.0.2.10]:tcp:80 - DOWN',
    body: '=> TCP CHECK failed on service <=',
  });
  t.is(checkerBody('TCP_CHECK', true), '=> TCP CHECK succeed on service <=');
  t.is(checkerBody('HTTP_GET', false), '=> CHECK failed on service : HTTP request failed <=');
  t.is(checkerBody('SSL_GET', true), '=> CHECK succeed on service <=');
  t.is(checkerBody('MISC_CHECK', true), '=> MISC CHECK succeeded on service <=');
  t.is(checkerBody('MISC_CHECK', false, 'script timed out'), '=> MISC CHECK timed out on service <=');
  t.is(checkerBody('DNS_CHECK', false), '=> DNS_CHECK: failed on service <=');
  t.is(checkerBody('PING_CHECK', true), '=> ICMP CHECK succeed on service <=');
  t.is(checkerBody('UDP_CHECK', false), '=> UDP CHECK failed on service <=');
  t.is(checkerBody('BFD_CHECK', false, 'bfd_1'), '=> BFD CHECK bfd_1 failed on service <=');
  t.is(checkerBody('FILE_CHECK', false), undefined);
  t.deepEqual(quorumAlert('lb1', '[192.0.2.10]:tcp:80', false, false, 3, 1, 1), { subject: '[lb1] Virtualserver [192.0.2.10]:tcp:80 - DOWN', body: '=> Lost quorum 3+1=2 <= 1 <=' });
  t.is(quorumAlert('lb1', 'FWM 7', true, false, 3, 1, 4).body, '=> Gained quorum 3+1=4 <= 4 <=');
  t.is(quorumAlert('lb1', 'FWM 7', false, true, 2, 0, 0).body, '=> Starting with quorum down 2+0=2 <= 0 <=');
  t.is(instanceAlert('x'.repeat(300), 'VI_1', 'MASTER').subject.length, 255);
});

test('which smtp_alert applies: own, then smtp_alert_vrrp / smtp_alert_checker, then smtp_alert; real servers default on, the rest off', (t) => {
  const s = (o: Partial<SmtpSettings>): SmtpSettings => ({ ...defaultSmtpSettings(), ...o });
  t.false(vrrpAlerts(undefined, s({})));
  t.true(vrrpAlerts(undefined, s({ alert: true })));
  t.false(vrrpAlerts(undefined, s({ alert: true, alertVrrp: false })));
  t.true(vrrpAlerts(true, s({ alertVrrp: false })));
  t.true(realServerAlerts(undefined, s({})));
  t.false(realServerAlerts(undefined, s({ alert: false })));
  t.true(realServerAlerts(undefined, s({ alert: false, alertChecker: true })));
  t.false(virtualServerAlerts(undefined, s({})));
  t.true(virtualServerAlerts(undefined, s({ alert: true })));
  // last_email_state and no_email_faults.
  t.false(mailsVrrpState('MASTER', true, 'MASTER', s({})));
  t.true(mailsVrrpState('MASTER', true, 'BACKUP', s({})));
  t.true(mailsVrrpState('FAULT', true, 'BACKUP', s({})));
  t.false(mailsVrrpState('FAULT', true, 'BACKUP', s({ noEmailFaults: true })));
  t.false(mailsVrrpState('MASTER', false, undefined, s({})));
  // The stop: keepalived 2.2.7 never delivers its "Stopping" mail.
  t.false(mailsVrrpState('INIT', true, 'MASTER', s({})));
});

const withSmtp = (smtp: Partial<SmtpSettings>, routerId?: string): Pick<GlobalDefs, 'routerId' | 'smtp'> => ({ routerId, smtp: { ...defaultSmtpSettings(), ...smtp } });

test('mailer: sends nothing without smtp_server or addresses; defaults From to USER@HOST and HELO to the host; counts', async (t) => {
  const calls: Array<{ host: string; port: number; timeoutMs: number; envelope: Envelope; data: string }> = [];
  const host: MailerHost = { localName: async () => 'lb1', user: () => 'root', now: () => when, send: async (target, env, data) => (calls.push({ ...target, envelope: env, data }), !data.includes('BACKUP') ? { sent: true } : { sent: false, why: 'Timeout opening connection to remote SMTP server [192.0.2.25]:25.' }) };
  const lines: string[] = [];
  const m = new Mailer(linesLogger(lines), host);
  const alert = (state: 'MASTER' | 'BACKUP') => (routerId: string) => instanceAlert(routerId, 'VI_1', state);
  m.configure(withSmtp({ to: ['ops@example.com'] }));
  m.send(alert('MASTER'));
  m.configure(withSmtp({ server: { host: '192.0.2.25', port: 25, pos: { file: 'f', line: 1, col: 1 } } }));
  m.send(alert('MASTER'));
  t.is(calls.length, 0);
  m.configure(withSmtp({ to: ['ops@example.com'], connectTimeout: 5, server: { host: '192.0.2.25', port: 2525, pos: { file: 'f', line: 1, col: 1 } } }));
  m.send(alert('MASTER'));
  m.send(alert('BACKUP'));
  await m.stop(1000);
  t.deepEqual(calls.map((c) => [c.host, c.port, c.timeoutMs, c.envelope.helo, c.envelope.from]), [
    ['192.0.2.25', 2525, 5000, 'lb1', 'root@lb1'],
    ['192.0.2.25', 2525, 5000, 'lb1', 'root@lb1'],
  ]);
  t.regex(calls[0]!.data, /Subject: \[lb1\] VRRP Instance VI_1 - Entering MASTER state\r\n/);
  t.deepEqual({ ...m.counters }, { sent: 1, failed: 1, dropped: 0 });
  t.deepEqual(lines, ['warn: SMTP alert to [192.0.2.25]:2525 not sent ([lb1] VRRP Instance VI_1 - Entering BACKUP state): Timeout opening connection to remote SMTP server [192.0.2.25]:25.']);
});

/** A scripted SMTP server on loopback: answers each command as `answer` says, and records what it got. */
async function scriptedServer(answer: (line: string) => string | undefined, greeting: string | undefined = '220 test ESMTP\r\n'): Promise<{ port: number; got: string[]; close(): void }> {
  const got: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    if (greeting !== undefined) sock.write(greeting);
    let buf = '';
    let inData = false;
    sock.on('data', (b) => {
      buf += b.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        got.push(line);
        if (inData) {
          if (line === '.') {
            inData = false;
            sock.write('250 queued\r\n');
          }
          continue;
        }
        if (line === 'DATA') inData = true;
        const a = answer(line);
        if (a !== undefined) sock.write(a);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, got, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

test('client: a whole mail to a server on loopback', async (t) => {
  const srv = await scriptedServer((l) => (l.startsWith('DATA') ? '354 go\r\n' : l === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n'));
  t.teardown(() => srv.close());
  const data = messageData(envelope, 'S', 'B', when);
  t.deepEqual(await sendMail({ host: '127.0.0.1', port: srv.port, timeoutMs: 5000 }, envelope, data), { sent: true });
  t.deepEqual(srv.got.slice(0, 5), ['HELO lb1.example.com', 'MAIL FROM:<root@lb1.example.com>', 'RCPT TO:<ops@example.com>', 'RCPT TO:<noc@example.org>', 'DATA']);
  t.true(srv.got.includes('Subject: S'));
  t.is(srv.got.at(-1), 'QUIT');
});

test('client: nothing listening, a server that never answers, a refused sender: not sent, with the reason', async (t) => {
  const closed = await scriptedServer(() => undefined);
  closed.close();
  const refused = await sendMail({ host: '127.0.0.1', port: closed.port, timeoutMs: 2000 }, envelope, 'x');
  t.false(refused.sent);
  t.regex(refused.sent ? '' : refused.why, /^SMTP connection ERROR to \[127\.0\.0\.1\]:\d+: .*ECONNREFUSED/);
  const silent = await scriptedServer(() => undefined, undefined);
  t.teardown(() => silent.close());
  const quiet = await sendMail({ host: '127.0.0.1', port: silent.port, timeoutMs: 300 }, envelope, 'x');
  t.deepEqual(quiet, { sent: false, why: `Timeout reading data to remote SMTP server [127.0.0.1]:${silent.port}.` });
  const picky = await scriptedServer((l) => (l.startsWith('MAIL') ? '553 sender refused\r\n' : l === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n'));
  t.teardown(() => picky.close());
  t.deepEqual(await sendMail({ host: '127.0.0.1', port: picky.port, timeoutMs: 2000 }, envelope, 'x'), { sent: false, why: `Error processing MAIL cmd on SMTP server [127.0.0.1]:${picky.port}. SMTP status code = 553` });
  t.deepEqual(picky.got, ['HELO lb1.example.com', 'MAIL FROM:<root@lb1.example.com>', 'QUIT']);
});

test('local name: the canonical name getent ahosts prints first, as keepalived\'s getaddrinfo(AI_CANONNAME); else the host name', async (t) => {
  t.is(canonicalFromAhosts('127.0.1.1       STREAM lb1.example.com\n127.0.1.1       DGRAM  \n'), 'lb1.example.com');
  t.is(canonicalFromAhosts(''), undefined);
  t.is(canonicalFromAhosts('127.0.1.1       STREAM\n'), undefined);
  let expected = hostname();
  try {
    expected = canonicalFromAhosts(execFileSync('getent', ['ahosts', hostname()]).toString()) ?? expected;
  } catch {
    // Not resolvable here: the host name itself.
  }
  t.is(await localName(), expected);
});
