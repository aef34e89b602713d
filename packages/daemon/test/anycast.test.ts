import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic, load, type Config } from '@tandem/config';
import { describeOperation, type IpvsClient, type Operation, type OperationResult, serviceId, type TableService } from '@tandem/ipvs';
import type { RouteSpec } from '@tandem/net';
import { type AnnounceHost, Announcer } from '../src/anycast/announcer.js';
import { Announcements } from '../src/anycast/announcements.js';
import { planAnnouncements, type ServiceView } from '../src/anycast/plan.js';
import { LvsService } from '../src/lvs-service.js';
import { until } from './until.js';
import { linesLogger } from './test-log.js';

// The announcements as a pure plan over the virtual servers' views, the announcer on a fake
// host (the real one, a TUN device and routes picked up by FRR, is tested in namespaces and in
// the guest), and the order against IPVS through LvsService on an in-memory kernel.

const dir = mkdtempSync(join(tmpdir(), 'tandem-anycast-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function model(text: string): Config {
  const p = join(dir, `k${n++}.conf`);
  writeFileSync(p, text);
  const r = load(p);
  if (r.config === undefined) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return r.config;
}

const vs = (address: string, port: number, announce: string | undefined, extra = ''): string =>
  `virtual_server ${address} ${port} {\n  lb_algo mh\n  lb_kind DR\n  protocol TCP\n${announce !== undefined ? `  @tandem announce ${announce}\n` : ''}${extra}  real_server 10.52.0.21 ${port} {\n  }\n}\n`;

const up: ServiceView = { quorumUp: true, programmed: true };

test('plan: a prefix is announced while every virtual server naming it has quorum and is in IPVS; the first veto says why not', (t) => {
  const c = model(vs('10.60.0.100', 80, '') + vs('10.60.0.100', 443, '') + vs('10.60.0.100', 8080, undefined) + vs('10.60.0.101', 80, '10.60.0.0/24'));
  const views = new Map<string, ServiceView>([
    ['10.60.0.100:80/TCP', up],
    ['10.60.0.100:443/TCP', up],
    ['10.60.0.100:8080/TCP', { quorumUp: false, programmed: true }],
    ['10.60.0.101:80/TCP', up],
  ]);
  const plan = () => planAnnouncements(c.virtualServers, (name) => views.get(name)).map((p) => [p.key, p.announce, p.reason, p.virtualServers.join(' ')]);
  t.deepEqual(plan(), [
    ['10.60.0.100/32', true, '10.60.0.100:80/TCP, 10.60.0.100:443/TCP have quorum', '10.60.0.100:80/TCP 10.60.0.100:443/TCP'],
    ['10.60.0.0/24', true, '10.60.0.101:80/TCP has quorum', '10.60.0.101:80/TCP'],
  ], 'a virtual server without an announce line (8080, no quorum) has no say');
  views.set('10.60.0.100:443/TCP', { quorumUp: false, programmed: true });
  views.set('10.60.0.101:80/TCP', { quorumUp: true, programmed: false, error: 'EINVAL (an address without a route)' });
  t.deepEqual(plan(), [
    ['10.60.0.100/32', false, '10.60.0.100:443/TCP has lost its quorum', '10.60.0.100:80/TCP 10.60.0.100:443/TCP'],
    ['10.60.0.0/24', false, '10.60.0.101:80/TCP is not in IPVS: EINVAL (an address without a route)', '10.60.0.101:80/TCP'],
  ]);
  t.deepEqual(planAnnouncements(c.virtualServers, () => undefined)[0]!.reason, '10.60.0.100:80/TCP is not checked (tandemd runs without checks: -P)');
  t.deepEqual(planAnnouncements(c.virtualServers, () => ({ quorumUp: true, programmed: false }))[0]!.reason, '10.60.0.100:80/TCP is not in IPVS yet');
});

/** A host whose interface and routes are lists; `events` is what happened, in order. */
class FakeHost implements AnnounceHost {
  readonly events: string[];
  readonly routes = new Map<string, RouteSpec>();
  ifaces = 0;
  failOpen: string | undefined;
  failAdd = new Set<string>();
  private next = 7;

  constructor(events: string[] = []) {
    this.events = events;
  }

  openInterface(name: string): Promise<{ ifindex: number; close(): void }> {
    if (this.failOpen !== undefined) return Promise.reject(new Error(this.failOpen));
    const ifindex = this.next++;
    this.ifaces++;
    this.events.push(`open ${name} ${ifindex}`);
    return Promise.resolve({
      ifindex,
      close: () => {
        this.ifaces--;
        this.events.push(`close ${name}`);
        for (const [k, r] of this.routes) if (r.ifindex === ifindex) this.routes.delete(k);
      },
    });
  }

  async addRoute(spec: RouteSpec): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const key = `${spec.destination}/${spec.prefix}`;
    if (this.failAdd.has(key)) throw new Error('EINVAL');
    this.routes.set(key, spec);
    this.events.push(`route add ${key} dev ${spec.ifindex}`);
  }

  async removeRoute(spec: RouteSpec): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const key = `${spec.destination}/${spec.prefix}`;
    this.routes.delete(key);
    this.events.push(`route del ${key}`);
  }
}

