import test from 'ava';
import fc from 'fast-check';
import type { OperationResult } from '../src/client.js';
import { destinationId, serviceId } from '../src/describe.js';
import { IpvsError } from '../src/errors.js';
import type { Operation } from '../src/operations.js';
import { applyPlan, type IpvsApplier, planChanges, reconcile } from '../src/reconcile.js';
import type { Destination, Service, TableService } from '../src/types.js';

/**
 * An in-memory table that answers operations with the errno the kernel's ip_vs_ctl.c uses,
 * for testing the pure planner and the retry rules. The real kernel is tested in the VM.
 */
class TableModel implements IpvsApplier {
  readonly services = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  readonly sent: Operation[] = [];

  constructor(initial: readonly TableService[] = []) {
    for (const t of initial) this.services.set(serviceId(t.service.key), { service: t.service, dests: new Map(t.destinations.map((d) => [destinationId(d), d])) });
  }

  table(): Promise<TableService[]> {
    return Promise.resolve([...this.services.values()].map((s) => ({ service: s.service, destinations: [...s.dests.values()] })));
  }

  private one(op: Operation): string | undefined {
    this.sent.push(op);
    const sid = serviceId('key' in op ? op.key : op.service.key);
    const svc = this.services.get(sid);
    switch (op.op) {
      case 'add-service':
        if (svc !== undefined) return 'EEXIST';
        this.services.set(sid, { service: op.service, dests: new Map() });
        return undefined;
      case 'update-service':
        if (svc === undefined) return 'ESRCH';
        svc.service = op.service;
        return undefined;
      case 'delete-service':
        if (svc === undefined) return 'ESRCH';
        this.services.delete(sid);
        return undefined;
    }
    if (svc === undefined) return 'ESRCH';
    // The kernel refuses a real server it has no route to.
    if (op.destination.address === '10.0.0.99' && op.op === 'add-destination') return 'EINVAL';
    const did = destinationId(op.destination);
    const has = svc.dests.has(did);
    if (op.op === 'add-destination' && has) return 'EEXIST';
    if (op.op !== 'add-destination' && !has) return 'ENOENT';
    if (op.op === 'delete-destination') svc.dests.delete(did);
    else svc.dests.set(did, op.destination);
    return undefined;
  }

  apply(operations: readonly Operation[]): Promise<OperationResult[]> {
    const errnos: Record<string, number> = { EEXIST: 17, ESRCH: 3, ENOENT: 2, EINVAL: 22 };
    return Promise.resolve(
      operations.map((operation) => {
        const e = this.one(operation);
        return e === undefined ? { operation } : { operation, error: IpvsError.fromErrno(operation.op, errnos[e] ?? 22) };
      }),
    );
  }
}

const svc = (port: number, scheduler = 'wlc'): Service => ({ key: { family: 'inet', protocol: 'tcp', address: '192.0.2.10', port }, scheduler, flags: 0, timeout: 0, netmask: 32 });
const dest = (last: number, weight = 1): Destination => ({ address: `10.0.0.${last}`, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 });

test('an identical table needs no operation at all', (t) => {
  const table = [{ service: svc(80), destinations: [dest(1), dest(2)] }];
  t.deepEqual(planChanges(table, table), []);
});

test('one changed weight among a thousand services is one update-destination', (t) => {
  const current = Array.from({ length: 1000 }, (_v, i) => ({ service: svc(1000 + i), destinations: Array.from({ length: 10 }, (_w, j) => dest(j + 1)) }));
  const desired = current.map((s, i) => (i === 500 ? { ...s, destinations: s.destinations.map((d, j) => (j === 3 ? { ...d, weight: 0 } : d)) } : s));
  t.deepEqual(planChanges(desired, current), [{ op: 'update-destination', key: svc(1500).key, destination: { ...dest(4), weight: 0 } }]);
});

test('a removed service is one delete (its destinations go with it), an added one is add then its destinations', (t) => {
  const ops = planChanges([{ service: svc(443), destinations: [dest(1)] }], [{ service: svc(80), destinations: [dest(1), dest(2)] }]);
  t.deepEqual(
    ops.map((o) => o.op),
    ['delete-service', 'add-service', 'add-destination'],
  );
});

test('removals go last entry first (the kernel\'s trash of removed destinations then hands them back first when they return in order)', (t) => {
  const table = [80, 81, 82].map((port) => ({ service: svc(port), destinations: [dest(1), dest(2), dest(3)] }));
  const stop = planChanges([], table);
  t.deepEqual(
    stop.map((o) => (o.op === 'delete-service' ? o.key : undefined)),
    [82, 81, 80].map((port) => svc(port).key),
  );
  const fewer = planChanges([{ service: svc(80), destinations: [dest(2)] }], [{ service: svc(80), destinations: [dest(1), dest(2), dest(3)] }]);
  t.deepEqual(
    fewer.map((o) => (o.op === 'delete-destination' ? o.destination.address : o.op)),
    [dest(3).address, dest(1).address],
  );
});

