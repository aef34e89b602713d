import { destinationId, serviceId } from './describe.js';
import { SVC_F_HASHED } from './constants.js';
import type { OperationResult } from './client.js';
import type { IpvsError } from './errors.js';
import type { Operation } from './operations.js';
import type { Destination, Service, TableService } from './types.js';

export function sameService(a: Service, b: Service): boolean {
  return (
    a.scheduler === b.scheduler &&
    (a.flags & ~SVC_F_HASHED) === (b.flags & ~SVC_F_HASHED) &&
    a.timeout === b.timeout &&
    a.netmask === b.netmask &&
    (a.pe ?? '') === (b.pe ?? '')
  );
}

export function sameDestination(a: Destination, b: Destination): boolean {
  const tunnelA = a.forward === 'tunnel' ? a.tunnel ?? { type: 'ipip', port: 0, checksum: 'nocsum' } : undefined;
  const tunnelB = b.forward === 'tunnel' ? b.tunnel ?? { type: 'ipip', port: 0, checksum: 'nocsum' } : undefined;
  return (
    a.forward === b.forward &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    tunnelA?.type === tunnelB?.type &&
    tunnelA?.port === tunnelB?.port &&
    tunnelA?.checksum === tunnelB?.checksum
  );
}

/** Services (and their destinations) only in `table`, by identity; later duplicates are ignored. */
function byId(table: readonly TableService[]): Map<string, TableService> {
  const out = new Map<string, TableService>();
  for (const t of table) {
    const id = serviceId(t.service.key);
    if (!out.has(id)) out.set(id, t);
  }
  return out;
}

function destinationsById(ds: readonly Destination[]): Map<string, Destination> {
  const out = new Map<string, Destination>();
  for (const d of ds) {
    const id = destinationId(d);
    if (!out.has(id)) out.set(id, d);
  }
  return out;
}

/**
 * Whether a destination before `ds[i]` has its address and port (destinationId's identity):
 * two IPv4 addresses are one only when their texts are (dotted quads without leading zeros,
 * the only spelling addresses have here); IPv6 ones are compared by their bytes.
 */
function appearsBefore(ds: readonly Destination[], i: number): boolean {
  const d = ds[i]!;
  const v6 = d.address.includes(':');
  for (let j = 0; j < i; j++) {
    const e = ds[j]!;
    if (e.port !== d.port) continue;
    if (e.address === d.address) return true;
    if (v6 && e.address.includes(':') && destinationId(e) === destinationId(d)) return true;
  }
  return false;
}

/**
 * The fewest operations that turn `current` into `desired`, in an order the kernel accepts:
 * removed services first (their destinations go with them), then per service its own change,
 * removed destinations, new and changed destinations. Entries that already match produce
 * nothing, so applying the plan twice changes nothing the second time.
 *
 * Removals go last entry first. The kernel keeps a removed destination for a minute or two in a
 * trash list, newest first, and walks it for every destination added (to reuse a match): a
 * table taken out in its own order and put back in that order (a restart, a reload that
 * brings services back) walks nearly the whole list for each entry, 1.9 s for 10,000
 * destinations in the real-kernel guest, and 0.18 s when the removal went backwards (0.7 s
 * into an empty trash).
 */