const planned = (key: string, announce: boolean, reason = announce ? 'has quorum' : 'lost its quorum') => {
  const [address = '', prefix = '32'] = key.split('/');
  return { key, address, prefix: Number(prefix), family: 4 as const, announce, reason, virtualServers: ['vs'] };
};

test('announcer: one route per announced prefix through the interface, made at the first plan; withdrawals remove exactly theirs', async (t) => {
  const host = new FakeHost();
  const lines: string[] = [];
  const a = new Announcer(host, linesLogger(lines));
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', false)]);
  t.deepEqual(host.events, ['open tandem-anycast 7'], 'the interface exists from the first plan, before anything is announced');
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true), planned('10.60.0.0/24', true)]);
  t.deepEqual([...host.routes.keys()], ['10.60.0.100/32', '10.60.0.0/24']);
  t.like(host.routes.get('10.60.0.100/32'), { type: 'unicast', ifindex: 7, scope: 253 });
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', false), planned('10.60.0.0/24', true)]);
  t.deepEqual([...host.routes.keys()], ['10.60.0.0/24']);
  t.true(lines.includes('warn: announce: 10.60.0.100/32 withdrawn: lost its quorum'), lines.join('\n'));
  t.deepEqual(a.status(), {
    interface: 'tandem-anycast',
    prefixes: [
      { prefix: '10.60.0.100/32', announced: false, reason: 'lost its quorum', virtualServers: ['vs'] },
      { prefix: '10.60.0.0/24', announced: true, reason: 'has quorum', virtualServers: ['vs'] },
    ],
  });
  await a.apply('tandem-anycast', []);
  t.deepEqual(host.events.slice(-2), ['route del 10.60.0.0/24', 'close tandem-anycast'], 'no prefix left: the routes go, then the interface');
  t.is(host.ifaces, 0);
});

test('announcer: a burst of plans while one is applied ends in the last one, applied once', async (t) => {
  const host = new FakeHost();
  const a = new Announcer(host, linesLogger([]));
  const flips = Array.from({ length: 20 }, (_v, i) => a.apply('tandem-anycast', [planned('10.60.0.100/32', i % 2 === 0)]));
  await Promise.all(flips);
  // The first plan (announce) runs; the 19 that came meanwhile collapse into the last (withdraw).
  t.deepEqual(host.events, ['open tandem-anycast 7', 'route add 10.60.0.100/32 dev 7', 'route del 10.60.0.100/32']);
});

test('announcer: an interface that cannot be made announces nothing, says so once, and is tried again at the next plan', async (t) => {
  const host = new FakeHost();
  host.failOpen = 'tun: an interface named tandem-anycast already exists';
  const lines: string[] = [];
  const a = new Announcer(host, linesLogger(lines));
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true)]);
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true)]);
  t.deepEqual(lines.filter((l) => l.startsWith('error')), ['error: announce: cannot create interface tandem-anycast: tun: an interface named tandem-anycast already exists; nothing is announced']);
  t.like(a.status(), { interface: null, error: 'cannot create interface tandem-anycast: tun: an interface named tandem-anycast already exists', prefixes: [{ announced: false }] });
  host.failOpen = undefined;
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true)]);
  t.deepEqual([...host.routes.keys()], ['10.60.0.100/32']);
  t.is(a.status().error, undefined);
});

