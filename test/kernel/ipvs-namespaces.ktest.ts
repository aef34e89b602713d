import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepalived, stop, tandemd, type Daemon } from './daemons.js';
import { klog, ktest } from './harness.js';
import { script, sh, until } from './guest-sh.js';
import { ask, count, natLab } from './labs.js';

// keepalived's nftables_ipvs and net_namespace_ipvs, with keepalived 2.2.7 itself run first on
// the same file in the same guest: tandemd must leave the same IPVS table and the same nftables
// tables, the traffic must flow through the fwmark service, and a stop must leave nothing.

/** nftables by absolute path: under npm scripts `nft` resolves to node_modules/.bin/nft. */
const NFT = '/usr/sbin/nft';

/** The ruleset without counter values (-s), tables sorted out of the way of no one else's. */
const ruleset = (): string => sh(NFT, '-s', 'list', 'ruleset');
const table = (ns?: string): string => (ns === undefined ? sh('ipvsadm', '-Sn') : sh('ip', 'netns', 'exec', ns, 'ipvsadm', '-Sn'));

const groupFile = (extra = '', globals = ''): string => `global_defs {
    nftables_ipvs
    nftables_ipvs_start_fwmark 500
${globals}}
virtual_server_group web {
    198.51.100.1 80
    198.51.100.10-11 8080
${extra}}
virtual_server group web {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.1.2 80 {
        weight 1
    }
    real_server 10.1.2.2 80 {
        weight 1
    }
}
`;

/** A second file: UDP and IPv6 groups (keepalived ignores a virtual server whose group mixes the families), a prefix, a chain priority, counters; compared as tables only (no traffic). */
const wideFile = `global_defs {
    nftables_ipvs lb
    nftables_ipvs_priority -7
    nftables_counters
}
virtual_server_group dns {
    198.51.100.53 53
    198.51.100.64/30 5353
}
virtual_server_group web6 {
    2001:db8::80 80
    2001:db8::90-9f 80
}
virtual_server group dns {
    lb_algo wrr
    lb_kind DR
    protocol UDP
    persistence_timeout 30
    real_server 10.1.1.2 53 {
        weight 2
    }
}
virtual_server group dns {
    lb_kind DR
    protocol TCP
    real_server 10.1.1.2 53 {
    }
}
virtual_server group web6 {
    lb_kind DR
    protocol TCP
    real_server 2001:db8:1::2 80 {
    }
}
`;

/** Runs `daemon` on `file` until IPVS holds `services` services, and returns the IPVS table and the ruleset; stops it. */
async function tablesOf(start: () => Daemon, services: number, what: string): Promise<{ ipvs: string; nft: string }> {
  const d = start();
  try {
    await until(`${what}'s ${services} services`, 60_000, () => (table().split('\n').filter((l) => l.startsWith('-A')).length === services && /table /.test(ruleset()) ? true : undefined));
    // The real servers follow their services in the same batch or the next.
    await until(`${what}'s real servers`, 10_000, () => (table().split('\n').filter((l) => l.startsWith('-a')).length >= services ? true : undefined));
    return { ipvs: table(), nft: ruleset() };
  } catch (err) {
    klog(`${what}:\n${d.log().slice(-3000)}`);
    throw err;
  } finally {
    await stop(d);
    d.child.kill('SIGKILL');
  }
}

ktest('nftables_ipvs: UDP and IPv6 groups, a prefix, nftables_ipvs_priority and nftables_counters give the tables keepalived 2.2.7 gives', async () => {
  const dir = mkdtempSync('/run/tandem-nftipvs-wide-');
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, wideFile);
  script('ip link add tLd1 type dummy && ip addr add 10.1.1.1/24 dev tLd1 && ip addr add 2001:db8:1::1/64 dev tLd1 nodad && ip link set tLd1 up && ipvsadm -C');
  try {
    const k = await tablesOf(() => keepalived(dir, file), 3, 'keepalived');
    klog(`keepalived's IPVS: ${JSON.stringify(k.ipvs)}; its nftables: ${JSON.stringify(k.nft)}`);
    assert.equal(table(), '');
    assert.equal(ruleset().includes('table ip lb'), false, 'keepalived removes its tables at stop');
    const t = await tablesOf(() => tandemd(dir, file), 3, 'tandemd');
    assert.equal(t.ipvs, k.ipvs, 'the IPVS table keepalived made');
    assert.equal(t.nft, k.nft, 'the nftables tables keepalived made');
    assert.equal(table(), '');
    assert.equal(ruleset().includes('table ip lb'), false, 'tandemd removes its tables at stop');
  } finally {
    script(`ip link del tLd1 2>/dev/null || true; ipvsadm -C; for f in ip ip6; do ${NFT} delete table $f lb 2>/dev/null || true; done`);
  }
}, 180_000);

