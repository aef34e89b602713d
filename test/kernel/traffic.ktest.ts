import assert from 'node:assert/strict';
import { type Destination, IpvsClient, reconcile, type Service, type TableService } from '@tandem/ipvs';
import { klog, ktest } from './harness.js';
import { sh } from './guest-sh.js';
import { ask, count, lanLab, natLab, waitServing } from './labs.js';

// Real traffic from a client namespace through the guest's IPVS (the guest's own namespace is
// the director) to real servers in their own namespaces, each answering with its name.

const service = (vip: string, scheduler: string): Service => ({ key: { family: 'inet', protocol: 'tcp', address: vip, port: 80 }, scheduler, flags: 0, timeout: 0, netmask: 32 });
const dest = (address: string, forward: Destination['forward'], weight = 1): Destination => ({ address, port: 80, forward, weight, upperThreshold: 0, lowerThreshold: 0, ...(forward === 'tunnel' ? { tunnel: { type: 'ipip' as const, port: 0, checksum: 'nocsum' as const } } : {}) });


ktest('traffic: NAT through the VIP, round-robin spread, weights, and a weight-0 server gets no new connections', async () => {
  const lab = natLab();
  const ipvs = await IpvsClient.open();
  try {
    const table = (scheduler: string, w1: number, w2: number): TableService[] => [{ service: service('198.51.100.1', scheduler), destinations: [dest('10.1.1.2', 'masq', w1), dest('10.1.2.2', 'masq', w2)] }];
    await reconcile(ipvs, table('rr', 1, 1));
    await waitServing('198.51.100.1');
    const rr = count(ask('198.51.100.1', 10));
    klog(`rr: ${JSON.stringify(rr)}`);
    assert.deepEqual(rr, { kr1: 5, kr2: 5 });

    await reconcile(ipvs, table('wrr', 3, 1));
    const wrr = count(ask('198.51.100.1', 8));
    klog(`wrr 3:1: ${JSON.stringify(wrr)}`);
    assert.deepEqual(wrr, { kr1: 6, kr2: 2 });

    await reconcile(ipvs, table('wrr', 0, 1));
    assert.deepEqual(count(ask('198.51.100.1', 6)), { kr2: 6 });
    const conns = sh('ipvsadm', '-Lnc');
    assert.match(conns, /TCP .*198\.51\.100\.2:\d+\s+198\.51\.100\.1:80\s+10\.1\.2\.2:80/);
  } finally {
    ipvs.close();
    lab.teardown();
  }
}, 120_000);

for (const mode of ['droute', 'tunnel'] as const) {
  ktest(`traffic: ${mode === 'droute' ? 'DR (VIP on the real servers\' loopback, no ARP for it)' : 'TUN (ipip to the real servers)'}, replies straight to the client`, async () => {
    const lab = lanLab(mode);
    const ipvs = await IpvsClient.open();
    try {
      await reconcile(ipvs, [{ service: service('10.2.0.100', 'rr'), destinations: [dest('10.2.0.11', mode), dest('10.2.0.12', mode)] }]);
      await waitServing('10.2.0.100');
      const spread = count(ask('10.2.0.100', 10));
      klog(`${mode}: ${JSON.stringify(spread)}`);
      assert.deepEqual(spread, { kr1: 5, kr2: 5 });
      // The client learnt the director's MAC for the VIP, not a real server's.
      const neigh = sh('ip', '-n', 'kc', 'neigh', 'show', '10.2.0.100');
      const directorMac = sh('cat', '/sys/class/net/kbr/address').trim();
      assert.ok(neigh.includes(directorMac), `client's neighbour entry for the VIP: ${neigh}`);
    } finally {
      ipvs.close();
      lab.teardown();
    }
  }, 120_000);
}
