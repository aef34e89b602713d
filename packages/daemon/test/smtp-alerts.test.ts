// The email alerts as the VRRP service sends them (vrrp_notify.c): which transitions mail,
// once per state, with smtp_alert and no_email_faults as keepalived reads them, and a reload
// that changes the settings. Fake hosts, a fake clock and a fake SMTP client.
import test from 'ava';
import { diff } from '@tandem/config';
import { FakeClock } from '@tandem/vrrp';
import { VrrpService, vrrpPartOf } from '../src/index.js';
import { Mailer } from '../src/smtp/mailer.js';
import { LvsService } from '../src/lvs-service.js';
import { FakeHost, FakeSegment, configFrom, instanceText, memoryLogger, runClock, settle } from './fake-host.js';

const globals = (extra: string): string => `global_defs {
  router_id lb1
  notification_email {
    ops@example.com
  }
  smtp_server 192.0.2.25
${extra}}
`;

const instance = (name: string, vrid: number, priority: number, extra = ''): string => instanceText(name, vrid, priority, { extra: extra.split('\n').filter((l) => l !== '').map((l) => l.trim()) });

async function start(text: string): Promise<{ subjects: string[]; service: VrrpService; host: FakeHost; clock: FakeClock; text: string }> {
  const clock = new FakeClock(1000);
  const host = new FakeHost(new FakeSegment(clock), '192.0.2.11');
  const subjects: string[] = [];
  const mailer = new Mailer(memoryLogger(), {
    localName: async () => 'lb1.example.com',
    user: () => 'root',
    now: () => new Date(0),
    send: async (_target, _env, data) => {
      subjects.push(/Subject: (.*)\r\n/.exec(data)![1]!);
      return { sent: true };
    },
  });
  const service = new VrrpService({ host, clock, log: memoryLogger(), mailer });
  await service.start(vrrpPartOf(configFrom(text)));
  await settle();
  await runClock(clock, 5000);
  return { subjects, service, host, clock, text };
}

test('smtp_alert on an instance: BACKUP then MASTER are mailed once each, FAULT too; not the stop (keepalived 2.2.7 never delivers it)', async (t) => {
  const d = await start(globals('') + instance('VI_1', 51, 100, '  smtp_alert\n') + instance('VI_2', 52, 100));
  t.deepEqual(d.subjects, ['[lb1] VRRP Instance VI_1 - Entering BACKUP state', '[lb1] VRRP Instance VI_1 - Entering MASTER state'], 'VI_2 has no smtp_alert');
  d.host.setLink(false);
  await runClock(d.clock, 3000);
  t.is(d.subjects.at(-1), '[lb1] VRRP Instance VI_1 - Entering FAULT state');
  await d.service.stop();
  t.is(d.subjects.length, 3);
  t.deepEqual(d.service.stats().mail, { sent: 3, failed: 0, dropped: 0 });
});

test('smtp_alert_vrrp turns it on for every instance and sync group; no_email_faults leaves FAULT out', async (t) => {
  const group = 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n';
  const d = await start(globals('  smtp_alert_vrrp\n  no_email_faults\n') + instance('VI_1', 51, 100) + group);
  // At start the group's BACKUP comes before its member's, as keepalived's vrrp_init_state sends them.
  t.deepEqual(d.subjects, ['[lb1] VRRP Group G - Entering BACKUP state', '[lb1] VRRP Instance VI_1 - Entering BACKUP state', '[lb1] VRRP Instance VI_1 - Entering MASTER state', '[lb1] VRRP Group G - Entering MASTER state']);
  d.host.setLink(false);
  await runClock(d.clock, 3000);
  t.false(d.subjects.some((s) => s.includes('FAULT')));
  await d.service.stop();
});

