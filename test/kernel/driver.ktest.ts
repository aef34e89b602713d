import assert from 'node:assert/strict';
import { type Destination, IpvsClient, IpvsError, PackageGenlSocket, planChanges, reconcile, type Service, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, type TableService } from '@tandem/ipvs';
import { NetlinkSocket } from '@tandem/net';
import { klog, ktest } from './harness.js';
import { script, sh } from './guest-sh.js';

// Driver tests against the guest kernel's IPVS, in the guest's own namespace. Real servers sit
// on a dummy interface's subnets: the kernel refuses destinations it has no unicast route to.
// The client talks through @tandem/net's native socket, as tandemd does; one test runs the
// same reads and writes through the `netlink` package's socket, the client's default.

let prepared = false;
async function fresh(): Promise<IpvsClient> {
  if (!prepared) {
    script(`ip link add tnd0 type dummy
ip addr add 10.0.0.1/24 dev tnd0
ip -6 addr add 2001:db8:1::1/64 dev tnd0 nodad
ip link set tnd0 up`);
    prepared = true;
  }
  const ipvs = await IpvsClient.open({ socket: () => new NetlinkSocket() });
  await ipvs.flush();
  return ipvs;
}

const strip = <T extends object>(entry: T, ...keys: string[]): Partial<T> => Object.fromEntries(Object.entries(entry).filter(([k]) => !keys.includes(k))) as Partial<T>;
const tcp = (port: number, scheduler = 'wlc', extra: Partial<Service> = {}): Service => ({ key: { family: 'inet', protocol: 'tcp', address: '192.0.2.1', port }, scheduler, flags: 0, timeout: 0, netmask: 32, ...extra });
const real = (last: number, extra: Partial<Destination> = {}): Destination => ({ address: `10.0.0.${last}`, port: 80, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0, ...extra });

async function add(ipvs: IpvsClient, services: readonly Service[]): Promise<void> {
  const results = await ipvs.apply(services.map((service) => ({ op: 'add-service' as const, service })));
  const failed = results.filter((r) => r.error !== undefined).map((r) => r.error?.message);
  assert.deepEqual(failed, []);
}

ktest('driver: IPVS info, and the family resolved in the guest kernel', async () => {
  const ipvs = await fresh();
  try {
    const info = await ipvs.info();
    assert.equal(info.version, '1.2.1');
    assert.ok(info.connTableSize > 0);
    assert.deepEqual(await ipvs.services(), []);
  } finally {
    ipvs.close();
  }
});

ktest('driver: every scheduler of this kernel, with sh and mh flags, reads back as written and as ipvsadm shows it', async () => {
  const ipvs = await fresh();
  try {
    const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];
    const services = schedulers.map((s, i) => tcp(1000 + i, s, s === 'sh' || s === 'mh' ? { flags: SVC_F_SCHED1 | SVC_F_SCHED2 } : {}));
    await add(ipvs, services);
    const back = (await ipvs.services()).map((s) => strip(s, 'stats'));
    assert.deepEqual(
      back.sort((a, b) => ((a.key as { port: number }).port - (b.key as { port: number }).port)),
      services,
    );
    const listing = sh('ipvsadm', '-Ln');
    klog(listing);
    for (const [i, s] of schedulers.entries()) assert.match(listing, new RegExp(`TCP  192\\.0\\.2\\.1:${1000 + i} ${s}\\b`));
    assert.match(listing, /:1007 sh \(sh-fallback,sh-port\)/);
    assert.match(listing, /:1012 mh \(mh-fallback,mh-port\)/);
  } finally {
    ipvs.close();
  }
});

