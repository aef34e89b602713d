import test from 'ava';
import { Lab } from '../lib/lab.js';
import { vrrpConf } from '../lib/configs.js';
import { run, waitFor } from '../lib/sh.js';

// static_ipaddress / static_routes / static_rules stay whatever the VRRP state; virtual_routes
// and virtual_rules follow MASTER like the addresses; everything goes at stop.

const VIP = '192.0.2.100';

function conf(priority: number): string {
  const base = vrrpConf({ priority, advertInt: 0.1, version: 3, vips: [`${VIP}/24`] });
  const statics = `static_ipaddress {
    198.51.100.1/24 dev eth0
}
static_routes {
    203.0.113.0/24 via 198.51.100.254 dev eth0 table 100
    10.9.0.0/16 table 100 nexthop via 198.51.100.253 dev eth0 nexthop via 198.51.100.254 dev eth0 weight 3
}
static_rules {
    from 198.51.100.0/24 table 100 preference 1000
}
`;
  const virtuals = `    virtual_routes {
        src ${VIP} 203.0.113.128/25 via 192.0.2.254 dev eth0 table 200
        blackhole 198.18.0.0/15 table 200
        10.8.0.0/16 via 192.0.2.252 or 192.0.2.253 table 200
    }
    virtual_rules {
        from ${VIP}/32 table 200 preference 2000
    }
`;
  return statics + base.replace(/\n\}\n$/, `\n${virtuals}}\n`);
}

