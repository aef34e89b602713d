import type { ScriptSpec, SyncGroup, VrrpInstance } from '@tandem/config';
import type { Clock, VrrpState } from '@tandem/vrrp';
import type { Logger } from '../logger.js';
import { runNotifyScript, type ScriptExec, type ScriptPreparer } from '../script-prep.js';
import { groupAlert, instanceAlert, mailsVrrpState, vrrpAlerts } from '../smtp/alert-text.js';
import type { Mailer } from '../smtp/mailer.js';

// keepalived's vrrp_notify.c: the notify scripts of instances and sync groups, the lines
// of the notify FIFOs, and the email alerts (vrrp_smtp_notifier, vrrp_sync_smtp_notifier).

/** keepalived's word for a state in notify arguments and FIFO lines (INIT is STOP). */
export function notifyState(state: VrrpState): string {
  return state === 'INIT' ? 'STOP' : state;
}

/** The state's own script of a notify block (notify_master, _backup, _fault, _stop). */
function ownScript(n: VrrpInstance['tracking']['notify'], state: VrrpState): ScriptSpec | undefined {
  return state === 'MASTER' ? n.master : state === 'BACKUP' ? n.backup : state === 'FAULT' ? n.fault : n.stop;
}

/** How long stop() waits for notify_stop and the last generic notify. */
const STOP_GRACE_MS = 5000;

/** How long stop() waits for mails still in flight (a FAULT or BACKUP mail of a moment ago; the stop itself is not mailed). */
const MAIL_GRACE_MS = 2000;

/** Runs notify scripts, hands out FIFO lines and sends mails; stop() gives the running ones a few seconds. */
export class Notifier {
  private readonly running = new Set<Promise<void>>();
  /** keepalived's last_email_state, per instance and per group: each state is mailed once. */
  private readonly mailed = new Map<string, VrrpState>();

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly exec: ScriptExec,
    private readonly onLine: (line: string) => void,
    private readonly mailer?: Mailer,
  ) {}

  private mail(kind: 'instance' | 'group', name: string, own: boolean | undefined, state: VrrpState): void {
    const m = this.mailer;
    if (m === undefined || !m.enabled) return;
    const key = `${kind} ${name}`;
    if (!mailsVrrpState(state, vrrpAlerts(own, m.settings), this.mailed.get(key), m.settings)) return;
    this.mailed.set(key, state);
    m.send((routerId) => (kind === 'instance' ? instanceAlert : groupAlert)(routerId, name, state));
  }

  /** An instance entered `state`: its FIFO line, its state's own script, and `notify` with INSTANCE NAME STATE PRIORITY. */
  instance(i: VrrpInstance, state: VrrpState, priority: number, prepare: ScriptPreparer): void {
    const word = notifyState(state);
    this.onLine(`INSTANCE "${i.name}" ${word} ${priority}`);
    const n = i.tracking.notify;
    const own = ownScript(n, state);
    if (own !== undefined) this.run(i.name, own, [], prepare);
    if (n.generic !== undefined) this.run(i.name, n.generic, ['INSTANCE', i.name, word, String(priority)], prepare);
    this.mail('instance', i.name, i.smtpAlert, state);
  }

  /**
   * As master, an advert from a master with a lower priority (keepalived's send_event_notify):
   * the FIFO line `INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150` and notify_master_rx_lower_pri, without
   * arguments; at every such advert, as keepalived.
   */
  masterRxLowerPri(i: VrrpInstance, priority: number, prepare: ScriptPreparer): void {
    this.onLine(`INSTANCE "${i.name}" MASTER_RX_LOWER_PRI ${priority}`);
    const script = i.tracking.notify.masterRxLowerPri;
    if (script !== undefined) this.run(i.name, script, [], prepare);
  }

  /** A sync group settled in `state`: its FIFO line, its own script, and `notify` with GROUP NAME STATE. */
  group(g: SyncGroup, state: VrrpState, prepare: ScriptPreparer): void {
    const word = notifyState(state);
    this.log.info(`sync group ${g.name}: ${state}`);
    // keepalived writes a group's line with priority 0.
    this.onLine(`GROUP "${g.name}" ${word} 0`);
    const n = g.tracking.notify;
    const own = ownScript(n, state);
    if (own !== undefined) this.run(g.name, own, [], prepare);
    if (n.generic !== undefined) this.run(g.name, n.generic, ['GROUP', g.name, word], prepare);
    this.mail('group', g.name, g.smtpAlert, state);
  }

  private run(who: string, spec: ScriptSpec, args: string[], prepare: ScriptPreparer): void {
    const p = runNotifyScript(() => prepare(spec), args, this.log, who, `notify ${spec.command}${args.length > 0 ? ` ${args.join(' ')}` : ''}`, this.exec);
    if (p === undefined) return;
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Waits for the scripts still running, at most a few seconds (notify_stop runs at shutdown), and the mails, at most two. */
  async stop(): Promise<void> {
    await Promise.all([this.mailer?.stop(MAIL_GRACE_MS), this.scripts()]);
  }

  private async scripts(): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimer(STOP_GRACE_MS, resolve);
      void Promise.all([...this.running]).then(() => {
        timer.cancel();
        resolve();
      });
    });
  }
}
