// use_ipvlan and VRF enslavement of the VRRP interfaces, tandem beside keepalived 2.2.7 doing the
// same, and the vrf keyword; the cases are shared with the real-kernel guest (ipvlan-vrf.ktest.ts).
import test from 'ava';
import { ENSLAVED_KINDS, enslavedToVrf, ipvlanPrivate, kernelMakes, type Pace, vrfInstance } from '../lib/ipvlan-vrf-cases.js';

const PACE: Pace = { prefix: 'tO', advertInt: 0.1, scale: 1 };

const HAS_IPVLAN = kernelMakes('ipvlan', 'tO');
const HAS_VRF = kernelMakes('vrf', 'tO');

(HAS_IPVLAN ? test.serial : test.serial.skip)('use_ipvlan NAME ADDRESS private: an L2 ipvlan with the base\'s MAC, up, the address and the VIP on it, adverts from that address; keepalived 2.2.7 as peer makes the same; stop removes it', (t) => ipvlanPrivate(t, PACE));

for (const kind of ENSLAVED_KINDS) {
  (HAS_VRF && (kind === 'use_vmac' || HAS_IPVLAN) ? test.serial : test.serial.skip)(`${kind.split(' ')[0]} on an interface enslaved to a VRF: the interface is enslaved to it too (as keepalived 2.2.7, beside it), the VIP's routes are in the VRF's table, failover works`, (t) => enslavedToVrf(t, kind, PACE));
}

(HAS_VRF ? test.serial : test.serial.skip)('vrf NAME: two tandemd whose eth0 is in the VRF, unicast without interface, adverts by the VRF\'s table; failover both ways; keepalived 2.2.7 refuses the file ("Unknown interface!")', (t) => vrfInstance(t, PACE));