test.serial('static entries stay in every state; virtual routes and rules follow MASTER; all leave at stop', async (t) => {
  const lab = await Lab.create('rt', ['a', 'b']);
  try {
    // A table that does not exist (yet) reads as empty.
    const ip = (ns: string, ...args: string[]): Promise<string> => run('ip', ['-n', lab.ns(ns), ...args], { allowFail: true });
    const a = await lab.startTandem('a', conf(150));
    await lab.startTandem('b', conf(100));
    await lab.waitHolder(VIP, 'a', 5000);
    for (const d of ['a', 'b']) {
      t.regex(await ip(d, '-4', 'addr', 'show', 'dev', 'eth0'), /198\.51\.100\.1\/24/, `${d} has the static address`);
      const table100 = await ip(d, 'route', 'show', 'table', '100');
      t.regex(table100, /203\.0\.113\.0\/24 via 198\.51\.100\.254 dev eth0 proto keepalived/);
      t.regex(table100, /10\.9\.0\.0\/16 proto keepalived\s+nexthop via 198\.51\.100\.253 dev eth0 weight 1\s+nexthop via 198\.51\.100\.254 dev eth0 weight 3/, 'the multipath route');
      t.regex(await ip(d, 'rule', 'show'), /1000:\s+from 198\.51\.100\.0\/24 lookup 100/);
    }
    await waitFor('virtual routes on the master', 3000, async () => ((await ip('a', 'route', 'show', 'table', '200')).includes('203.0.113.128/25') ? true : undefined));
    const masterRoutes = await ip('a', 'route', 'show', 'table', '200');
    t.regex(masterRoutes, /203\.0\.113\.128\/25 via 192\.0\.2\.254 dev eth0 proto keepalived src 192\.0\.2\.100/);
    t.regex(masterRoutes, /blackhole 198\.18\.0\.0\/15 proto keepalived/);
    t.regex(masterRoutes, /10\.8\.0\.0\/16 proto keepalived\s+nexthop via 192\.0\.2\.252 dev eth0 weight 1\s+nexthop via 192\.0\.2\.253 dev eth0 weight 1/, "the old 'or' form");
    t.regex(await ip('a', 'rule', 'show'), /2000:\s+from 192\.0\.2\.100 lookup 200/);
    t.is((await ip('b', 'route', 'show', 'table', '200')).trim(), '', 'the backup has no virtual routes');
    t.notRegex(await ip('b', 'rule', 'show'), /lookup 200/);

    // a leaves: b takes the VIP with its routes and rule; a keeps only its static entries.
    await lab.stopDaemon(a);
    await lab.waitHolder(VIP, 'b', 5000);
    await waitFor('virtual routes on the new master', 3000, async () => ((await ip('b', 'route', 'show', 'table', '200')).includes('203.0.113.128/25') ? true : undefined));
    t.regex(await ip('b', 'rule', 'show'), /2000:\s+from 192\.0\.2\.100 lookup 200/);
    t.is((await ip('a', 'route', 'show', 'table', '200')).trim(), '');
    t.is((await ip('a', 'route', 'show', 'table', '100')).trim(), '', 'static routes leave at stop');
    t.notRegex(await ip('a', 'rule', 'show'), /lookup (100|200)/);
    t.notRegex(await ip('a', '-4', 'addr', 'show', 'dev', 'eth0'), /198\.51\.100\.1\//);
  } finally {
    await lab.cleanup();
  }
});

test.serial('the rest of what ip takes: address flags and lifetimes, route metrics, source routing and preference, rule actions and matches, as the kernel shows them', async (t) => {
  const lab = await Lab.create('tFrt2', ['a']);
  try {
    const ip = (...args: string[]): Promise<string> => run('ip', ['-n', lab.ns('a'), ...args], { allowFail: true });
    const conf = `static_ipaddress {
    198.51.100.7/24 dev eth0 noprefixroute preferred_lft 0 no_track
    198.51.100.9 dev eth0 peer 198.51.100.10/32
    2001:db8:7::7/64 dev eth0 home mngtmpaddr
}
static_routes {
    203.0.113.0/24 via 192.0.2.254 dev eth0 table 100 mtu lock 1400 advmss 1360 initcwnd 10 hoplimit 32 features ecn tos 0x10 realms 7
    2001:db8:9::/48 from 2001:db8:7::/64 via 2001:db8::254 dev eth0 pref high table 100
}
static_rules {
    from 198.51.100.0/24 table 100 preference 1000 suppress_prefixlength 0
    to 198.18.0.0/15 preference 1001 blackhole
    fwmark 9 preference 1002 goto 1003
    preference 1003 ipproto tcp dport 80-90 uidrange 1000-2000 table 100
}
` + vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`] });
    const a = await lab.startTandem('a', conf);
    await lab.waitHolder(VIP, 'a', 5000);
    const addrs = await ip('addr', 'show', 'dev', 'eth0');
    // preferred_lft 0: deprecated, so never chosen as a source (the usual reason to give it).
    t.regex(addrs, /inet 198\.51\.100\.7\/24 scope global deprecated noprefixroute eth0/);
    t.notRegex(await ip('route', 'show'), /198\.51\.100\.0\/24 dev eth0/, 'noprefixroute: no prefix route');
    t.regex(addrs, /inet 198\.51\.100\.9 peer 198\.51\.100\.10\/32/);
    t.regex(addrs, /inet6 2001:db8:7::7\/64 scope global nodad home mngtmpaddr/);
    const t100 = await ip('route', 'show', 'table', '100');
    t.regex(t100, /203\.0\.113\.0\/24 tos 0x10 via 192\.0\.2\.254 dev eth0 proto keepalived realm 7 mtu lock 1400 advmss 1360 hoplimit 32 initcwnd 10 features ecn/);
    t.regex(await ip('-6', 'route', 'show', 'table', '100'), /2001:db8:9::\/48 from 2001:db8:7::\/64 via 2001:db8::254 dev eth0 proto keepalived .*pref high/);
    const rules = await ip('rule', 'show');
    t.regex(rules, /1000:\s+from 198\.51\.100\.0\/24 lookup 100 suppress_prefixlength 0/);
    t.regex(rules, /1001:\s+from all to 198\.18\.0\.0\/15 blackhole/);
    t.regex(rules, /1002:\s+from all fwmark 0x9 goto 1003/);
    t.regex(rules, /1003:\s+from all uidrange 1000-2000 ipproto tcp dport 80-90 lookup 100/);
    t.is(await lab.stopDaemon(a), 0);
    t.notRegex(await ip('rule', 'show'), /100[0-3]:/, 'the rules go at stop');
    t.notRegex(await ip('addr', 'show', 'dev', 'eth0'), /198\.51\.100\.7/);
  } finally {
    await lab.cleanup();
  }
});

test.serial('a virtual route the kernel refuses is logged; the addresses, the routes after it and the rules still go in, as keepalived', async (t) => {
  const lab = await Lab.create('rtf', ['a']);
  try {
    const ip = (...args: string[]): Promise<string> => run('ip', ['-n', lab.ns('a'), ...args], { allowFail: true });
    const base = vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: [`${VIP}/24`] });
    // 203.0.113.1 is on no link of a: the kernel refuses the first route (invalid gateway).
    const virtuals = `    virtual_routes {
        10.7.0.0/16 via 203.0.113.1 dev eth0 table 210
        10.6.0.0/16 via 192.0.2.254 dev eth0 table 210
    }
    virtual_rules {
        from ${VIP}/32 table 210 preference 2100
    }
`;
    const a = await lab.startTandem('a', base.replace(/\n\}\n$/, `\n${virtuals}}\n`));
    await lab.waitHolder(VIP, 'a', 5000);
    await waitFor('the route after the refused one', 3000, async () => ((await ip('route', 'show', 'table', '210')).includes('10.6.0.0/16') ? true : undefined));
    t.notRegex(await ip('route', 'show', 'table', '210'), /10\.7\.0\.0/);
    t.regex(await ip('rule', 'show'), /2100:\s+from 192\.0\.2\.100 lookup 210/);
    t.regex(a.child.output(), /10\.7\.0\.0\/16|invalid gateway|Network is unreachable/i, 'the refusal is logged');
    t.like((await lab.ctl(a, 'status'))!.instances[0], { state: 'MASTER' });
  } finally {
    await lab.cleanup();
  }
});

test.serial('a static route the kernel refuses, or a static address on a missing interface, is logged; the daemon starts with the others, as keepalived', async (t) => {
  const lab = await Lab.create('rts', ['a']);
  try {
    const ip = (...args: string[]): Promise<string> => run('ip', ['-n', lab.ns('a'), ...args], { allowFail: true });
    // keepalived's own sample (keepalived.conf.vrrp.routes) has a src that is no local address: EINVAL.
    const statics = `static_ipaddress {
    198.51.100.7/24 dev nosuch0
    198.51.100.8/24 dev eth0
}
static_routes {
    src 192.168.100.1 10.9.0.0/16 via 192.0.2.254 dev eth0 table 220
    10.8.0.0/16 via 192.0.2.254 dev eth0 table 220
}
`;
    const a = await lab.startTandem('a', statics + vrrpConf({ priority: 150, advertInt: 0.1, version: 3, vips: [`${VIP}/24`] }));
    await lab.waitHolder(VIP, 'a', 5000);
    t.regex(await ip('route', 'show', 'table', '220'), /10\.8\.0\.0\/16 via 192\.0\.2\.254/, 'the route after the refused one is set');
    t.notRegex(await ip('route', 'show', 'table', '220'), /10\.9\.0\.0/);
    t.regex(await ip('addr', 'show', 'dev', 'eth0'), /198\.51\.100\.8\/24/, 'the address after the one on a missing interface is set');
    t.regex(a.child.output(), /static: route 10\.9\.0\.0\/16 \(line 6\) not set: .*EINVAL/);
    t.regex(a.child.output(), /static: address 198\.51\.100\.7\/24 \(line 2\) not set: no interface named nosuch0/);
    t.is(await lab.stopDaemon(a), 0);
    t.notRegex(await ip('route', 'show', 'table', '220'), /10\.8\.0\.0/, 'what was set leaves at stop');
  } finally {
    await lab.cleanup();
  }
});
