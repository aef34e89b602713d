import test from 'ava';
import { printConfig, sameValue } from '../src/index.js';
import { loadText } from './load-text.js';

const instance = (extra = ''): string => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n${extra}}\n`;

test('global_defs: the email keywords as a real keepalived.conf writes them', (t) => {
  const { r, errors, warnings } = loadText(
    `global_defs {
  notification_email {
    ops@example.com
    noc@example.org oncall@example.net
  }
  notification_email {
    more@example.com
  }
  notification_email_from lb1@example.com
  smtp_server 192.0.2.25
  smtp_connect_timeout 5
  smtp_helo_name lb1.example.com
  smtp_alert
  smtp_alert_vrrp off
  smtp_alert_checker on
  no_email_faults
  no_checker_emails
}
${instance()}`,
  );
  t.deepEqual(errors, []);
  t.deepEqual(warnings, []);
  const s = r.config!.globalDefs.smtp;
  t.deepEqual(s.to, ['ops@example.com', 'noc@example.org', 'oncall@example.net', 'more@example.com']);
  t.is(s.from, 'lb1@example.com');
  t.deepEqual({ host: s.server!.host, port: s.server!.port, line: s.server!.pos.line }, { host: '192.0.2.25', port: 25, line: 10 });
  t.is(s.connectTimeout, 5);
  t.is(s.heloName, 'lb1.example.com');
  t.deepEqual([s.alert, s.alertVrrp, s.alertChecker, s.noEmailFaults, s.noCheckerEmails], [true, false, true, true, true]);
});

test('global_defs: without the keywords, keepalived\'s defaults (no server, no address, 30 s)', (t) => {
  const s = loadText(instance()).r.config!.globalDefs.smtp;
  t.deepEqual(s, { to: [], connectTimeout: 30, noEmailFaults: false, noCheckerEmails: false });
});

test('smtp_server: IPv4, IPv6 and a host name, with the port as a second word', (t) => {
  const server = (v: string): unknown => {
    const s = loadText(`global_defs {\n  smtp_server ${v}\n}\n${instance()}`).r.config?.globalDefs.smtp.server;
    return s === undefined ? undefined : [s.host, s.port];
  };
  t.deepEqual(server('192.0.2.25 2525'), ['192.0.2.25', 2525]);
  t.deepEqual(server('2001:db8::25'), ['2001:db8::25', 25]);
  t.deepEqual(server('mail.example.com 587'), ['mail.example.com', 587]);
});

test('smtp_server, smtp_connect_timeout and smtp_alert refuse bad values with FILE:LINE:COL', (t) => {
  const errorsOf = (line: string): string[] => loadText(`global_defs {\n  ${line}\n}\n${instance()}`).errors;
  t.deepEqual(errorsOf('smtp_server 192.0.2.25 0'), [':2:26: smtp_server port must be 1-65535, got 0']);
  t.regex(errorsOf('smtp_server 192.0.2.25:25').join(), /^:2:15: smtp_server: '192\.0\.2\.25:25' is not an IPv6 address \(the port is a second word/);
  t.regex(errorsOf('smtp_server mail_host').join(), /^:2:15: smtp_server: 'mail_host' is neither an IP address nor a host name/);
  t.regex(errorsOf('smtp_server').join(), /^:2:3: /);
  t.regex(errorsOf('smtp_connect_timeout soon').join(), /^:2:24: smtp_connect_timeout must be an integer/);
  t.regex(errorsOf('smtp_alert maybe').join(), /^:2:14: /);
  t.regex(errorsOf('notification_email ops@example.com').join(), /^:2:22: unexpected 'ops@example.com' before notification_email's block/);
});

test('smtp_connect_timeout 0 is 1 s, with keepalived\'s warning; an empty notification_email block warns', (t) => {
  const r = loadText(`global_defs {\n  smtp_connect_timeout 0\n  notification_email {\n  }\n}\n${instance()}`);
  t.deepEqual(r.errors, []);
  t.is(r.r.config!.globalDefs.smtp.connectTimeout, 1);
  t.deepEqual(r.warnings, [':2:24: warning: smtp_connect_timeout must be greater than 0; 1 is used (as keepalived)', ':3:3: warning: empty notification_email block (keepalived warns too): no mail is sent without an address']);
});

test('smtp_alert in vrrp_instance, vrrp_sync_group, virtual_server and real_server: read without a warning, unset when not written', (t) => {
  const { r, errors, warnings } = loadText(`${instance('  smtp_alert\n')}vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n    192.0.2.11/24\n  }\n}
vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  smtp_alert off\n}
virtual_server 192.0.2.10 80 {\n  protocol TCP\n  smtp_alert yes\n  real_server 198.51.100.1 80 {\n    smtp_alert false\n    TCP_CHECK {\n    }\n  }\n  real_server 198.51.100.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n`);
  t.deepEqual(errors, []);
  t.deepEqual(warnings, []);
  const c = r.config!;
  t.is(c.vrrpInstances[0]!.smtpAlert, true);
  t.is(c.vrrpInstances[1]!.smtpAlert, undefined);
  t.is(c.syncGroups[0]!.smtpAlert, false);
  t.is(c.virtualServers[0]!.smtpAlert, true);
  t.is(c.virtualServers[0]!.realServers[0]!.smtpAlert, false);
  t.is(c.virtualServers[0]!.realServers[1]!.smtpAlert, undefined);
  // printConfig writes them back so that they load into the same model.
  const again = loadText(printConfig(c)).r.config!;
  t.true(sameValue(again.vrrpInstances, c.vrrpInstances));
  t.true(sameValue(again.syncGroups, c.syncGroups));
  t.is(again.virtualServers[0]!.smtpAlert, true);
  t.is(again.virtualServers[0]!.realServers[0]!.smtpAlert, false);
});
