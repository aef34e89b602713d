import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vrrpConf } from '../lib/configs.js';
import { Lab, TANDEMCTL } from '../lib/lab.js';
import { run, waitFor } from '../lib/sh.js';
import { SMTP_SINK, type SunkMail } from '../lib/smtp-sink.js';

// keepalived's email alerts, sent by tandemd to a real SMTP server in the lab (test/lib's sink,
// in the client's namespace): a VRRP pair's state changes, a real server's checker going down
// and up, a reload that moves the alerts to another server; and keepalived 2.2.7 sending the
// same alert for the same event, line for line.

/** A sink on `port` in the client's namespace, and the mails it has taken so far. */
function sink(lab: Lab, port: number): { mails: () => SunkMail[]; ready: Promise<true> } {
  const child = lab.spawnIn('client', 'node', [SMTP_SINK, String(port)]);
  const mails = (): SunkMail[] =>
    child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as SunkMail);
  return { mails, ready: waitFor(`SMTP sink on ${port}`, 5000, () => (child.output().includes('listening') ? true : undefined)) };
}

const header = (m: SunkMail, name: string): string | undefined => m.lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
const subjects = (ms: readonly SunkMail[], peer: string): string[] => ms.filter((m) => m.peer === peer).map((m) => header(m, 'Subject') ?? '');

function mailGlobals(server: string, port: number): string[] {
  return ['notification_email {', '    ops@example.com', '    noc@example.org', '}', 'notification_email_from lb@example.com', `smtp_server ${server} ${port}`, 'smtp_helo_name lb.example.com', 'smtp_connect_timeout 5'];
}

