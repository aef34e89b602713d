import type { Config } from '@tandem/config';
import { Rtnl, type AddressSpec, type LinkInfo, type NetworkChanger, type RouteSpec, type RuleSpec } from '@tandem/net';
import type { Logger } from './logger.js';
import { addressSpec, DEFAULT_INTERFACE, routeSpecs, ruleSpec } from './route-specs.js';
import type { LedgerEntries } from './host-ledger.js';
import { clearLeftovers } from './leftovers.js';

/**
 * keepalived's static_ipaddress, static_routes and static_rules: set at start whatever the
 * VRRP state (addresses, then routes, then rules), removed at stop in the reverse order.
 * A reload that changes them removes the old set and applies the new one.
 */
export class StaticNetwork {
  private readonly rtnl = new Rtnl();
  private readonly changes: NetworkChanger;
  private applied: { addresses: AddressSpec[]; routes: RouteSpec[]; rules: RuleSpec[] } = { addresses: [], routes: [], rules: [] };

  /** `record` wraps the changes (the daemon's ledger of what it added). */
  constructor(
    private readonly log: Logger,
    record: (changer: NetworkChanger) => NetworkChanger = (c) => c,
  ) {
    this.changes = record(this.rtnl);
  }

  /**
   * Applies the file's static entries, as keepalived does: one the kernel refuses (or whose
   * interface does not exist) is logged as an error and left out, and the others still go in,
   * so one bad route does not keep a director from starting.
   */
  async apply(config: Config): Promise<void> {
    if (config.staticAddresses.length + config.staticRoutes.length + config.staticRules.length === 0 && this.applied.addresses.length + this.applied.routes.length + this.applied.rules.length === 0) return;
    const links = new Map<string, LinkInfo>((await this.rtnl.links()).map((l) => [l.name, l]));
    const ifindexOf = (name: string): number => {
      const link = links.get(name);
      if (link === undefined) throw new Error(`no interface named ${name}`);
      return link.index;
    };
    const notSet = (what: string, line: number, err: unknown): void => this.log.error(`static: ${what} (line ${line}) not set: ${(err as Error).message}`);
    await this.remove();
    let failed = 0;
    const attempt = async <T>(what: string, line: number, spec: () => T[], add: (t: T) => Promise<void>, done: T[]): Promise<void> => {
      try {
        for (const t of spec()) {
          await add(t);
          done.push(t);
        }
      } catch (err) {
        failed++;
        notSet(what, line, err);
      }
    };
    const defaultInterface = config.globalDefs.defaultInterface ?? DEFAULT_INTERFACE;
    for (const a of config.staticAddresses) {
      await attempt(`address ${a.address}/${a.prefix}`, a.pos.line, () => [addressSpec(a, ifindexOf, defaultInterface)], (x) => this.changes.addAddress(x), this.applied.addresses);
    }
    for (const r of config.staticRoutes) {
      const spec = (): RouteSpec[] => routeSpecs([r], links.values(), ifindexOf, (d, why) => this.log.warn(`static route ${d.destination}/${d.prefix} (line ${d.pos.line}) not set: ${why}`));
      await attempt(`route ${r.destination}/${r.prefix}`, r.pos.line, spec, (x) => this.changes.addRoute(x), this.applied.routes);
    }
    for (const r of config.staticRules) await attempt('rule', r.pos.line, () => [ruleSpec(r)], (x) => this.changes.addRule(x), this.applied.rules);
    const { addresses, routes, rules } = this.applied;
    if (addresses.length + routes.length + rules.length + failed > 0) {
      this.log.info(`static: ${addresses.length} address(es), ${routes.length} route(s), ${rules.length} rule(s) set${failed > 0 ? `; ${failed} not set (see above)` : ''}`);
    }
  }

  /** Takes out what an earlier run left (`previous`, the ledger at start) and `config` no longer has. */
  clearLeftovers(previous: LedgerEntries, config: Config): Promise<void> {
    return clearLeftovers(previous, config, this.changes, this.log);
  }

  /** Removes what apply() set; failures are logged, the rest is still removed. */
  async remove(): Promise<void> {
    const { addresses, routes, rules } = this.applied;
    this.applied = { addresses: [], routes: [], rules: [] };
    const attempt = async (what: string, op: () => Promise<void>): Promise<void> => {
      try {
        await op();
      } catch (err) {
        this.log.warn(`static: cannot remove ${what}: ${(err as Error).message}`);
      }
    };
    for (const r of rules.reverse()) await attempt('a rule', () => this.changes.removeRule(r));
    for (const r of routes.reverse()) await attempt(`route ${r.destination}/${r.prefix}`, () => this.changes.removeRoute(r));
    for (const a of addresses.reverse()) await attempt(`address ${a.address}/${a.prefix}`, () => this.changes.removeAddress(a));
  }

  close(): void {
    this.rtnl.close();
  }
}
