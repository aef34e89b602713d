import type { Checker, SmtpSettings } from '@tandem/config';
import type { VrrpState } from '@tandem/vrrp';

// keepalived 2.2.7's email alerts, word for word: the subjects smtp.c's smtp_alert() builds, the
// bodies vrrp_notify.c, ipwrapper.c and the check_*.c files give it, and which smtp_alert
// setting applies where (vrrp.c, vrrp_sync.c, check_data.c). Pure: the daemon sends them.

/** One alert: keepalived's Subject and its one-line body. */
export interface Alert {
  readonly subject: string;
  readonly body: string;
}

/** keepalived's MAX_HEADERS_LENGTH and MAX_BODY_LENGTH (snprintf into 256 and 512 bytes). */
const MAX_SUBJECT = 255;
const MAX_BODY = 511;

function alert(subject: string, body: string): Alert {
  return { subject: subject.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

/**
 * Whether a VRRP instance or sync group mails (keepalived's vrrp.c / vrrp_sync.c): its own
 * `smtp_alert`, else `smtp_alert_vrrp`, else `smtp_alert`, else not.
 */
export function vrrpAlerts(own: boolean | undefined, s: SmtpSettings): boolean {
  return own ?? s.alertVrrp ?? s.alert ?? false;
}

/**
 * Whether a real server mails its checkers' changes (check_data.c): its own `smtp_alert`, else
 * `smtp_alert_checker`, else `smtp_alert`, else yes ("inconsistent with the defaults for other
 * smtp_alerts in order to maintain backwards compatibility"). Its virtual server's does not count.
 */
export function realServerAlerts(own: boolean | undefined, s: SmtpSettings): boolean {
  return own ?? s.alertChecker ?? s.alert ?? true;
}

/** Whether a virtual server mails its quorum changes: its own, else `smtp_alert_checker`, else `smtp_alert`, else not. */
export function virtualServerAlerts(own: boolean | undefined, s: SmtpSettings): boolean {
  return own ?? s.alertChecker ?? s.alert ?? false;
}

/** The state words of vrrp_notify.c's vrrp_smtp_notifier (INIT is tandem's STOP). */
const INSTANCE_TEXT: Record<VrrpState, readonly [string, string]> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  INIT: ['Stopping', '=> VRRP Instance stopping <='],
};

const GROUP_TEXT: Record<VrrpState, readonly [string, string]> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  INIT: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

/** `[router_id] VRRP Instance VI_1 - Entering MASTER state`. */
export function instanceAlert(routerId: string, name: string, state: VrrpState): Alert {
  const [what, body] = INSTANCE_TEXT[state];
  return alert(`[${routerId}] VRRP Instance ${name} - ${what}`, body);
}

/** `[router_id] VRRP Group G - Entering MASTER state`. */
export function groupAlert(routerId: string, name: string, state: VrrpState): Alert {
  const [what, body] = GROUP_TEXT[state];
  return alert(`[${routerId}] VRRP Group ${name} - ${what}`, body);
}

/**
 * keepalived's last_email_state rule (vrrp_notify.c): a state is mailed once, FAULT not at all
 * with `no_email_faults`, and nothing without smtp_alert.
 *
 * The stop is not mailed: keepalived 2.2.7 asks for its "Stopping" mail in notify_shutdown(),
 * but its VRRP process ends without ever connecting for it (seen in test/netns/smtp-alerts:
 * the SMTP server gets nothing), so a director that ran keepalived never got one.
 */
export function mailsVrrpState(state: VrrpState, on: boolean, lastMailed: VrrpState | undefined, s: SmtpSettings): boolean {
  return on && state !== 'INIT' && state !== lastMailed && !(s.noEmailFaults && state === 'FAULT');
}

/** What each checker kind says, up and down (check_tcp.c, check_http.c, check_misc.c, ...); FILE_CHECK mails nothing. */
export function checkerBody(kind: Checker['kind'], up: boolean, detail?: string): string | undefined {
  switch (kind) {
    case 'TCP_CHECK':
      return up ? '=> TCP CHECK succeed on service <=' : '=> TCP CHECK failed on service <=';
    case 'HTTP_GET':
    case 'SSL_GET':
      return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service : HTTP request failed <=';
    case 'SMTP_CHECK':
      return up ? '=> CHECK succeed on service <=' : detail !== undefined ? `=> CHECK failed on service : ${detail} <=` : '=> CHECK failed on service <=';
    case 'MISC_CHECK':
      return `=> MISC CHECK ${up ? 'succeeded' : detail !== undefined && /timed out|timeout/i.test(detail) ? 'timed out' : 'failed'} on service <=`;
    case 'DNS_CHECK':
      return up ? '=> DNS_CHECK: succeed on service <=' : '=> DNS_CHECK: failed on service <=';
    case 'PING_CHECK':
      return up ? '=> ICMP CHECK succeed on service <=' : '=> ICMP CHECK failed on service <=';
    case 'UDP_CHECK':
      return up ? '=> UDP CHECK succeed on service <=' : '=> UDP CHECK failed on service <=';
    case 'BFD_CHECK':
      return `=> BFD CHECK ${detail ?? ''} ${up ? 'succeeded' : 'failed'} on service <=`;
    default:
      return undefined;
  }
}

/** `[router_id] Realserver [198.51.100.1]:tcp:80 of virtual server [192.0.2.10]:tcp:80 - DOWN` (FMT_RS, FMT_VS). */
export function realServerAlert(routerId: string, realServer: string, virtualServer: string, up: boolean, body: string): Alert {
  return alert(`[${routerId}] Realserver ${realServer} of virtual server ${virtualServer} - ${up ? 'UP' : 'DOWN'}`, body);
}

/** The body of ipwrapper.c's mails at stop, for a virtual server with `omega` and its real servers. */
export const SHUTTING_DOWN = '=> Shutting down <=';

/** The body of ipwrapper.c's mail for a real server a reload took away while it was up. */
export const REMOVING = '=> Removing <=';

/** ipwrapper.c's do_vs_notifies at stop (`omega`): `[router_id] Virtualserver [192.0.2.10]:tcp:80 - DOWN`. */
export function virtualServerShutdownAlert(routerId: string, virtualServer: string): Alert {
  return alert(`[${routerId}] Virtualserver ${virtualServer} - DOWN`, SHUTTING_DOWN);
}

/**
 * ipwrapper.c's do_vs_notifies: `[router_id] Virtualserver [192.0.2.10]:tcp:80 - DOWN` with
 * `=> Lost quorum 3+1=2 <= 1 <=` (keepalived prints `+` whichever way the threshold goes:
 * quorum + hysteresis to gain it, quorum - hysteresis to lose it).
 */
export function quorumAlert(routerId: string, virtualServer: string, up: boolean, init: boolean, quorum: number, hysteresis: number, weightSum: number): Alert {
  const threshold = up ? quorum + hysteresis : quorum - hysteresis;
  const what = up ? (init ? 'Starting with quorum up' : 'Gained quorum') : init ? 'Starting with quorum down' : 'Lost quorum';
  return alert(`[${routerId}] Virtualserver ${virtualServer} - ${up ? 'UP' : 'DOWN'}`, `=> ${what} ${quorum}+${hysteresis}=${threshold} <= ${weightSum} <=`);
}