test.serial('a tandem pair mails its VRRP states to a real SMTP server: envelope, headers and keepalived\'s words; a failover', async (t) => {
  const lab = await Lab.create('mail', ['a', 'b'], 'tS');
  try {
    const s = sink(lab, 2525);
    await s.ready;
    const conf = (priority: number): string => vrrpConf({ priority, advertInt: 1, vips: ['192.0.2.100/24'], globalLines: mailGlobals(lab.address('client'), 2525), instanceLines: ['smtp_alert'] });
    const a = await lab.startTandem('a', conf(150));
    await lab.startTandem('b', conf(100));
    const [pa, pb] = [lab.address('a'), lab.address('b')];
    await waitFor('a: MASTER mail', 10_000, () => (subjects(s.mails(), pa).includes('[lab-150] VRRP Instance VI_LAB - Entering MASTER state') ? true : undefined));
    await waitFor('b: BACKUP mail', 10_000, () => (subjects(s.mails(), pb).length > 0 ? true : undefined));
    t.deepEqual(subjects(s.mails(), pa), ['[lab-150] VRRP Instance VI_LAB - Entering BACKUP state', '[lab-150] VRRP Instance VI_LAB - Entering MASTER state']);
    t.deepEqual(subjects(s.mails(), pb), ['[lab-100] VRRP Instance VI_LAB - Entering BACKUP state']);
    const master = s.mails().find((m) => m.peer === pa && header(m, 'Subject')!.includes('MASTER'))!;
    t.like(master, { helo: 'lb.example.com', from: 'lb@example.com', to: ['ops@example.com', 'noc@example.org'] });
    t.deepEqual(
      master.lines.filter((l) => !l.startsWith('Date: ')),
      ['From: lb@example.com', 'Subject: [lab-150] VRRP Instance VI_LAB - Entering MASTER state', 'X-Mailer: Keepalived', 'To: ops@example.com, noc@example.org', '', '=> VRRP Instance is now owning VRRP VIPs <=', ''],
    );
    t.regex(header(master, 'Date')!, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
    // a stops (no "Stopping" mail, as keepalived 2.2.7: see the oracle below), and b takes over and says so.
    await lab.stopDaemon(a);
    await waitFor('b: MASTER mail', 10_000, () => (subjects(s.mails(), pb).includes('[lab-100] VRRP Instance VI_LAB - Entering MASTER state') ? true : undefined));
  } finally {
    await lab.cleanup();
  }
});

test.serial('oracle: keepalived 2.2.7 and tandemd mail the same Subject and body lines for an instance becoming MASTER', async (t) => {
  const lab = await Lab.create('mailo', ['a', 'b'], 'tS');
  try {
    const s = sink(lab, 25);
    await s.ready;
    // The same file but for the VRID (so the two do not meet): a lone instance goes BACKUP, then MASTER.
    const conf = (vrid: number): string =>
      vrrpConf({ vrid, priority: 150, advertInt: 1, vips: [`192.0.2.${vrid}/24`], globalLines: ['router_id lb1', ...mailGlobals(lab.address('client'), 25).filter((l) => !l.startsWith('smtp_server')), `smtp_server ${lab.address('client')}`, 'smtp_alert'] });
    const kd = await lab.startKeepalived('a', conf(61));
    const tdd = await lab.startTandem('b', conf(62));
    const [ka, td] = [lab.address('a'), lab.address('b')];
    const master = (peer: string): SunkMail | undefined => s.mails().find((m) => m.peer === peer && header(m, 'Subject')?.endsWith('Entering MASTER state'));
    await waitFor('both MASTER mails', 15_000, () => (master(ka) !== undefined && master(td) !== undefined ? true : undefined));
    const withoutDate = (m: SunkMail): readonly string[] => m.lines.filter((l) => !l.startsWith('Date: '));
    t.deepEqual(withoutDate(master(td)!), withoutDate(master(ka)!));
    t.deepEqual({ ...master(td)!, peer: '', lines: [] }, { ...master(ka)!, peer: '', lines: [] }, 'HELO, MAIL FROM and RCPT TO alike');
    t.deepEqual(subjects(s.mails(), td), subjects(s.mails(), ka), 'the same alerts, in the same order');
    // And at the stop: keepalived's code asks for a "Stopping" mail, but its VRRP process ends
    // without sending it; tandemd sends none either.
    await Promise.all([lab.stopDaemon(kd), lab.stopDaemon(tdd)]);
    await new Promise((r) => setTimeout(r, 1500));
    t.deepEqual(subjects(s.mails(), ka), ['[lb1] VRRP Instance VI_LAB - Entering BACKUP state', '[lb1] VRRP Instance VI_LAB - Entering MASTER state']);
    t.deepEqual(subjects(s.mails(), td), subjects(s.mails(), ka));
    t.log(subjects(s.mails(), ka).join('\n'));
  } finally {
    await lab.cleanup();
  }
});

test.serial('oracle: without router_id, notification_email_from and smtp_helo_name, keepalived 2.2.7 and tandemd take the same defaults (the canonical host name, USER@HOST)', async (t) => {
  const lab = await Lab.create('maild', ['a', 'b'], 'tS');
  try {
    const s = sink(lab, 25);
    await s.ready;
    // vrrpConf writes a router_id; this file has none.
    const conf = (vrid: number): string =>
      vrrpConf({ vrid, priority: 150, advertInt: 1, vips: [`192.0.2.${vrid}/24`], globalLines: ['notification_email {', '    ops@example.com', '}', `smtp_server ${lab.address('client')}`, 'smtp_alert'] }).replace(/^ *router_id .*\n/m, '');
    await lab.startKeepalived('a', conf(65));
    await lab.startTandem('b', conf(66));
    const [ka, td] = [lab.address('a'), lab.address('b')];
    const master = (peer: string): SunkMail | undefined => s.mails().find((m) => m.peer === peer && header(m, 'Subject')?.endsWith('Entering MASTER state'));
    await waitFor('both MASTER mails', 15_000, () => (master(ka) !== undefined && master(td) !== undefined ? true : undefined));
    t.log(JSON.stringify({ ...master(ka)!, lines: master(ka)!.lines.filter((l) => !l.startsWith('Date: ')) }));
    t.deepEqual(master(td)!.lines.filter((l) => !l.startsWith('Date: ')), master(ka)!.lines.filter((l) => !l.startsWith('Date: ')));
    t.deepEqual({ ...master(td)!, peer: '', lines: [] }, { ...master(ka)!, peer: '', lines: [] });
  } finally {
    await lab.cleanup();
  }
});

test.serial('oracle: with a sync group (smtp_alert global), keepalived 2.2.7 and tandemd mail the same instance and group alerts', async (t) => {
  const lab = await Lab.create('mailg', ['a', 'b'], 'tS');
  try {
    const s = sink(lab, 25);
    await s.ready;
    const conf = (vrid: number): string =>
      vrrpConf({ vrid, priority: 150, advertInt: 1, vips: [`192.0.2.${vrid}/24`], globalLines: ['router_id lb1', ...mailGlobals(lab.address('client'), 25), 'smtp_alert'] }) +
      'vrrp_sync_group G {\n    group {\n        VI_LAB\n    }\n}\n';
    await lab.startKeepalived('a', conf(63));
    await lab.startTandem('b', conf(64));
    const [ka, td] = [lab.address('a'), lab.address('b')];
    await waitFor('both group MASTER mails', 15_000, () => (subjects(s.mails(), ka).includes('[lb1] VRRP Group G - Entering MASTER state') && subjects(s.mails(), td).includes('[lb1] VRRP Group G - Entering MASTER state') ? true : undefined));
    await new Promise((r) => setTimeout(r, 1500));
    t.log(subjects(s.mails(), ka).join('\n'));
    // Each alert is a connection of its own, so their order at the server is not the daemon's to
    // promise (at the start keepalived happens to mail the group first, tandemd the instance).
    const mails = (peer: string): string[] => s.mails().filter((m) => m.peer === peer).map((m) => `${header(m, 'Subject')} | ${m.lines.at(-2)}`).sort();
    t.deepEqual(mails(td), mails(ka));
    t.is(mails(ka).length, 4);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a real server\'s TCP_CHECK going down and up is mailed (default smtp_alert on); a reload moves the alerts to another server (IPv6); a dead server is counted, not fatal', async (t) => {
  const lab = await Lab.create('mailc', ['d', 'r1'], 'tS');
  try {
    const [first, second] = [sink(lab, 2525), sink(lab, 2526)];
    await Promise.all([first.ready, second.ready]);
    const listener = (): ReturnType<Lab['spawnIn']> => lab.spawnIn('r1', 'node', ['-e', "require('net').createServer((s) => s.end()).listen(8080, () => console.log('listening'))"]);
    let real = listener();
    await waitFor('real server listening', 5000, () => (real.output().includes('listening') ? true : undefined));
    // The second server is given by its IPv6 address.
    const conf = (port: number): string =>
      vrrpConf({ priority: 150, advertInt: 1, vips: ['192.0.2.100/24'], globalLines: mailGlobals(lab.address('client', port === 2526 ? 6 : 4), port) }) +
      `virtual_server 192.0.2.100 8080 {
    delay_loop 1
    protocol TCP
    real_server ${lab.address('r1')} 8080 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
`;
    const d = await lab.startTandem('d', conf(2525));
    const rs = `[${lab.address('r1')}]:tcp:8080`;
    const mailed = (box: ReturnType<typeof sink>, subject: string): Promise<true> => waitFor(subject, 10_000, () => (box.mails().some((m) => header(m, 'Subject') === subject) ? true : undefined));
    real.kill('SIGKILL');
    await mailed(first, `[lab-150] Realserver ${rs} of virtual server [192.0.2.100]:tcp:8080 - DOWN`);
    t.is(first.mails().at(-1)!.lines.at(-2), '=> TCP CHECK failed on service <=');
    t.false(first.mails().some((m) => header(m, 'Subject')!.includes('VRRP')), 'no smtp_alert for VRRP: no VRRP mail');
    // The same file with the other server (IPv6): the next alert goes there.
    writeFileSync(join(lab.dir, 'd.conf'), conf(2526));
    await run('node', [TANDEMCTL, '--socket', d.socket, 'reload', '--json']);
    real = listener();
    await mailed(second, `[lab-150] Realserver ${rs} of virtual server [192.0.2.100]:tcp:8080 - UP`);
    t.is(second.mails().at(-1)!.lines.at(-2), '=> TCP CHECK succeed on service <=');
    t.is(second.mails().at(-1)!.peer, lab.address('d', 6));
    // No server at all: the mail fails, is logged and counted; tandemd and its checks go on.
    writeFileSync(join(lab.dir, 'd.conf'), conf(2527));
    await run('node', [TANDEMCTL, '--socket', d.socket, 'reload', '--json']);
    real.kill('SIGKILL');
    type Stats = { daemon: { mail: { checkers: { sent: number; failed: number } } } };
    const mailStats = async (): Promise<Stats['daemon']['mail']['checkers']> => ((await lab.ctl(d, 'stats')) as unknown as Stats).daemon.mail.checkers;
    await waitFor('the failed mail counted', 10_000, async () => ((await mailStats()).failed === 1 ? true : undefined));
    t.like(await mailStats(), { sent: 2, failed: 1 });
    t.regex(d.child.output(), /SMTP alert to \[192\.0\.2\.2\]:2527 not sent \(.*- DOWN\): SMTP connection ERROR to \[192\.0\.2\.2\]:2527: .*ECONNREFUSED/);
    // VRRP went on all along: the lone instance becomes MASTER as it would without mail.
    await waitFor('VI_LAB MASTER', 10_000, async () => ((await lab.ctl(d, 'status'))!.instances[0]!.state === 'MASTER' ? true : undefined));
  } finally {
    await lab.cleanup();
  }
});
