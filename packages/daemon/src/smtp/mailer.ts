import { hostname, userInfo } from 'node:os';
import { localName } from './local-name.js';
import { defaultSmtpSettings, type GlobalDefs, type SmtpSettings } from '@tandem/config';
import type { Logger } from '../logger.js';
import type { Alert } from './alert-text.js';
import { sendMail, smtpHostText, type SendOutcome, type SmtpTarget } from './client.js';
import { messageData, type Envelope } from './dialogue.js';

// keepalived's smtp_alert(): each alert is one connection to smtp_server, sent in the
// background. Nothing waits for it but stop(); a failure is a log line and a count.

/** Mails sent and not sent since the start (`tandemctl stats`). */
export interface MailCounters {
  sent: number;
  failed: number;
  /** Alerts dropped because too many mails were in flight already. */
  dropped: number;
}

/** What the mailer asks of the host, so tests can give their own. */
export interface MailerHost {
  /** keepalived's local_name (the canonical host name): the router_id, HELO and From default. */
  readonly localName: () => Promise<string>;
  /** The user tandemd runs as (From's default is USER@HOSTNAME). */
  readonly user: () => string;
  readonly send: (target: SmtpTarget, envelope: Envelope, data: string) => Promise<SendOutcome>;
  readonly now: () => Date;
}

const systemHost: MailerHost = { localName, user: () => userInfo().username, send: sendMail, now: () => new Date() };

/**
 * HELO's name and the sender (keepalived's global_data.c defaults, once smtp_server is set:
 * smtp_helo_name else the host name, notification_email_from else USER@HOSTNAME).
 */
export function senderOf(s: SmtpSettings, host: string, user: string): { helo: string; from: string } {
  return { helo: s.heloName ?? (host !== '' ? host : 'localhost'), from: s.from ?? `${user}@${host}` };
}

/** Mails in flight at once; more are dropped (a burst of a thousand real servers going down must not open a thousand connections). */
const MAX_IN_FLIGHT = 64;

/** An alert made once the router_id is known (keepalived's default is the canonical host name, looked up in the background). */
export type AlertOf = (routerId: string) => Alert;

/** Sends alerts with the running configuration's settings; `configure` again at each reload. */
export class Mailer {
  private smtp: SmtpSettings = defaultSmtpSettings();
  private routerId: string | undefined;
  /** The local name, asked for once, in the background, when alerts are first on. */
  private name: Promise<string> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  readonly counters: MailCounters = { sent: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly log: Logger,
    private readonly host: MailerHost = systemHost,
  ) {}

  /** The settings of a (re)loaded configuration: later alerts use them; mails in flight finish with theirs. */
  configure(g: Pick<GlobalDefs, 'routerId' | 'smtp'>): void {
    this.smtp = g.smtp;
    this.routerId = g.routerId;
    if (this.name === undefined && this.enabled) this.name = this.host.localName().catch(() => hostname());
  }

  /** The email settings in force (which smtp_alert applies where is alert-text.ts's). */
  get settings(): SmtpSettings {
    return this.smtp;
  }

  /** Whether alerts go anywhere: keepalived sends only with smtp_server and an address. */
  get enabled(): boolean {
    return this.smtp.server !== undefined && this.smtp.to.length > 0;
  }

  /** Sends an alert in the background, with the settings in force now; returns at once. */
  send(make: AlertOf): void {
    const s = this.smtp;
    const server = s.server;
    if (server === undefined || s.to.length === 0) return;
    const routerId = this.routerId;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.counters.dropped++;
      this.log.warn(`SMTP alert not sent (${MAX_IN_FLIGHT} mails in flight already): ${make(routerId ?? hostname()).subject}`);
      return;
    }
    const target: SmtpTarget = { host: server.host, port: server.port, timeoutMs: s.connectTimeout * 1000 };
    const p = (this.name ?? Promise.resolve(hostname()))
      .then(async (name) => {
        const a = make(routerId ?? name);
        const envelope: Envelope = { ...senderOf(s, name, this.host.user()), to: s.to };
        const o = await this.host.send(target, envelope, messageData(envelope, a.subject, a.body, this.host.now())).catch((err: unknown): SendOutcome => ({ sent: false, why: String(err) }));
        if (o.sent) {
          this.counters.sent++;
          this.log.debug(`SMTP alert successfully sent: ${a.subject}`);
        } else {
          this.counters.failed++;
          this.log.warn(`SMTP alert to ${smtpHostText(target.host, target.port)} not sent (${a.subject}): ${o.why}`);
        }
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for the mails in flight, at most `graceMs` (the stop's notifications go out if the server answers soon). */
  async stop(graceMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.inFlight]), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