test('announcer: a route the kernel refuses is not counted as announced and is tried again; a renamed interface moves the routes', async (t) => {
  const host = new FakeHost();
  host.failAdd.add('10.60.0.100/32');
  const lines: string[] = [];
  const a = new Announcer(host, linesLogger(lines));
  await a.apply('any0', [planned('10.60.0.100/32', true)]);
  t.false(a.status().prefixes[0]!.announced);
  t.true(lines.some((l) => l === 'error: announce: cannot add the route of 10.60.0.100/32: EINVAL; it is not announced'));
  host.failAdd.clear();
  await a.apply('any0', [planned('10.60.0.100/32', true)]);
  t.true(a.status().prefixes[0]!.announced);
  await a.apply('any1', [planned('10.60.0.100/32', true)]);
  t.deepEqual(host.events.slice(-4), ['route del 10.60.0.100/32', 'close any0', 'open any1 8', 'route add 10.60.0.100/32 dev 8']);
});

test('announcer: withdrawAll removes every route, counts them, and no plan after it announces again', async (t) => {
  const host = new FakeHost();
  const a = new Announcer(host, linesLogger([]));
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true), planned('10.60.0.101/32', true)]);
  t.is(await a.withdrawAll(), 2);
  await a.apply('tandem-anycast', [planned('10.60.0.100/32', true)]);
  t.is(host.routes.size, 0);
  t.is(host.ifaces, 1, 'the interface stays until close(): IPVS is still serving');
  a.close();
  t.is(host.ifaces, 0);
});

/** An in-memory IPVS that writes each operation to the shared event list. */
class KernelInMemory {
  private readonly services = new Map<string, TableService>();
  constructor(private readonly events: string[]) {}
  table(): Promise<TableService[]> {
    return Promise.resolve([...this.services.values()]);
  }
  apply(ops: readonly Operation[]): Promise<OperationResult[]> {
    for (const op of ops) {
      this.events.push(`ipvs ${describeOperation(op)}`);
      const id = serviceId('key' in op ? op.key : op.service.key);
      if (op.op === 'add-service') this.services.set(id, { service: op.service, destinations: [] });
      if (op.op === 'delete-service') this.services.delete(id);
    }
    return Promise.resolve(ops.map((operation) => ({ operation })));
  }
}

test('with LvsService: the route follows the quorum, withdrawn at its loss, announced again only once IPVS has the real server back', async (t) => {
  const file = join(dir, 'rs.state');
  writeFileSync(file, '0\n');
  const config = model(`track_file rs {\n  file ${file}\n  weight 0\n}\n${vs('10.60.0.100', 80, '', '')}`.replace('  real_server 10.52.0.21 80 {\n  }', '  real_server 10.52.0.21 80 {\n    FILE_CHECK {\n      track_file rs\n    }\n  }'));
  const events: string[] = [];
  const host = new FakeHost(events);
  const lines: string[] = [];
  const lvs = new LvsService(linesLogger(lines));
  const ann = Announcements.forConfig(config, (c) => c, linesLogger(lines), Object.assign(host, { close: () => undefined }))!;
  lvs.onServiceState = () => void ann.update(config, (name) => lvs.serviceView(name));
  try {
    await lvs.start(config, new KernelInMemory(events) as unknown as IpvsClient);
    await until('the announcement', () => host.routes.size === 1);
    t.deepEqual(events, ['ipvs add service TCP 10.60.0.100:80 mh', 'ipvs add destination TCP 10.60.0.100:80 -> 10.52.0.21:80 droute weight 1', 'open tandem-anycast 7', 'route add 10.60.0.100/32 dev 7'], 'IPVS holds the real server before the route is there');
    events.length = 0;
    writeFileSync(file, '1\n');
    await until('the withdrawal', () => host.routes.size === 0 && events.some((e) => e.startsWith('ipvs')));
    // The withdrawal starts at the quorum change, beside the IPVS sync it schedules (either may
    // reach the kernel first: the real servers that lost the quorum serve nothing either way).
    t.deepEqual([...events].sort(), ['ipvs delete destination TCP 10.60.0.100:80 -> 10.52.0.21:80', 'route del 10.60.0.100/32']);
    t.true(lines.includes('warn: announce: 10.60.0.100/32 withdrawn: 10.60.0.100:80/TCP has lost its quorum'), lines.join('\n'));
    events.length = 0;
    writeFileSync(file, '0\n');
    await until('the announcement again', () => host.routes.size === 1);
    const add = events.indexOf('route add 10.60.0.100/32 dev 7');
    t.true(add > events.findIndex((e) => e.startsWith('ipvs')), `IPVS first: ${events.join(' | ')}`);
  } finally {
    await ann.withdraw(config, false);
    await lvs.stop();
    ann.close();
  }
  t.is(host.routes.size, 0);
});
