import test from 'ava';
import fc from 'fast-check';
import * as net from 'node:net';
import { isIP, isIPv4, isIPv6 } from '../src/ip-syntax.js';

// The config reads addresses with its own isIPv4 / isIPv6 / isIP (node:net costs tandemd -t
// its load): they must accept exactly what node:net's accept.

const same = (s: string): boolean => isIPv4(s) === net.isIPv4(s) && isIPv6(s) === net.isIPv6(s) && isIP(s) === net.isIP(s);

const examples = [
  '0.0.0.0', '255.255.255.255', '1.2.3.4', '01.2.3.4', '1.2.3.04', '1.2.3.256', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1.2.3.4 ', '1..3.4', '1234.1.1.1',
  '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', '1:2:3:4::5:6:7', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7', '::1:2:3:4:5:6:7:8',
  '1::2::3', '1:::2', ':1::', '1::2:', ':', '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4',
  '::ffff:01.2.3.4', '::ffff:1.2.3', '1.2.3.4::', 'abcd::ABCD', '12345::', '00::', '0000:0:0:0:0:0:0:0', 'g::1',
  'fe80::1%eth0', 'fe80::1%', 'fe80::1%a.b-c:d', 'fe80::1%a%b', 'fe80::%x', '::%', '1.2.3.4%x', '::ffff:1.2.3.4%x', 'fe80::1%é', '',
];

test('the examples: as node:net says', (t) => {
  for (const s of examples) t.true(same(s), s);
});

test('any string of address characters: as node:net says', (t) => {
  const char = fc.constantFrom('0', '1', '2', '5', '9', 'a', 'f', 'F', 'g', ':', ':', ':', '.', '.', '%', '-', ' ', 'x');
  fc.assert(fc.property(fc.array(char, { maxLength: 24 }).map((c) => c.join('')), same), { numRuns: 20000 });
  // Near-valid ones: groups, perhaps a `::` among them, perhaps a dotted quad or a zone.
  const hex = fc.array(fc.constantFrom('0', '1', '9', 'a', 'F', 'f', 'e'), { minLength: 1, maxLength: 5 }).map((c) => c.join(''));
  const group = fc.oneof({ arbitrary: hex, weight: 12 }, { arbitrary: fc.constantFrom('', '1.2.3.4', '255.0.0.01', '300.1.1.1', '1.2.3', '%eth0', '%'), weight: 1 });
  const address = fc.tuple(fc.array(group, { minLength: 1, maxLength: 10 }), fc.nat(10), fc.boolean(), fc.constantFrom('', '', '', '%eth0', '%e%', '1.2.3.4')).map(([g, at, compress, tail]) => {
    const head = g.join(':');
    if (!compress) return `${head}${tail}`;
    const cut = Math.min(at, g.length);
    return `${g.slice(0, cut).join(':')}::${g.slice(cut).join(':')}${tail}`;
  });
  fc.assert(fc.property(address, same), { numRuns: 30000 });
  const quad = fc.array(fc.oneof(fc.nat(300).map(String), fc.constantFrom('00', '01', '', '256')), { minLength: 1, maxLength: 5 }).map((p) => p.join('.'));
  fc.assert(fc.property(quad, same), { numRuns: 5000 });
  t.pass();
});
