import assert from 'node:assert/strict';
import { ktest } from './harness.js';
import { type Checks, ENSLAVED_KINDS, enslavedToVrf, ipvlanPrivate, type Pace, vrfInstance } from '../lib/ipvlan-vrf-cases.js';

// The development kernel has neither ipvlan nor VRF, so test/netns/ipvlan-vrf.test.ts skips
// there; Debian's kernel in the guest has both: the same cases, for real.

const checks: Checks = {
  is: (actual, expected, message) => assert.strictEqual(actual, expected, message),
  regex: (text, re, message) => assert.match(text, re, message),
  notRegex: (text, re, message) => assert.doesNotMatch(text, re, message),
};

/** node under TCG starts slowly and stalls: 1 s adverts, waits eight times the namespace suite's. */
const PACE: Pace = { prefix: 'tO', advertInt: 1, scale: 8 };

ktest('ipvlan-vrf: use_ipvlan private beside keepalived 2.2.7 (the interface it makes, MAC, addresses, failover, removal)', () => ipvlanPrivate(checks, PACE), 300_000);
for (const kind of ENSLAVED_KINDS) {
  ktest(`ipvlan-vrf: ${kind.split(' ')[0]} on an interface enslaved to a VRF joins it, as keepalived 2.2.7 beside it; the VIP's routes in the VRF's table; failover`, () => enslavedToVrf(checks, kind, PACE), 300_000);
}
ktest('ipvlan-vrf: vrf NAME, two tandemd in the VRF by unicast without interface; failover both ways; keepalived 2.2.7 refuses the file', () => vrfInstance(checks, PACE), 400_000);