test('a changed scheduler is an update-service; IPv6 spelt two ways is the same destination', (t) => {
  const v6 = (a: string): Destination => ({ ...dest(1), address: a });
  const ops = planChanges([{ service: svc(80, 'rr'), destinations: [v6('2001:db8::1')] }], [{ service: svc(80), destinations: [v6('2001:0db8:0::1')] }]);
  t.deepEqual(
    ops.map((o) => o.op),
    ['update-service'],
  );
});

test('when the kernel moved under us, an add that finds the entry becomes an update and a delete of a missing one is done', async (t) => {
  const kernel = new TableModel([{ service: svc(80), destinations: [dest(1)] }]);
  // Plan from a stale view in which the kernel was empty, and in which dest 9 existed.
  const stale = planChanges([{ service: svc(80), destinations: [dest(1, 5)] }], [{ service: svc(81), destinations: [] }]);
  const report = await applyPlan(kernel, [...stale, { op: 'delete-destination', key: svc(80).key, destination: dest(9) }]);
  t.deepEqual(report.failed, []);
  t.deepEqual(await kernel.table(), [{ service: svc(80), destinations: [dest(1, 5)] }]);
});

test('a refusal that is not about the table moving is reported, and the rest still applies', async (t) => {
  const kernel = new TableModel();
  const report = await reconcile(kernel, [{ service: svc(80), destinations: [dest(99), dest(1)] }, { service: svc(81), destinations: [dest(2)] }]);
  t.deepEqual(
    report.failed.map((f) => [f.operation.op, f.error.errno]),
    [['add-destination', 'EINVAL']],
  );
  t.is(report.applied.length, 4);
  t.is((await kernel.table()).flatMap((s) => s.destinations).length, 2);
});

const arbDest = fc.record({ last: fc.integer({ min: 1, max: 6 }), weight: fc.integer({ min: 0, max: 3 }), forward: fc.constantFrom('masq' as const, 'droute' as const, 'tunnel' as const) });
const arbTable = fc
  .uniqueArray(
    fc.record({ port: fc.integer({ min: 1, max: 8 }), scheduler: fc.constantFrom('rr', 'wlc', 'sh'), dests: fc.uniqueArray(arbDest, { selector: (d) => d.last, maxLength: 5 }) }),
    { selector: (s) => s.port, maxLength: 6 },
  )
  .map((ss) => ss.map((s) => ({ service: svc(s.port, s.scheduler), destinations: s.dests.map((d) => ({ ...dest(d.last, d.weight), forward: d.forward })) })));

test('property: applying the plan reaches the desired table, and planning again gives nothing', async (t) => {
  await fc.assert(
    fc.asyncProperty(arbTable, arbTable, async (current, desired) => {
      const kernel = new TableModel(current);
      const report = await reconcile(kernel, desired);
      const after = await kernel.table();
      return report.failed.length === 0 && planChanges(desired, after).length === 0 && after.length === desired.length && kernel.sent.length === planChanges(desired, current).length;
    }),
  );
  t.pass();
});

// Addresses with duplicates among them: IPv4 texts, and IPv6 ones written two ways.
const SPELLINGS = [['10.0.0.1'], ['10.0.0.2'], ['2001:db8::1', '2001:db8:0::1', '2001:DB8::1'], ['2001:db8::2', '2001:0db8::2'], ['::ffff:10.0.0.1']] as const;
const arbSpelled = fc.record({ address: fc.integer({ min: 0, max: SPELLINGS.length - 1 }), spelling: fc.nat(2), port: fc.integer({ min: 1, max: 2 }) }).map(({ address, spelling, port }) => {
  const ways = SPELLINGS[address]!;
  return { ...dest(1, 1), address: ways[spelling % ways.length]!, port };
});

test('property: a new service gets each address and port once, the first written, in short and long lists', (t) => {
  fc.assert(
    fc.property(fc.array(arbSpelled, { maxLength: 40 }), (ds) => {
      const added = planChanges([{ service: svc(80, 'rr'), destinations: ds }], [])
        .filter((o) => o.op === 'add-destination')
        .map((o) => (o.op === 'add-destination' ? o.destination : undefined));
      // The first of each identity, in order.
      const firsts = ds.filter((d, i) => ds.findIndex((e) => destinationId(e) === destinationId(d)) === i);
      return added.length === firsts.length && added.every((d, i) => d === firsts[i]);
    }),
  );
  t.pass();
});