test('a reload that turns smtp_alert on (and changes router_id) takes effect at the next change', async (t) => {
  const before = globals('') + instance('VI_1', 51, 100);
  const d = await start(before);
  t.deepEqual(d.subjects, []);
  const after = globals('  smtp_alert\n').replace('router_id lb1', 'router_id lb9') + instance('VI_1', 51, 100);
  const [a, b] = [configFrom(before), configFrom(after)];
  await d.service.reload(vrrpPartOf(a), vrrpPartOf(b), diff(a, b));
  d.host.setLink(false);
  await runClock(d.clock, 3000);
  t.deepEqual(d.subjects, ['[lb9] VRRP Instance VI_1 - Entering FAULT state']);
  await d.service.stop();
});

/** The LVS service with a fake SMTP client: the subjects and bodies it mailed. */
async function lvsWithMail(text: string): Promise<{ lvs: LvsService; mails: string[] }> {
  const mails: string[] = [];
  const mailer = new Mailer(memoryLogger(), {
    localName: async () => 'lb1',
    user: () => 'root',
    now: () => new Date(0),
    send: async (_target, _env, data) => {
      mails.push(`${/Subject: (.*)\r\n/.exec(data)![1]!} | ${data.split('\r\n').at(-4)!}`);
      return { sent: true };
    },
  });
  const lvs = new LvsService(memoryLogger(), undefined, undefined, mailer);
  await lvs.start(configFrom(text), undefined, 'no IPVS in this test');
  return { lvs, mails };
}

const bfdVirtualServer = (globalsExtra: string, vsExtra: string): string => `${globals(globalsExtra)}bfd_instance b1 {
    neighbor_ip 198.51.100.11
    checker
}
bfd_instance b2 {
    neighbor_ip 198.51.100.12
    checker
}
virtual_server 192.0.2.100 80 {
    protocol TCP
    quorum 2
${vsExtra}    real_server 198.51.100.11 80 {
        BFD_CHECK {
            name b1
        }
    }
    real_server 198.51.100.12 80 {
        BFD_CHECK {
            name b1
        }
        BFD_CHECK {
            name b2
        }
    }
}
`;

test('LVS service: each checker change of a real server is mailed (smtp_alert on by default), quorums when the virtual server has smtp_alert', async (t) => {
  const { lvs, mails } = await lvsWithMail(bfdVirtualServer('', '    smtp_alert\n'));
  try {
    lvs.bfdEvent('b2', false);
    lvs.bfdEvent('b1', false);
    // Mails go out in the background: wait for those in flight.
    await lvs.mailer.stop(1000);
    const rs = (n: number, state: string): string => `[lb1] Realserver [198.51.100.${n}]:tcp:80 of virtual server [192.0.2.100]:tcp:80 - ${state}`;
    // As keepalived: the quorum (update_svr_checker_state) before the checker's own mail.
    t.deepEqual(mails, [
      '[lb1] Virtualserver [192.0.2.100]:tcp:80 - DOWN | => Lost quorum 2+0=2 <= 1 <=',
      `${rs(12, 'DOWN')} | => BFD CHECK b2 failed on service <=`,
      `${rs(11, 'DOWN')} | => BFD CHECK b1 failed on service <=`,
      // Already down by b2: without no_checker_emails its b1 check's change is mailed all the same.
      `${rs(12, 'DOWN')} | => BFD CHECK b1 failed on service <=`,
    ]);
    mails.length = 0;
    lvs.bfdEvent('b1', true);
    lvs.bfdEvent('b2', true);
    await lvs.mailer.stop(1000);
    t.deepEqual(mails, [
      `${rs(11, 'UP')} | => BFD CHECK b1 succeeded on service <=`,
      `${rs(12, 'DOWN')} | => BFD CHECK b1 succeeded on service <=`,
      '[lb1] Virtualserver [192.0.2.100]:tcp:80 - UP | => Gained quorum 2+0=2 <= 2 <=',
      `${rs(12, 'UP')} | => BFD CHECK b2 succeeded on service <=`,
    ]);
  } finally {
    await lvs.stop();
  }
});

