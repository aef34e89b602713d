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

  /** Applies the file's static entries; throws (after undoing what it did) when one cannot be set. */
  async apply(config: Config): Promise<void> {
    if (config.staticAddresses.length + config.staticRoutes.length + config.staticRules.length === 0 && this.applied.addresses.length + this.applied.routes.length + this.applied.rules.length === 0) return;
    const links = new Map<string, LinkInfo>((await this.rtnl.links()).map((l) => [l.name, l]));
    const ifindexOf = (name: string): number => {
      const link = links.get(name);
      if (link === undefined) throw new Error(`no interface named ${name}`);
      return link.index;
    };
    const want = {
      addresses: config.staticAddresses.map((a) => addressSpec(a, ifindexOf, config.globalDefs.defaultInterface ?? DEFAULT_INTERFACE)),
      routes: routeSpecs(config.staticRoutes, links.values(), ifindexOf, (r, why) => this.log.warn(`static route ${r.destination}/${r.prefix} (line ${r.pos.line}) not set: ${why}`)),
      rules: config.staticRules.map(ruleSpec),
    };
    await this.remove();
    try {
      for (const a of want.addresses) {
        await this.changes.addAddress(a);
        this.applied.addresses.push(a);
      }
      for (const r of want.routes) {
        await this.changes.addRoute(r);
        this.applied.routes.push(r);
      }
      for (const r of want.rules) {
        await this.changes.addRule(r);
        this.applied.rules.push(r);
      }
    } catch (err) {
      await this.remove();
      throw err;
    }
    const n = want.addresses.length + want.routes.length + want.rules.length;
    if (n > 0) this.log.info(`static: ${want.addresses.length} address(es), ${want.routes.length} route(s), ${want.rules.length} rule(s) set`);
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
