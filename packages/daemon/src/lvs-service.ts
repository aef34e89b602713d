import type { Config, RealServer, VirtualServer } from '@tandem/config';
import { CheckScheduler, systemClock, type Clock } from '@tandem/healthcheck';
import { IcmpPinger } from '@tandem/net';
import { planChecks, realServerName, type PlannedCheck } from './check-specs.js';
import type { Logger } from './logger.js';
import { scriptPreparer } from './script-prep.js';

/** A real server as `tandemctl status --json` shows it. */
export interface RealServerStatus {
  readonly address: string;
  readonly port: number | null;
  readonly up: boolean;
  /** The weight IPVS would be given: the configured one when up, 0 when down. */
  readonly weight: number;
  /** ISO time of the last finished check, null before the first. */
  readonly lastCheck: string | null;
  readonly reason: string;
}

export interface VirtualServerStatus {
  readonly name: string;
  /** False while tandem cannot program IPVS; the checks run all the same. */
  readonly programmed: boolean;
  readonly reals: readonly RealServerStatus[];
}

interface RealState {
  readonly vs: VirtualServer;
  readonly rs: RealServer;
  readonly checks: PlannedCheck[];
  up: boolean;
  reason: string;
  lastCheck: number | undefined;
  /** MISC_CHECK misc_dynamic: the weight the script asked for. */
  dynamicWeight: number | undefined;
}

/**
 * Runs the health checks of every virtual server and keeps each real server's
 * verdict: up when all its checkers are up. Programming IPVS from it is the
 * next step; until then each virtual server logs one error saying so.
 */
export class LvsService {
  private readonly scheduler: CheckScheduler;
  private readonly reals = new Map<string, RealState>();
  private readonly byCheck = new Map<string, RealState>();
  private virtualServers: readonly VirtualServer[] = [];
  private pinger: IcmpPinger | undefined;

  constructor(
    private readonly log: Logger,
    clock: Clock = systemClock,
  ) {
    this.scheduler = new CheckScheduler(clock);
    this.scheduler.on('result', (id, r) => {
      const s = this.byCheck.get(id);
      if (s === undefined) return;
      s.lastCheck = Date.now();
      if (s.up && r.ok) s.reason = r.reason;
      if (r.weight !== undefined) s.dynamicWeight = r.weight;
    });
    this.scheduler.on('change', (c) => {
      const s = this.byCheck.get(c.id);
      if (s !== undefined) this.update(s, c.reason);
    });
  }

  start(config: Config): void {
    this.virtualServers = config.virtualServers;
    const prepare = scriptPreparer(config);
    // Plan everything first: a script that must not run stops the start before any check runs.
    const pinger = config.virtualServers.some((vs) => vs.realServers.some((rs) => rs.checkers.some((c) => c.kind === 'PING_CHECK'))) ? (this.pinger = new IcmpPinger()) : undefined;
    const plans = config.virtualServers.map((vs) => planChecks(vs, prepare, pinger));
    config.virtualServers.forEach((vs, n) => {
      const { checks } = plans[n]!;
      this.log.error(`(${vs.name}) cannot program IPVS: this version of tandem does not drive IPVS yet; its real servers are checked and shown by tandemctl status, but no traffic is balanced`);
      for (const rs of vs.realServers) {
        const name = realServerName(rs);
        const mine = checks.filter((c) => c.realServer === name);
        const alpha = mine.some((c) => c.timing.alpha);
        const state: RealState = { vs, rs, checks: mine, up: !alpha, reason: mine.length === 0 ? 'no checker: always up' : alpha ? 'alpha: down until checked' : 'not checked yet', lastCheck: undefined, dynamicWeight: undefined };
        this.reals.set(`${vs.name}|${name}`, state);
        for (const c of mine) this.byCheck.set(c.id, state);
      }
      for (const c of checks) this.scheduler.add({ id: c.id, timing: c.timing, run: c.run });
    });
  }

  private update(s: RealState, reason: string): void {
    const up = s.checks.every((c) => this.scheduler.status(c.id)?.up ?? true);
    if (up === s.up) return;
    s.up = up;
    s.reason = reason;
    const line = `(${s.vs.name}) real server ${realServerName(s.rs)} ${up ? 'UP' : 'DOWN'}: ${reason}`;
    if (up) this.log.info(line);
    else this.log.warn(line);
  }

  status(): VirtualServerStatus[] {
    return this.virtualServers.map((vs) => ({
      name: vs.name,
      programmed: false,
      reals: vs.realServers.map((rs) => {
        const s = this.reals.get(`${vs.name}|${realServerName(rs)}`)!;
        return {
          address: rs.address,
          port: rs.port ?? null,
          up: s.up,
          weight: s.up ? (s.dynamicWeight ?? rs.weight) : 0,
          lastCheck: s.lastCheck === undefined ? null : new Date(s.lastCheck).toISOString(),
          reason: s.reason,
        };
      }),
    }));
  }

  stop(): void {
    this.scheduler.stop();
    this.pinger?.close();
  }
}
