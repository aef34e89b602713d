import { isIP } from './ip-syntax.js';
import type { Diagnostics } from './diagnostics.js';
import type { SmtpSettings } from './model.js';
import { blockOf, flag, type Handler } from './section.js';
import type { Node } from './tree.js';
import { arity, intValue } from './values.js';

// keepalived 2.2.7's global_parser.c for the email alerts: notification_email,
// notification_email_from, smtp_server, smtp_helo_name, smtp_connect_timeout, smtp_alert,
// smtp_alert_vrrp, smtp_alert_checker, no_email_faults and no_checker_emails.

type WithSmtp = { smtp: SmtpSettings };

/** keepalived's SMTP_PORT_STR. */
const SMTP_PORT = 25;

/** A handler that replaces some of the settings (the model's objects are read-only). */
function setting<D extends WithSmtp>(read: (n: Node, diags: Diagnostics) => Partial<SmtpSettings> | undefined): Handler<D> {
  return (n, d, diags) => {
    const v = read(n, diags);
    if (v !== undefined) d.smtp = { ...d.smtp, ...v };
  };
}

/** A flag keyword with an optional BOOL (keepalived's check_true_false). */
function smtpFlag<D extends WithSmtp>(key: 'alert' | 'alertVrrp' | 'alertChecker' | 'noCheckerEmails'): Handler<D> {
  return flag<D>((d, v) => (d.smtp = { ...d.smtp, [key]: v }));
}

/**
 * `smtp_server ADDRESS|NAME [PORT]`. keepalived takes an IPv4 or IPv6 address, or else a name
 * (which it resolves when it reads the file; tandem resolves it at each mail, so a name that
 * resolves later still works), and the port as a second word, 1-65535, default 25.
 */
function smtpServer(n: Node, diags: Diagnostics): Partial<SmtpSettings> | undefined {
  if (!arity(n, 1, 2, diags)) return undefined;
  const host = n.args[0]!;
  const portTok = n.args[1];
  const port = portTok === undefined ? SMTP_PORT : intValue(portTok, 1, 65535, 'smtp_server port', diags);
  if (port === undefined) return undefined;
  // keepalived: a word with ':' is read as an IPv6 address, and so must be one.
  if (host.text.includes(':') && isIP(host.text) !== 6) {
    diags.error('CONF_ERR_VALUE', host.pos, `smtp_server: '${host.text}' is not an IPv6 address (the port is a second word: smtp_server ADDRESS PORT)`);
    return undefined;
  }
  if (isIP(host.text) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(host.text)) {
    diags.error('CONF_ERR_VALUE', host.pos, `smtp_server: '${host.text}' is neither an IP address nor a host name (keepalived: Invalid smtp server)`);
    return undefined;
  }
  return { server: { host: host.text, port, pos: n.keyword.pos } };
}

/** `smtp_connect_timeout SECS`: keepalived takes 0 and makes it 1 (it was allowed before 2.0.7). */
function connectTimeout(n: Node, diags: Diagnostics): Partial<SmtpSettings> | undefined {
  if (!arity(n, 1, 1, diags)) return undefined;
  const v = intValue(n.args[0]!, 0, Math.floor(0xffffffff / 1e6), 'smtp_connect_timeout', diags);
  if (v === undefined) return undefined;
  if (v === 0) diags.warning('CONF_ERR_VALUE', n.args[0]!.pos, 'smtp_connect_timeout must be greater than 0; 1 is used (as keepalived)');
  return { connectTimeout: Math.max(1, v) };
}

/** `notification_email { ADDRESS ... }`: one address per word; every block adds to the list. */
function notificationEmail<D extends WithSmtp>(n: Node, d: D, diags: Diagnostics): void {
  if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' before notification_email's block`);
  const block = blockOf(n, diags);
  if (block === undefined) return;
  // keepalived reads the block as one list of words (read_value_block): several may share a line.
  const words = block.flatMap((e) => {
    if (e.block !== undefined) diags.error('CONF_ERR_SYNTAX', e.keyword.pos, `notification_email holds addresses, not a '{ ... }' block`);
    return [e.keyword, ...e.args];
  });
  if (words.length === 0) diags.warning('CONF_ERR_MISSING', n.keyword.pos, 'empty notification_email block (keepalived warns too): no mail is sent without an address');
  d.smtp = { ...d.smtp, to: [...d.smtp.to, ...words.map((w) => w.text)] };
}

/** The global_defs keywords of the email alerts. */
export function smtpKeywords<D extends WithSmtp>(): Record<string, Handler<D>> {
  return {
    notification_email: notificationEmail,
    notification_email_from: setting((n, diags) => (arity(n, 1, 1, diags) ? { from: n.args[0]!.text } : undefined)),
    smtp_server: setting(smtpServer),
    smtp_helo_name: setting((n, diags) => (arity(n, 1, 1, diags) ? { heloName: n.args[0]!.text } : undefined)),
    smtp_connect_timeout: setting(connectTimeout),
    smtp_alert: smtpFlag('alert'),
    smtp_alert_vrrp: smtpFlag('alertVrrp'),
    smtp_alert_checker: smtpFlag('alertChecker'),
    // keepalived reads no value (and ignores any word after it).
    no_email_faults: setting(() => ({ noEmailFaults: true })),
    no_checker_emails: smtpFlag('noCheckerEmails'),
  };
}

/** The global_defs lines that give `s` (none for the defaults), for printConfig. */
export function printSmtpSettings(s: SmtpSettings): string[] {
  const q = (w: string): string => (/[\s{}"#!]/.test(w) || w === '' ? `"${w}"` : w);
  const onOff = (k: string, v: boolean | undefined): string[] => (v === undefined ? [] : [`${k} ${v ? 'on' : 'off'}`]);
  return [
    ...(s.to.length > 0 ? ['notification_email {', ...s.to.map((a) => `    ${q(a)}`), '}'] : []),
    ...(s.from !== undefined ? [`notification_email_from ${q(s.from)}`] : []),
    ...(s.server !== undefined ? [`smtp_server ${s.server.host} ${s.server.port}`] : []),
    ...(s.connectTimeout !== 30 ? [`smtp_connect_timeout ${s.connectTimeout}`] : []),
    ...(s.heloName !== undefined ? [`smtp_helo_name ${q(s.heloName)}`] : []),
    ...onOff('smtp_alert', s.alert),
    ...onOff('smtp_alert_vrrp', s.alertVrrp),
    ...onOff('smtp_alert_checker', s.alertChecker),
    ...(s.noEmailFaults ? ['no_email_faults'] : []),
    ...(s.noCheckerEmails ? ['no_checker_emails'] : []),
  ];
}
