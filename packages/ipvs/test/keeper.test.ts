import test from 'ava';
import type { OperationResult } from '../src/client.js';
import { TableKeeper } from '../src/keeper.js';
import type { Operation } from '../src/operations.js';
import { planChanges } from '../src/reconcile.js';
import type { Destination, Service, TableService } from '../src/types.js';

const svc = (port: number): Service => ({ key: { family: 'inet', protocol: 'tcp', address: '192.0.2.10', port }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 32 });
const dest = (last: number, weight = 1): Destination => ({ address: `10.0.0.${last}`, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0 });

/** Counts reads and records what is sent; its table follows the operations (no errors). */
class Recorder {
  reads = 0;
  sent: Operation[][] = [];
  table: TableService[];
  constructor(initial: TableService[]) {
    this.table = initial;
  }
  apply(ops: readonly Operation[]): Promise<OperationResult[]> {
    if (ops.length > 0) this.sent.push([...ops]);
    return new Promise((resolve) => setTimeout(() => resolve(ops.map((operation) => ({ operation }))), 5));
  }
  read(): Promise<TableService[]> {
    this.reads++;
    return Promise.resolve(this.table);
  }
}

function keeperOn(r: Recorder): TableKeeper {
  return new TableKeeper({ table: () => r.read(), apply: (o) => r.apply(o) });
}

test('a service that tandem does not own is never touched; a service it stops wanting is deleted', async (t) => {
  const foreign = { service: svc(9999), destinations: [dest(9)] };
  const r = new Recorder([foreign]);
  const keeper = keeperOn(r);
  await keeper.sync([{ service: svc(80), destinations: [dest(1)] }]);
  t.deepEqual(r.sent.flat().map((o) => o.op), ['add-service', 'add-destination']);
  await keeper.sync([]);
  t.deepEqual(r.sent.at(-1), [{ op: 'delete-service', key: svc(80).key }]);
});

test('after the first read, a health change is planned against what was programmed: one operation, no dump', async (t) => {
  const r = new Recorder([]);
  const keeper = keeperOn(r);
  const table = (w: number): TableService[] => [{ service: svc(80), destinations: [dest(1), dest(2, w)] }];
  await keeper.sync(table(1));
  await keeper.sync(table(0));
  t.is(r.reads, 1);
  t.deepEqual(r.sent.at(-1), planChanges(table(0), table(1)));
  t.is(r.sent.at(-1)?.length, 1);
});

test('syncs asked for while one runs are coalesced into one, with the latest table', async (t) => {
  const r = new Recorder([]);
  const keeper = keeperOn(r);
  const table = (w: number): TableService[] => [{ service: svc(80), destinations: [dest(1, w)] }];
  const all = [keeper.sync(table(1)), keeper.sync(table(2)), keeper.sync(table(3)), keeper.sync(table(4))];
  await Promise.all(all);
  t.is(r.sent.length, 2, 'the first, then one for the last of the three queued');
  t.deepEqual(r.sent[1], [{ op: 'update-destination', key: svc(80).key, destination: dest(1, 4) }]);
});
