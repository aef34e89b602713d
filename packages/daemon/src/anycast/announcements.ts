import { type Config, DEFAULT_ANNOUNCE_INTERFACE, DEFAULT_ANNOUNCE_WITHDRAW_DELAY } from '@tandem/config';
import type { NetworkChanger } from '@tandem/net';
import type { Logger } from '../logger.js';
import { type AnnounceHost, Announcer, type AnnouncerStatus } from './announcer.js';
import { netAnnounceHost } from './net-host.js';
import { planAnnouncements, type ServiceView } from './plan.js';

const announces = (config: Config): boolean => config.virtualServers.some((vs) => vs.announce !== undefined);

/**
 * The daemon's face of the announcements (`@tandem announce`): made once a file announces
 * something, told of every quorum and IPVS change, withdrawn first at stop.
 */
export class Announcements {
  private readonly announcer: Announcer;

  private constructor(
    private readonly host: AnnounceHost & { close(): void },
    private readonly log: Logger,
  ) {
    this.announcer = new Announcer(host, log);
  }

  /** The announcements of `config`, or undefined when no virtual server announces anything. */
  static forConfig(config: Config, record: (changer: NetworkChanger) => NetworkChanger, log: Logger, host?: AnnounceHost & { close(): void }): Announcements | undefined {
    if (!announces(config)) return undefined;
    return new Announcements(host ?? netAnnounceHost(record), log.child({ module: 'announce' }));
  }

  /** Plans again from `config` and each virtual server's view, and applies it. */
  update(config: Config, view: (name: string) => ServiceView | undefined): Promise<void> {
    return this.announcer.apply(config.globalDefs.announce?.interface ?? DEFAULT_ANNOUNCE_INTERFACE, planAnnouncements(config.virtualServers, view));
  }

  /**
   * At stop, before anything else: withdraws every route, then waits `announce_withdraw_delay`
   * (when something was announced and IPVS is to be released), so that the flows the router
   * still sends here meanwhile are served rather than reset while it moves them elsewhere.
   */
  async withdraw(config: Config, releaseIpvs: boolean): Promise<void> {
    const n = await this.announcer.withdrawAll();
    const delay = config.globalDefs.announce?.withdrawDelay ?? DEFAULT_ANNOUNCE_WITHDRAW_DELAY;
    if (n === 0 || delay === 0 || !releaseIpvs) return;
    this.log.info(`announce: IPVS keeps serving for ${delay} s (announce_withdraw_delay) while the router moves the flows`);
    await new Promise((r) => setTimeout(r, delay * 1000));
  }

  /** Deletes the interface; last, after IPVS. */
  close(): void {
    this.announcer.close();
    this.host.close();
  }

  status(): AnnouncerStatus {
    return this.announcer.status();
  }
}