ktest('driver: UDP, SCTP, IPv6 and fwmark services, persistence with granularity, one-packet, the sip engine', async () => {
  const ipvs = await fresh();
  try {
    const services: Service[] = [
      { key: { family: 'inet', protocol: 'udp', address: '192.0.2.2', port: 53 }, scheduler: 'rr', flags: SVC_F_ONEPACKET, timeout: 0, netmask: 32 },
      { key: { family: 'inet', protocol: 'sctp', address: '192.0.2.2', port: 3868 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 32 },
      { key: { family: 'inet', protocol: 'tcp', address: '192.0.2.2', port: 443 }, scheduler: 'wlc', flags: SVC_F_PERSISTENT, timeout: 300, netmask: 24 },
      { key: { family: 'inet6', protocol: 'tcp', address: '2001:db8::10', port: 80 }, scheduler: 'wlc', flags: SVC_F_PERSISTENT, timeout: 600, netmask: 64 },
      { key: { family: 'inet', fwmark: 7 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 32 },
      { key: { family: 'inet6', fwmark: 8 }, scheduler: 'sh', flags: 0, timeout: 0, netmask: 128 },
      { key: { family: 'inet', protocol: 'udp', address: '192.0.2.2', port: 5060 }, scheduler: 'rr', flags: SVC_F_PERSISTENT, timeout: 360, netmask: 32, pe: 'sip' },
    ];
    await add(ipvs, services);
    const back = (await ipvs.services()).map((s) => strip(s, 'stats'));
    for (const s of services) assert.deepEqual(back.find((b) => JSON.stringify(b.key) === JSON.stringify(s.key)), s);
    const listing = sh('ipvsadm', '-Ln');
    klog(listing);
    assert.match(listing, /UDP {2}192\.0\.2\.2:53 rr ops/);
    assert.match(listing, /SCTP 192\.0\.2\.2:3868 rr/);
    assert.match(listing, /TCP {2}192\.0\.2\.2:443 wlc persistent 300 mask 255\.255\.255\.0/);
    assert.match(listing, /TCP {2}\[2001:db8::10\]:80 wlc persistent 600 mask 64/);
    assert.match(listing, /FWM {2}7 rr/);
    assert.match(listing, /FWM {2}8 IPv6 sh/);
    assert.match(listing, /UDP {2}192\.0\.2\.2:5060 rr persistent 360 pe sip/);
  } finally {
    ipvs.close();
  }
});

ktest('driver: destinations in NAT, DR and every tunnel kind, with weights and thresholds', async () => {
  const ipvs = await fresh();
  try {
    const svc = tcp(80);
    const dests: Destination[] = [
      real(11),
      real(12, { forward: 'droute', weight: 5 }),
      real(13, { forward: 'tunnel', tunnel: { type: 'ipip', port: 0, checksum: 'nocsum' } }),
      real(14, { forward: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } }),
      real(15, { forward: 'tunnel', tunnel: { type: 'gre', port: 0, checksum: 'remcsum' } }),
      real(16, { weight: 0, upperThreshold: 100, lowerThreshold: 10 }),
    ];
    await add(ipvs, [svc]);
    const results = await ipvs.apply(dests.map((destination) => ({ op: 'add-destination' as const, key: svc.key, destination })));
    assert.deepEqual(results.filter((r) => r.error).map((r) => r.error?.message), []);
    const back = (await ipvs.destinations(svc.key)).map((d) => strip(d, 'stats', 'activeConns', 'inactiveConns', 'persistConns'));
    assert.deepEqual(back.sort((a, b) => String(a.address).localeCompare(String(b.address))), dests);
    const listing = sh('ipvsadm', '-Ln');
    klog(listing);
    assert.match(listing, /-> 10\.0\.0\.11:80\s+Masq\s+1/);
    assert.match(listing, /-> 10\.0\.0\.12:80\s+Route\s+5/);
    assert.match(listing, /-> 10\.0\.0\.13:80\s+Tunnel\s+1/);
    const thresholds = sh('ipvsadm', '-Ln', '--thresholds');
    assert.match(thresholds, /-> 10\.0\.0\.16:80\s+100\s+10\s/);
    // An IPv6 service takes IPv6 destinations.
    const v6: Service = { key: { family: 'inet6', protocol: 'tcp', address: '2001:db8::10', port: 80 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 128 };
    await add(ipvs, [v6]);
    await ipvs.run({ op: 'add-destination', key: v6.key, destination: { ...real(0), address: '2001:db8:1::20' } });
    assert.equal((await ipvs.destinations(v6.key))[0]?.address, '2001:db8:1::20');
  } finally {
    ipvs.close();
  }
});

ktest('driver: updates and deletes, and each refusal carries the errno the kernel means', async () => {
  const ipvs = await fresh();
  try {
    const svc = tcp(80);
    await add(ipvs, [svc]);
    await ipvs.run({ op: 'add-destination', key: svc.key, destination: real(11) });
    await ipvs.run({ op: 'update-service', service: { ...svc, scheduler: 'rr' } });
    await ipvs.run({ op: 'update-destination', key: svc.key, destination: real(11, { weight: 7, forward: 'droute' }) });
    assert.equal((await ipvs.service(svc.key))?.scheduler, 'rr');
    assert.deepEqual((await ipvs.destinations(svc.key)).map((d) => [d.weight, d.forward]), [[7, 'droute']]);
    const refused = async (p: Promise<void>, errno: string): Promise<void> => {
      await assert.rejects(p, (err: unknown) => err instanceof IpvsError && err.code === 'IPVS_ERR_KERNEL' && err.errno === errno);
    };
    await refused(ipvs.run({ op: 'add-service', service: svc }), 'EEXIST');
    await refused(ipvs.run({ op: 'add-destination', key: svc.key, destination: real(11) }), 'EEXIST');
    await refused(ipvs.run({ op: 'delete-destination', key: svc.key, destination: real(99) }), 'ENOENT');
    await refused(ipvs.run({ op: 'delete-service', key: tcp(81).key }), 'ESRCH');
    await refused(ipvs.run({ op: 'add-service', service: tcp(82, 'nosuch') }), 'ENOENT');
    await refused(ipvs.run({ op: 'add-destination', key: svc.key, destination: real(12, { upperThreshold: 5, lowerThreshold: 10 }) }), 'ERANGE');
    await refused(ipvs.run({ op: 'add-destination', key: svc.key, destination: { ...real(0), address: '224.0.0.5' } }), 'EINVAL');
    assert.equal(await ipvs.service(tcp(81).key), undefined);
    await ipvs.run({ op: 'delete-destination', key: svc.key, destination: real(11) });
    await ipvs.run({ op: 'delete-service', key: svc.key });
    assert.deepEqual(await ipvs.services(), []);
  } finally {
    ipvs.close();
  }
});

ktest('driver: connection timeouts, counters zeroed, flush', async () => {
  const ipvs = await fresh();
  try {
    const before = await ipvs.timeouts();
    await ipvs.setTimeouts({ tcp: 1234, udp: 77 });
    assert.deepEqual(await ipvs.timeouts(), { tcp: 1234, tcpFin: before.tcpFin, udp: 77 });
    assert.match(sh('ipvsadm', '-L', '--timeout'), /Timeout \(tcp tcpfin udp\): 1234 \d+ 77/);
    await ipvs.setTimeouts(before);
    await add(ipvs, [tcp(80), tcp(81)]);
    await ipvs.zero(tcp(80).key);
    await ipvs.zero();
    await ipvs.flush();
    assert.equal(sh('ipvsadm', '-Sn').trim(), '');
  } finally {
    ipvs.close();
  }
});

ktest('driver: sync daemons start as master and backup with every option, list, and stop', async () => {
  const ipvs = await fresh();
  try {
    for (const s of ['master', 'backup'] as const) await ipvs.stopDaemon(s).catch(() => undefined);
    await ipvs.startDaemon({ state: 'master', interface: 'tnd0', syncId: 7, maxlen: 1400, group: '239.1.1.1', port: 8850, ttl: 2 });
    await ipvs.startDaemon({ state: 'backup', interface: 'tnd0', syncId: 9 });
    const daemons = await ipvs.daemons();
    klog(JSON.stringify(daemons));
    assert.deepEqual(
      daemons.find((d) => d.state === 'master'),
      { state: 'master', interface: 'tnd0', syncId: 7, maxlen: 1400, group: '239.1.1.1', port: 8850, ttl: 2 },
    );
    assert.equal(daemons.find((d) => d.state === 'backup')?.syncId, 9);
    const listing = sh('ipvsadm', '-L', '--daemon');
    klog(listing);
    assert.match(listing, /master sync daemon \(mcast=tnd0, syncid=7, maxlen=1400, group=239\.1\.1\.1, port=8850, ttl=2\)/);
    assert.match(listing, /backup sync daemon \(mcast=tnd0, syncid=9/);
    await assert.rejects(ipvs.startDaemon({ state: 'master', interface: 'tnd0', syncId: 7 }), (e: unknown) => e instanceof IpvsError && e.errno === 'EEXIST');
    await ipvs.stopDaemon('master');
    await ipvs.stopDaemon('backup');
    assert.deepEqual(await ipvs.daemons(), []);
    await assert.rejects(ipvs.stopDaemon('master'), (e: unknown) => e instanceof IpvsError && e.errno === 'ESRCH');
  } finally {
    ipvs.close();
  }
});

ktest('reconciler: 200 services x 10 from empty, one change is one operation, drift made by ipvsadm is repaired', async () => {
  const ipvs = await fresh();
  try {
    const desired: TableService[] = Array.from({ length: 200 }, (_v, i) => ({ service: tcp(2000 + i), destinations: Array.from({ length: 10 }, (_w, j) => real(10 + j)) }));
    const first = await reconcile(ipvs, desired);
    assert.deepEqual(first.failed, []);
    assert.equal(first.applied.length, 200 * 11);
    assert.equal(sh('ipvsadm', '-Sn').trim().split('\n').length, 200 * 11);
    assert.deepEqual(planChanges(desired, await ipvs.table()), []);

    const changed = desired.map((t, i) => (i === 150 ? { ...t, destinations: t.destinations.map((d, j) => (j === 2 ? { ...d, weight: 0 } : d)) } : t));
    const second = await reconcile(ipvs, changed);
    assert.deepEqual(second.applied.map((o) => o.op), ['update-destination']);
    assert.match(sh('ipvsadm', '-Ln', '-t', '192.0.2.1:2150'), /10\.0\.0\.12:80\s+Masq\s+0/);

    script('ipvsadm -d -t 192.0.2.1:2003 -r 10.0.0.15:80; ipvsadm -e -t 192.0.2.1:2004 -r 10.0.0.16:80 -m -w 9; ipvsadm -a -t 192.0.2.1:2005 -r 10.0.0.99:80 -m; ipvsadm -A -t 192.0.2.1:9999');
    const repair = await reconcile(ipvs, changed);
    assert.deepEqual(repair.applied.map((o) => o.op).sort(), ['add-destination', 'delete-destination', 'delete-service', 'update-destination']);
    assert.deepEqual((await reconcile(ipvs, changed)).applied, []);
  } finally {
    ipvs.close();
  }
}, 240_000);

ktest('driver: the netlink package\'s socket and the native one program and read the same table', async () => {
  const native = await fresh();
  const viaPackage = await IpvsClient.open({ socket: () => new PackageGenlSocket() });
  try {
    const desired: TableService[] = Array.from({ length: 60 }, (_v, i) => ({ service: tcp(3000 + i, i % 2 === 0 ? 'wlc' : 'rr'), destinations: Array.from({ length: 10 }, (_w, j) => real(10 + j, { weight: j })) }));
    assert.deepEqual((await reconcile(viaPackage, desired)).failed, []);
    const a = await native.table();
    const b = await viaPackage.table();
    assert.equal(a.length, 60);
    assert.deepEqual(a, b);
    assert.deepEqual(planChanges(desired, a), []);
    await native.flush();
    assert.deepEqual((await reconcile(native, desired)).failed, []);
    assert.deepEqual(planChanges(desired, await viaPackage.table()), []);
    assert.equal(sh('ipvsadm', '-Sn').trim().split('\n').length, 60 * 11);
    // Refusals come back the same way through both.
    for (const c of [native, viaPackage]) {
      await assert.rejects(c.run({ op: 'add-service', service: tcp(3000) }), (e: unknown) => e instanceof IpvsError && e.errno === 'EEXIST');
      await assert.rejects(c.run({ op: 'update-destination', key: tcp(3000).key, destination: real(99) }), (e: unknown) => e instanceof IpvsError && e.errno === 'ENOENT');
    }
  } finally {
    native.close();
    viaPackage.close();
  }
}, 120_000);
