import { readFileSync } from 'node:fs';
import type { AddressSpec, NetworkChanger, RouteSpec, RuleSpec } from '@tandem/net';
import { writePrivateFile } from './private-files.js';

/** What the ledger remembers, by kind; specs exactly as they were handed to the kernel. */
export interface LedgerEntries {
  readonly addresses: readonly AddressSpec[];
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
  /** IPVS services by `serviceId` (`tcp 192.0.2.1:80`, `fwmark 1 inet`). */
  readonly ipvsServices: readonly string[];
}

type Kind = 'addresses' | 'routes' | 'rules';

/** A spec's identity: its JSON with sorted keys (by code unit: localeCompare would load ICU), so a spec read back from the file matches the one built now. */
function keyOf(spec: object): string {
  return JSON.stringify(spec, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

const EMPTY: LedgerEntries = { addresses: [], routes: [], rules: [], ipvsServices: [] };

function parse(text: string): LedgerEntries {
  const raw = JSON.parse(text) as Partial<Record<keyof LedgerEntries, unknown>>;
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return { addresses: list(raw.addresses), routes: list(raw.routes), rules: list(raw.rules), ipvsServices: list<string>(raw.ipvsServices).filter((s) => typeof s === 'string') };
}

/**
 * A root-only file under /run that remembers every address, route, rule and IPVS service
 * tandemd put into the kernel and has not taken out again. It is written before an add and
 * after a remove, so it never misses something that is there; after a crash the next start
 * reads it and removes what the new configuration no longer has (keepalived leaves such
 * things behind for good).
 */
export class HostLedger {
  private readonly entries: Record<Kind, Map<string, object>> = { addresses: new Map(), routes: new Map(), rules: new Map() };
  private ipvs = new Set<string>();

  private constructor(
    readonly path: string,
    /** What the file held at start: the previous run's leftovers, if it did not stop cleanly. */
    readonly previous: LedgerEntries,
  ) {
    for (const kind of ['addresses', 'routes', 'rules'] as const) for (const spec of previous[kind]) this.entries[kind].set(keyOf(spec), spec);
    this.ipvs = new Set(previous.ipvsServices);
  }

  /** Reads the ledger at `path`; a missing or unreadable file is an empty one (and a broken one is said so in `problem`). */
  static open(path: string): { ledger: HostLedger; problem?: string } {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return { ledger: new HostLedger(path, EMPTY) };
    }
    try {
      return { ledger: new HostLedger(path, parse(text)) };
    } catch (err) {
      return { ledger: new HostLedger(path, EMPTY), problem: `${path}: ${(err as Error).message}; starting from an empty record` };
    }
  }

  contents(): LedgerEntries {
    return {
      addresses: [...this.entries.addresses.values()] as AddressSpec[],
      routes: [...this.entries.routes.values()] as RouteSpec[],
      rules: [...this.entries.rules.values()] as RuleSpec[],
      ipvsServices: [...this.ipvs],
    };
  }

  private save(): void {
    writePrivateFile(this.path, `${JSON.stringify(this.contents())}\n`);
  }

  /** Remembers a spec about to be added (written at once, before the kernel sees it). */
  remember(kind: Kind, spec: object): void {
    const k = keyOf(spec);
    if (this.entries[kind].has(k)) return;
    this.entries[kind].set(k, spec);
    this.save();
  }

  /** Forgets a spec the kernel no longer has. */
  forget(kind: Kind, spec: object): void {
    if (this.entries[kind].delete(keyOf(spec))) this.save();
  }

  /** Sets the IPVS services tandem owns (before a sync: what it has and what it is about to add). */
  setIpvsServices(ids: Iterable<string>): void {
    const next = new Set(ids);
    if (next.size === this.ipvs.size && [...next].every((id) => this.ipvs.has(id))) return;
    this.ipvs = next;
    this.save();
  }

  /** `changer` with every add remembered first and every remove forgotten after it succeeded. */
  recording(changer: NetworkChanger): NetworkChanger {
    const around =
      <T extends object>(kind: Kind, add: (s: T) => Promise<void>, remove: (s: T) => Promise<void>) =>
      (op: 'add' | 'remove') =>
      async (spec: T): Promise<void> => {
        if (op === 'add') {
          this.remember(kind, spec);
          await add(spec);
        } else {
          await remove(spec);
          this.forget(kind, spec);
        }
      };
    const addresses = around<AddressSpec>('addresses', (s) => changer.addAddress(s), (s) => changer.removeAddress(s));
    const routes = around<RouteSpec>('routes', (s) => changer.addRoute(s), (s) => changer.removeRoute(s));
    const rules = around<RuleSpec>('rules', (s) => changer.addRule(s), (s) => changer.removeRule(s));
    return {
      addAddress: addresses('add'),
      removeAddress: addresses('remove'),
      addRoute: routes('add'),
      removeRoute: routes('remove'),
      addRule: rules('add'),
      removeRule: rules('remove'),
    };
  }
}
