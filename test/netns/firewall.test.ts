import test from 'ava';
import { vrrpConf } from '../lib/configs.js';
import { Lab } from '../lib/lab.js';
import { nsRun, sleep, waitFor } from '../lib/sh.js';

// The global_defs keywords that say how no_accept drops traffic to the addresses: nftables
// [TABLE] with nftables_priority and nftables_counters, vrrp_iptables CHAIN read as nftables
// (as keepalived 2.2.7 built without iptables reads it), and a bare vrrp_iptables: no rules.

const VIP = '192.0.2.100';
const NFT = '/usr/sbin/nft';

/** Whether the client gets answers from the VIP over a second. */
async function vipAnswers(lab: Lab): Promise<number> {
  const p = lab.startProber(VIP);
  await sleep(1000);
  await p.stop();
  return p.answers.length;
}

for (const c of [
  { what: 'nftables ka_tF, nftables_priority -5, nftables_counters', lines: ['nftables ka_tF', 'nftables_priority -5', 'nftables_counters'], table: 'ka_tF', priority: -5, counters: true },
  { what: 'vrrp_iptables KEEPALIVED_IN (nftables table keepalived)', lines: ['vrrp_iptables KEEPALIVED_IN'], table: 'keepalived', priority: -1, counters: false },
]) {
  test.serial(`no_accept with ${c.what}: the VIP drops traffic through that table, removed at stop`, async (t) => {
    const lab = await Lab.create('tFfw', ['a']);
    try {
      const a = await lab.startTandem('a', vrrpConf({ priority: 150, advertInt: 1, vips: [`${VIP}/24`], noAccept: true, globalLines: c.lines }));
      lab.startResponders();
      await lab.waitHolder(VIP, 'a', 6000);
      t.is(await vipAnswers(lab), 0, 'nothing addressed to the VIP is accepted');
      const table = await nsRun(lab.ns('a'), NFT, ['list', 'table', 'inet', c.table]);
      t.regex(table, new RegExp(`hook input priority ${c.priority === 0 ? 'filter' : `filter ${c.priority < 0 ? '-' : '+'} ${Math.abs(c.priority)}`}`));
      t.regex(table, /192\.0\.2\.100/);
      t.is(/counter packets [1-9]/.test(table), c.counters, table);
      t.is(await lab.stopDaemon(a), 0);
      t.notRegex(await nsRun(lab.ns('a'), NFT, ['list', 'tables']), new RegExp(`inet ${c.table}\\b`));
    } finally {
      await lab.cleanup();
    }
  });
}

test.serial('a bare vrrp_iptables adds no rules: under vrrp_strict the VIP answers, and tandemd says no_accept is not enforced', async (t) => {
  const lab = await Lab.create('tFfw0', ['a']);
  try {
    const a = await lab.startTandem('a', vrrpConf({ priority: 150, advertInt: 1, version: 3, vips: [`${VIP}/24`], strict: true, globalLines: ['vrrp_iptables'] }));
    lab.startResponders();
    await lab.waitHolder(VIP, 'a', 6000);
    t.true((await vipAnswers(lab)) > 0);
    t.is((await nsRun(lab.ns('a'), NFT, ['list', 'tables'])).trim(), '');
    await waitFor('the warning', 2000, () => (/no_accept is not enforced: a bare vrrp_iptables/.test(a.child.output()) ? true : undefined));
  } finally {
    await lab.cleanup();
  }
});
