import type { Config, RouteSpec as ConfigRoute, VirtualAddress } from '@tandem/config';
import type { AddressSpec, NetworkChanger, RouteSpec } from '@tandem/net';
import type { LedgerEntries } from './host-ledger.js';
import type { Logger } from './logger.js';
import { ruleSpec } from './route-specs.js';

// Identities loose enough to match a configured entry with what an older run added under
// another interface index (interfaces come and go between runs), strict enough not to keep
// something the new file no longer has.
const addressId = (a: { address: string; prefix: number }): string => `${a.address}/${a.prefix}`;
const routeId = (r: { type: string; destination: string; prefix: number; table?: number }): string => `${r.type} ${r.destination}/${r.prefix} table ${r.table ?? 254}`;
const ruleId = (r: object): string => JSON.stringify(r);

/** Everything of the previous run's ledger that `config` no longer configures anywhere. */
export function staleEntries(previous: LedgerEntries, config: Config): Pick<LedgerEntries, 'addresses' | 'routes' | 'rules'> {
  const addresses: VirtualAddress[] = [...config.staticAddresses];
  const routes: ConfigRoute[] = [...config.staticRoutes];
  const rules = [...config.staticRules];
  for (const i of config.vrrpInstances) {
    addresses.push(...i.virtualIpaddress, ...i.virtualIpaddressExcluded);
    routes.push(...i.virtualRoutes);
    rules.push(...i.virtualRules);
  }
  const wanted = {
    addresses: new Set(addresses.map(addressId)),
    routes: new Set(routes.map(routeId)),
    rules: new Set(rules.map((r) => ruleId(ruleSpec(r)))),
  };
  return {
    addresses: previous.addresses.filter((a) => !wanted.addresses.has(addressId(a))),
    routes: previous.routes.filter((r) => !wanted.routes.has(routeId(r))),
    rules: previous.rules.filter((r) => !wanted.rules.has(ruleId(r))),
  };
}

/**
 * Takes out what an earlier run added and `config` no longer has (rules, then routes, then
 * addresses); `changer` records into the ledger, so each entry is forgotten once gone. What
 * `config` still has is left to the instances: every one enters BACKUP or MASTER and sets
 * or clears its addresses then.
 */
export async function clearLeftovers(previous: LedgerEntries, config: Config, changer: NetworkChanger, log: Logger): Promise<void> {
  const stale = staleEntries(previous, config);
  const attempt = async (what: string, op: () => Promise<void>): Promise<void> => {
    try {
      await op();
      log.info(`removed ${what}, left by an earlier run and no longer configured`);
    } catch (err) {
      log.warn(`cannot remove ${what} left by an earlier run: ${(err as Error).message}`);
    }
  };
  for (const r of stale.rules) await attempt(`rule to table ${r.table}`, () => changer.removeRule(r));
  for (const r of stale.routes) await attempt(`route ${r.destination}/${r.prefix}`, () => changer.removeRoute(r as RouteSpec));
  for (const a of stale.addresses) await attempt(`address ${a.address}/${a.prefix}`, () => changer.removeAddress(a as AddressSpec));
}