ktest('nftables_ipvs: the same fwmark service and nftables tables as keepalived 2.2.7, traffic marked through them, kept on reload, removed at stop', async () => {
  const lab = natLab();
  const dir = mkdtempSync('/run/tandem-nftipvs-');
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, groupFile());
  let k: Daemon | undefined;
  let t: Daemon | undefined;
  try {
    k = keepalived(dir, file);
    await until("keepalived's fwmark service", 30_000, () => (/-f 500 /.test(table()) && /-r 10\.1\.2\.2/.test(table()) ? true : undefined));
    const kTable = table();
    const kRules = ruleset();
    klog(`keepalived's IPVS: ${JSON.stringify(kTable)}; its nftables: ${JSON.stringify(kRules)}`);
    const kSpread = count(ask('198.51.100.1', 4));
    klog(`through keepalived's fwmark service: ${JSON.stringify(kSpread)}`);
    await stop(k);
    assert.equal(table(), '', 'keepalived removes its services at stop');
    assert.doesNotMatch(ruleset(), /keepalived_ipvs/, 'keepalived removes its tables at stop');

    t = tandemd(dir, file);
    await until("tandemd's fwmark service", 60_000, () => (/-f 500 /.test(table()) && /-r 10\.1\.2\.2/.test(table()) && /keepalived_ipvs/.test(ruleset()) ? true : undefined));
    const tTable = table();
    const tRules = ruleset();
    klog(`tandemd's IPVS:\n${tTable}tandemd's nftables:\n${tRules}`);
    assert.equal(tTable, kTable, 'the IPVS table keepalived made');
    assert.equal(tRules, kRules, 'the nftables tables keepalived made');
    assert.deepEqual(count(ask('198.51.100.1', 4)), { kr1: 2, kr2: 2 }, 'traffic to the group is marked and balanced by the fwmark service');
    assert.deepEqual(kSpread, { kr1: 2, kr2: 2 });

    // A reload adding an entry: the group keeps its mark, the map gains the entry.
    writeFileSync(file, groupFile('    198.51.100.20 80\n'));
    t.child.kill('SIGHUP');
    await until('the new entry in the map', 30_000, () => (/198\.51\.100\.20 \. 80 : 0x000001f4/.test(ruleset()) ? true : undefined));
    assert.equal(table(), tTable, 'the fwmark service is untouched by a reload that adds an address');

    await stop(t);
    klog(t.log().slice(-1500));
    assert.equal(table(), '', 'tandemd removes its services at stop');
    assert.doesNotMatch(ruleset(), /keepalived_ipvs/, 'tandemd removes the tables at stop');
  } catch (err) {
    klog(`keepalived:\n${k?.log().slice(-3000) ?? ''}`);
    klog(`tandemd:\n${t?.log().slice(-3000) ?? ''}`);
    throw err;
  } finally {
    k?.child.kill('SIGKILL');
    t?.child.kill('SIGKILL');
    script(`${NFT} delete table ip keepalived_ipvs 2>/dev/null || true; ${NFT} delete table ip6 keepalived_ipvs 2>/dev/null || true`);
    lab.teardown();
  }
}, 240_000);

const namespacedFile = `net_namespace_ipvs tLipvs
virtual_server 192.0.2.1 80 {
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.9.0.2 80 {
        weight 3
    }
}
`;

ktest('net_namespace_ipvs: the services go to the named namespace, as keepalived 2.2.7 puts them, none in tandemd\'s own; removed from there at stop', async () => {
  script(`ip netns add tLipvs
ip -n tLipvs link set lo up
ip -n tLipvs link add tLd0 type dummy && ip -n tLipvs addr add 10.9.0.1/24 dev tLd0 && ip -n tLipvs link set tLd0 up
ipvsadm -C`);
  const dir = mkdtempSync('/run/tandem-nsipvs-');
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, namespacedFile);
  let k: Daemon | undefined;
  let t: Daemon | undefined;
  try {
    k = keepalived(dir, file);
    await until("keepalived's service in tLipvs", 30_000, () => (/10\.9\.0\.2/.test(table('tLipvs')) ? true : undefined));
    const kTable = table('tLipvs');
    klog(`keepalived's IPVS in tLipvs: ${JSON.stringify(kTable)}`);
    assert.equal(table(), '', "keepalived puts nothing in its own namespace's IPVS");
    await stop(k);
    assert.equal(table('tLipvs'), '', 'keepalived removes its services at stop');

    t = tandemd(dir, file);
    await until("tandemd's service in tLipvs", 60_000, () => (/10\.9\.0\.2/.test(table('tLipvs')) ? true : undefined));
    klog(`tandemd's IPVS in tLipvs:\n${table('tLipvs')}`);
    assert.equal(table('tLipvs'), kTable, 'the table keepalived made, in the same namespace');
    assert.equal(table(), '', "nothing in tandemd's own namespace");
    await stop(t);
    assert.equal(table('tLipvs'), '', 'tandemd removes its services from tLipvs at stop');
  } catch (err) {
    klog(`keepalived:\n${k?.log().slice(-3000) ?? ''}`);
    klog(`tandemd:\n${t?.log().slice(-3000) ?? ''}`);
    throw err;
  } finally {
    k?.child.kill('SIGKILL');
    t?.child.kill('SIGKILL');
    script('ip netns del tLipvs 2>/dev/null || true; ipvsadm -C');
  }
}, 180_000);
