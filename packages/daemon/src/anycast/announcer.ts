import type { RouteSpec } from '@tandem/net';
import type { Logger } from '../logger.js';
import type { PlannedPrefix } from './plan.js';

/** The interface announced routes go through: while it exists, they can. */
export interface AnnounceInterface {
  readonly ifindex: number;
  /** Deletes the interface (the kernel takes its routes with it). */
  close(): void;
}

/** The host as the announcer needs it (`net-host.ts` implements it; tests use a fake). */
export interface AnnounceHost {
  /** Creates the interface, up; fails when one of that name exists. */
  openInterface(name: string): Promise<AnnounceInterface>;
  addRoute(spec: RouteSpec): Promise<void>;
  removeRoute(spec: RouteSpec): Promise<void>;
}

/** One prefix as `tandemctl status` shows it. */
export interface AnnouncementStatus {
  readonly prefix: string;
  /** True while the route is in the kernel, where the routing daemon picks it up. */
  readonly announced: boolean;
  readonly reason: string;
  readonly virtualServers: readonly string[];
}

/** The announcer's part of `tandemctl status`. */
export interface AnnouncerStatus {
  readonly interface: string | null;
  /** Why the interface could not be made, when it could not. */
  readonly error?: string;
  readonly prefixes: readonly AnnouncementStatus[];
}

/** The route that announces `p` through the interface: a host or network route, scope link, in the main table. */
export function announceRoute(p: Pick<PlannedPrefix, 'address' | 'prefix'>, ifindex: number): RouteSpec {
  return { type: 'unicast', destination: p.address, prefix: p.prefix, ifindex, scope: 253 };
}

interface Wanted {
  readonly interfaceName: string;
  readonly plan: readonly PlannedPrefix[];
}

/**
 * Keeps one route per announced prefix through an interface whose life is the daemon's (a
 * TUN device: docs/config.md, "Announcing virtual servers"): the routing daemon (FRR's zebra,
 * `redistribute kernel` with a route-map matching the interface) announces what is there. A
 * withdrawal removes the route; a crash of the daemon takes the interface and so every
 * route with it. Changes are applied one at a time, the latest plan winning.
 */
export class Announcer {
  private iface: { name: string; handle: AnnounceInterface } | undefined;
  private ifaceError: { name: string; message: string } | undefined;
  /** The routes in the kernel, by prefix key. */
  private readonly routes = new Map<string, RouteSpec>();
  private plan: readonly PlannedPrefix[] = [];
  private wanted: Wanted | undefined;
  private busy = false;
  private done: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly host: AnnounceHost,
    private readonly log: Logger,
  ) {}

  /**
   * Makes the kernel's routes match `plan` through `interfaceName`: creates the interface on
   * the first plan with a prefix (so that a name taken by something else is reported at
   * start), adds the routes of prefixes to announce, removes the others. Resolves once the
   * kernel has every change asked for so far. Ignored after `withdrawAll()`.
   */
  apply(interfaceName: string, plan: readonly PlannedPrefix[]): Promise<void> {
    if (this.stopped) return this.done;
    this.wanted = { interfaceName, plan };
    if (!this.busy) {
      this.busy = true;
      this.done = (async () => {
        try {
          while (this.wanted !== undefined) {
            const w = this.wanted;
            this.wanted = undefined;
            await this.reconcile(w);
          }
        } finally {
          this.busy = false;
        }
      })();
    }
    return this.done;
  }

  private async reconcile(w: Wanted): Promise<void> {
    this.plan = w.plan;
    if (this.iface !== undefined && (this.iface.name !== w.interfaceName || w.plan.length === 0)) await this.closeInterface('the announce interface changed');
    if (w.plan.length === 0) return;
    const iface = await this.openInterface(w.interfaceName);
    if (iface === undefined) return;
    const planned = new Map(w.plan.map((p) => [p.key, p]));
    for (const [key, spec] of this.routes) {
      const p = planned.get(key);
      if (p !== undefined && p.announce) continue;
      await this.remove(key, spec, p?.reason ?? 'no virtual server announces it any more');
    }
    for (const p of w.plan) {
      if (!p.announce || this.routes.has(p.key)) continue;
      const spec = announceRoute(p, iface.ifindex);
      try {
        await this.host.addRoute(spec);
        this.routes.set(p.key, spec);
        this.log.info(`announce: ${p.key} announced through ${w.interfaceName}: ${p.reason}`);
      } catch (err) {
        this.log.error(`announce: cannot add the route of ${p.key}: ${(err as Error).message}; it is not announced`);
      }
    }
  }

  private async openInterface(name: string): Promise<AnnounceInterface | undefined> {
    if (this.iface !== undefined) return this.iface.handle;
    try {
      const handle = await this.host.openInterface(name);
      this.iface = { name, handle };
      this.ifaceError = undefined;
      this.log.info(`announce: interface ${name} created; the routing daemon announces the routes through it (they go with tandemd)`);
      return handle;
    } catch (err) {
      const message = (err as Error).message;
      // Said once per name and reason, not at every quorum or IPVS change that retries it.
      if (this.ifaceError?.name !== name || this.ifaceError.message !== message) this.log.error(`announce: cannot create interface ${name}: ${message}; nothing is announced`);
      this.ifaceError = { name, message };
      return undefined;
    }
  }

  private async remove(key: string, spec: RouteSpec, reason: string): Promise<void> {
    try {
      await this.host.removeRoute(spec);
      this.log.warn(`announce: ${key} withdrawn: ${reason}`);
    } catch (err) {
      this.log.error(`announce: cannot remove the route of ${key}: ${(err as Error).message}`);
      return;
    }
    this.routes.delete(key);
  }

  private async closeInterface(reason: string): Promise<void> {
    for (const [key, spec] of this.routes) await this.remove(key, spec, reason);
    this.iface?.handle.close();
    this.iface = undefined;
    // Whatever could not be removed went with the interface.
    this.routes.clear();
  }

  /**
   * Withdraws every route (tandemd is stopping) and applies no plan after it; returns how
   * many were announced. The interface stays until `close()`.
   */
  async withdrawAll(reason = 'tandemd is stopping'): Promise<number> {
    this.stopped = true;
    this.wanted = undefined;
    await this.done;
    const n = this.routes.size;
    for (const [key, spec] of this.routes) await this.remove(key, spec, reason);
    return n;
  }

  /** Deletes the interface (and any route left through it). */
  close(): void {
    this.stopped = true;
    this.iface?.handle.close();
    this.iface = undefined;
    this.routes.clear();
  }

  status(): AnnouncerStatus {
    return {
      interface: this.iface?.name ?? null,
      ...(this.ifaceError !== undefined ? { error: `cannot create interface ${this.ifaceError.name}: ${this.ifaceError.message}` } : {}),
      prefixes: this.plan.map((p) => ({ prefix: p.key, announced: this.routes.has(p.key), reason: p.reason, virtualServers: p.virtualServers })),
    };
  }
}
