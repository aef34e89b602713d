import test from 'ava';
import { ipvlanLinkInfo, linkKind, vrfTable, type IpvlanMode } from '../src/rtnl.js';

// keepalived 2.2.7's RTM_NEWLINK for `use_ipvlan ipv.51 192.0.2.21/24 private` on eth0, as
// strace showed it (keepalived -P in a namespace, 2026-11-29): IFLA_LINKINFO holds
// IFLA_INFO_KIND "ipvlan" (without a terminating zero) and this IFLA_INFO_DATA:
// IFLA_IPVLAN_MODE u16 0 (L2), IFLA_IPVLAN_FLAGS u16 1 (IPVLAN_F_PRIVATE), each padded to 4 bytes.
const KEEPALIVED_PRIVATE_DATA = '06000100000000000600020001000000';

/** The attributes of a buffer of rtattrs, by type. */
function attrs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let o = 0; o + 4 <= b.length; ) {
    const len = b.readUInt16LE(o);
    out.set(b.readUInt16LE(o + 2), b.subarray(o + 4, o + len));
    o += (len + 3) & ~3;
  }
  return out;
}

test('use_ipvlan\'s IFLA_LINKINFO: kind ipvlan, L2 mode and the flags byte for byte as keepalived 2.2.7 sends them', (t) => {
  const info = attrs(ipvlanLinkInfo('private'));
  t.is(info.get(1)!.toString().replace(/\0+$/, ''), 'ipvlan');
  t.is(info.get(2)!.toString('hex'), KEEPALIVED_PRIVATE_DATA);
  const flags = (mode: IpvlanMode): number => attrs(attrs(ipvlanLinkInfo(mode)).get(2)!).get(2)!.readUInt16LE(0);
  // linux/if_link.h: IPVLAN_F_PRIVATE 0x01, IPVLAN_F_VEPA 0x02; bridge is neither.
  t.deepEqual([flags('bridge'), flags('private'), flags('vepa')], [0, 1, 2]);
});

test('linkKind reads IFLA_INFO_KIND with or without its zero, and nothing out of a truncated attribute', (t) => {
  t.is(linkKind(ipvlanLinkInfo('bridge')), 'ipvlan');
  t.is(linkKind(Buffer.from('0700010076726600', 'hex')), 'vrf');
  t.is(linkKind(Buffer.from('0a000100697076', 'hex')), undefined);
  t.is(linkKind(undefined), undefined);
});

test('vrfTable reads a VRF device\'s IFLA_VRF_TABLE out of IFLA_INFO_DATA, and nothing for other kinds', (t) => {
  // As rtnetlink reports `ip link add red type vrf table 10` (linux/if_link.h: IFLA_INFO_KIND 1,
  // IFLA_INFO_DATA 2, IFLA_VRF_TABLE 1 as a u32), with NLA_F_NESTED set on the data or not.
  const kind = '0800010076726600';
  t.is(vrfTable(Buffer.from(`${kind}0c000200080001000a000000`, 'hex')), 10);
  t.is(vrfTable(Buffer.from(`${kind}0c000280080001000a000000`, 'hex')), 10);
  t.is(vrfTable(Buffer.from(`${kind}0c00020008000100`, 'hex')), undefined, 'truncated');
  t.is(vrfTable(ipvlanLinkInfo('private')), undefined);
  t.is(vrfTable(undefined), undefined);
});
