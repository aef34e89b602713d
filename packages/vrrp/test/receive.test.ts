import test from 'ava';
import { encode, noAuthData, passwordAuthData, receiveAdvert, type Advertisement, type ReceiveExpectations, type DropReason } from '../src/index.js';

const meta = { family: 4 as const, src: '192.0.2.20', dst: '224.0.0.18', ttl: 255 };
const advert: Advertisement = {
  version: 2,
  vrid: 9,
  priority: 100,
  intervalCs: 100,
  addresses: ['192.0.2.100', '192.0.2.101'],
  authType: 1,
  authData: passwordAuthData('pw'),
};
const local: ReceiveExpectations = {
  version: 2,
  intervalCs: 100,
  authType: 1,
  authData: passwordAuthData('pw'),
  addresses: ['192.0.2.101', '192.0.2.100'],
  owner: false,
};
const lookup = (vrid: number): ReceiveExpectations | undefined => (vrid === 9 ? local : undefined);

test('a matching advert is accepted (address order does not matter)', (t) => {
  const r = receiveAdvert(encode(advert, meta), meta, lookup);
  t.true(r.ok);
});

const cases: Array<[string, Partial<Advertisement>, Partial<ReceiveExpectations>, number, DropReason]> = [
  ['TTL below 255', {}, {}, 254, 'bad-ttl'],
  ['an unknown VRID', { vrid: 10 }, {}, 255, 'unknown-vrid'],
  ['a v3 advert for a v2 router', { version: 3, intervalCs: 100, authType: 0, authData: noAuthData }, {}, 255, 'bad-version'],
  ['an advert while the local router owns the addresses', {}, { owner: true }, 255, 'owner-conflict'],
  ['another auth type', { authType: 0, authData: noAuthData }, {}, 255, 'auth-type-mismatch'],
  ['a wrong password', { authData: passwordAuthData('other') }, {}, 255, 'auth-failed'],
  ['another v2 interval', { intervalCs: 200 }, {}, 255, 'interval-mismatch'],
  ['other addresses', { addresses: ['192.0.2.100'] }, {}, 255, 'address-mismatch'],
  ['a source that is not a unicast peer (check_unicast_src)', {}, { peers: ['192.0.2.30', '192.0.2.31'] }, 255, 'unknown-peer'],
];

test('a unicast instance accepts a routed peer\'s advert (TTL below 255), as keepalived; a multicast one does not', (t) => {
  const routed = { ...meta, dst: '192.0.2.10', ttl: 62 };
  t.true(receiveAdvert(encode(advert, routed), routed, () => ({ ...local, unicast: true })).ok);
  const r = receiveAdvert(encode(advert, routed), routed, lookup);
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'bad-ttl');
});

test('check_unicast_src: an advert from one of the unicast peers is accepted', (t) => {
  t.true(receiveAdvert(encode(advert, meta), meta, () => ({ ...local, peers: ['192.0.2.30', '192.0.2.20'] })).ok);
});
for (const [name, a, l, ttl, reason] of cases) {
  test(`drops ${name} as ${reason}`, (t) => {
    const r = receiveAdvert(encode({ ...advert, ...a }, meta), { ...meta, ttl }, (vrid) => (vrid === 9 ? { ...local, ...l } : undefined));
    t.false(r.ok);
    if (!r.ok) t.is(r.reason, reason);
  });
}

test('other addresses from the address owner (priority 255) are accepted (RFC 5798 §7.1)', (t) => {
  const r = receiveAdvert(encode({ ...advert, priority: 255, addresses: ['192.0.2.100'] }, meta), meta, lookup);
  t.true(r.ok);
});

test('skip_check_adv_addr: other addresses are accepted from the master the backup follows, not from a new one', (t) => {
  const other = encode({ ...advert, addresses: ['192.0.2.100'] }, meta);
  t.true(receiveAdvert(other, meta, () => ({ ...local, trustedMaster: '192.0.2.20' })).ok);
  const fromNewMaster = receiveAdvert(other, meta, () => ({ ...local, trustedMaster: '192.0.2.21' }));
  t.false(fromNewMaster.ok);
  if (!fromNewMaster.ok) t.is(fromNewMaster.reason, 'address-mismatch');
});

test('v3 does not compare the interval: a backup adopts it', (t) => {
  const v3 = { ...advert, version: 3 as const, intervalCs: 7, authType: 0, authData: noAuthData };
  const r = receiveAdvert(encode(v3, meta), meta, () => ({ ...local, version: 3, authType: 0, authData: noAuthData }));
  t.true(r.ok);
});