export function planChanges(desired: readonly TableService[], current: readonly TableService[]): Operation[] {
  const want = byId(desired);
  const have = byId(current);
  const ops: Operation[] = [];
  const gone = [...have].filter(([id]) => !want.has(id));
  for (let i = gone.length - 1; i >= 0; i--) ops.push({ op: 'delete-service', key: gone[i]![1].service.key });
  for (const [id, t] of want) {
    const key = t.service.key;
    const existing = have.get(id);
    // The very entry programmed last time (the daemon keeps each virtual server's entries until
    // it changes): nothing to compare, so a health change among 10,000 destinations is planned
    // without walking the other services' destinations.
    if (existing === t) continue;
    if (existing === undefined) {
      // A new service: all its destinations are new (the first of each address and port).
      ops.push({ op: 'add-service', service: t.service });
      const ds = t.destinations;
      // A service has a few destinations: each compared with those before it, without an
      // identity string and a set for each (a start plans 10,000 of them). A long list is keyed.
      const seen = ds.length > 16 ? new Set<string>() : undefined;
      for (let i = 0; i < ds.length; i++) {
        const d = ds[i]!;
        if (seen !== undefined) {
          const did = destinationId(d);
          if (seen.has(did)) continue;
          seen.add(did);
        } else if (appearsBefore(ds, i)) {
          continue;
        }
        ops.push({ op: 'add-destination', key, destination: d });
      }
      continue;
    }
    if (!sameService(t.service, existing.service)) {
      ops.push({ op: 'update-service', service: t.service });
    }
    const wantDest = destinationsById(t.destinations);
    const haveDest = destinationsById(existing.destinations);
    const goneDest = [...haveDest].filter(([did]) => !wantDest.has(did));
    for (let i = goneDest.length - 1; i >= 0; i--) ops.push({ op: 'delete-destination', key, destination: goneDest[i]![1] });
    for (const [did, d] of wantDest) {
      const old = haveDest.get(did);
      if (old === undefined) ops.push({ op: 'add-destination', key, destination: d });
      else if (!sameDestination(d, old)) ops.push({ op: 'update-destination', key, destination: d });
    }
  }
  return ops;
}

/**
 * What to do when the kernel's answer shows the table moved under us (another tool, or a
 * stale read): the operation that achieves the same end, or 'done' when the kernel is
 * already where we wanted it, or undefined when the error is real.
 */
export function recoveryFor(op: Operation, error: IpvsError): Operation | 'done' | undefined {
  switch (op.op) {
    case 'add-service':
      return error.errno === 'EEXIST' ? { op: 'update-service', service: op.service } : undefined;
    case 'update-service':
      return error.errno === 'ESRCH' ? { op: 'add-service', service: op.service } : undefined;
    case 'delete-service':
      return error.errno === 'ESRCH' ? 'done' : undefined;
    case 'add-destination':
      return error.errno === 'EEXIST' ? { op: 'update-destination', key: op.key, destination: op.destination } : undefined;
    case 'update-destination':
      return error.errno === 'ENOENT' ? { op: 'add-destination', key: op.key, destination: op.destination } : undefined;
    case 'delete-destination':
      return error.errno === 'ENOENT' || error.errno === 'ESRCH' ? 'done' : undefined;
  }
}

/** The part of the client that reconciliation needs (a fake in unit tests, IpvsClient for real). */
export interface IpvsApplier {
  table(): Promise<readonly TableService[]>;
  apply(operations: readonly Operation[]): Promise<OperationResult[]>;
}

export interface ReconcileReport {
  /** Operations the kernel accepted (recoveries included, as they were sent). */
  readonly applied: readonly Operation[];
  /** Operations the kernel refused for a reason other than the table having moved. */
  readonly failed: ReadonlyArray<{ readonly operation: Operation; readonly error: IpvsError }>;
}

/** Reads the kernel, plans, applies, and retries once what the kernel says already happened differently. */
export async function reconcile(ipvs: IpvsApplier, desired: readonly TableService[]): Promise<ReconcileReport> {
  return applyPlan(ipvs, planChanges(desired, await ipvs.table()));
}

export async function applyPlan(ipvs: IpvsApplier, plan: readonly Operation[]): Promise<ReconcileReport> {
  const applied: Operation[] = [];
  const failed: Array<{ operation: Operation; error: IpvsError }> = [];
  const retries: Operation[] = [];
  for (const r of await ipvs.apply(plan)) {
    if (r.error === undefined) {
      applied.push(r.operation);
      continue;
    }
    const next = recoveryFor(r.operation, r.error);
    if (next === 'done') continue;
    if (next === undefined) failed.push({ operation: r.operation, error: r.error });
    else retries.push(next);
  }
  for (const r of await ipvs.apply(retries)) {
    if (r.error === undefined) applied.push(r.operation);
    else failed.push({ operation: r.operation, error: r.error });
  }
  return { applied, failed };
}