test('LVS service: no_checker_emails mails a checker only when its real server changes; smtp_alert_checker off silences real servers and quorums', async (t) => {
  const quiet = await lvsWithMail(bfdVirtualServer('  no_checker_emails\n', ''));
  try {
    quiet.lvs.bfdEvent('b2', false);
    quiet.lvs.bfdEvent('b1', false);
    await quiet.lvs.mailer.stop(1000);
    t.deepEqual(quiet.mails.map((m) => m.split(' | ')[1]), ['=> BFD CHECK b2 failed on service <=', '=> BFD CHECK b1 failed on service <='], 'the second b1 failure (198.51.100.12, down already) is not mailed; no quorum mail without smtp_alert');
  } finally {
    await quiet.lvs.stop();
  }
  const off = await lvsWithMail(bfdVirtualServer('  smtp_alert_checker off\n  smtp_alert\n', ''));
  try {
    off.lvs.bfdEvent('b1', false);
    await off.lvs.mailer.stop(1000);
    t.deepEqual(off.mails, []);
  } finally {
    await off.lvs.stop();
  }
});

test('LVS service: omega tells at stop of each real server that was up and of the quorum (FIFO lines, mails "Shutting down"); not without omega; only the quorum with lvs_flush_on_stop', async (t) => {
  const plain = bfdVirtualServer('', '').replace('192.0.2.100 80', '192.0.2.101 80');
  const plainVs = plain.slice(plain.indexOf('virtual_server'));
  const { lvs, mails } = await lvsWithMail(bfdVirtualServer('', '    omega\n    smtp_alert\n') + plainVs);
  const lines: string[] = [];
  lvs.onNotifyLine = (l) => lines.push(l);
  lvs.bfdEvent('b2', false);
  await lvs.mailer.stop(1000);
  mails.length = 0;
  lines.length = 0;
  await lvs.stop();
  t.deepEqual(lines, ['RS [198.51.100.11]:tcp:80 [192.0.2.100]:tcp:80 DOWN', 'VS [192.0.2.100]:tcp:80 DOWN'], 'the real server b2 took down already is not told again; 192.0.2.101 has no omega');
  t.deepEqual(mails, ['[lb1] Realserver [198.51.100.11]:tcp:80 of virtual server [192.0.2.100]:tcp:80 - DOWN | => Shutting down <=', '[lb1] Virtualserver [192.0.2.100]:tcp:80 - DOWN | => Shutting down <=']);

  const flushed = await lvsWithMail(bfdVirtualServer('  lvs_flush_on_stop\n', '    omega\n    smtp_alert\n'));
  const flushedLines: string[] = [];
  flushed.lvs.onNotifyLine = (l) => flushedLines.push(l);
  await flushed.lvs.stop();
  t.deepEqual(flushedLines, ['VS [192.0.2.100]:tcp:80 DOWN']);
  t.deepEqual(flushed.mails, ['[lb1] Virtualserver [192.0.2.100]:tcp:80 - DOWN | => Shutting down <=']);
});

test('LVS service: a MISC_CHECK mails its first success though its real server was up already (keepalived\'s has_run); with no_checker_emails it does not', async (t) => {
  const file = (extra: string): string => `${globals(`  script_user root\n${extra}`)}virtual_server 192.0.2.100 80 {
    delay_loop 1
    protocol TCP
    real_server 198.51.100.11 80 {
        MISC_CHECK {
            misc_path /bin/true
        }
    }
}
`;
  const mailing = await lvsWithMail(file(''));
  try {
    // The first attempt comes within the warmup (delay_loop 1); a real script runs.
    for (let i = 0; i < 100 && mailing.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // later successes are not mailed
    await mailing.lvs.mailer.stop(1000);
    t.deepEqual(mailing.mails, ['[lb1] Realserver [198.51.100.11]:tcp:80 of virtual server [192.0.2.100]:tcp:80 - UP | => MISC CHECK succeeded on service <=']);
  } finally {
    await mailing.lvs.stop();
  }
  const quiet = await lvsWithMail(file('  no_checker_emails\n'));
  try {
    await new Promise((r) => setTimeout(r, 2500));
    await quiet.lvs.mailer.stop(1000);
    t.deepEqual(quiet.mails, []);
    t.not(quiet.lvs.status()[0]?.reals[0]?.lastCheck, null, 'the check did run');
  } finally {
    await quiet.lvs.stop();
  }
});
