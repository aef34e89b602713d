import test from 'ava';
import { agentxAddress, agentxFramer } from '../src/snmp-agent.js';
import { compareOids, nextAfter, type Varbind } from '../src/snmp-view.js';

test('-A takes keepalived\'s socket forms', (t) => {
  t.deepEqual(agentxAddress(undefined), { master: 'localhost', masterPort: '/var/agentx/master' });
  t.deepEqual(agentxAddress('unix:/run/agentx.sock'), { master: 'localhost', masterPort: '/run/agentx.sock' });
  t.deepEqual(agentxAddress('/run/agentx.sock'), { master: 'localhost', masterPort: '/run/agentx.sock' });
  t.deepEqual(agentxAddress('tcp:localhost:705'), { master: 'localhost', masterPort: 705 });
  t.deepEqual(agentxAddress('tcp:[::1]:705'), { master: '::1', masterPort: 705 });
  t.throws(() => agentxAddress('tcp:nohost'), { message: /tcp:HOST:PORT/ });
});

test('AgentX PDUs that arrive together, or split, are handed on one at a time', (t) => {
  const pdu = (n: number, payload: number, be = true): Buffer => {
    const b = Buffer.alloc(20 + payload, n);
    b[2] = be ? 0x10 : 0;
    if (be) b.writeUInt32BE(payload, 16);
    else b.writeUInt32LE(payload, 16);
    return b;
  };
  const got: number[] = [];
  const feed = agentxFramer((p) => got.push(p.length));
  const two = Buffer.concat([pdu(1, 8), pdu(2, 0, false), pdu(3, 12)]);
  feed(two.subarray(0, 25));
  feed(two.subarray(25, 50));
  feed(two.subarray(50));
  t.deepEqual(got, [28, 20, 32]);
});

test('GETNEXT walks the view in OID order and stops at the end of the range', (t) => {
  const v = (...oid: number[]): Varbind => ({ oid, type: 'Integer', value: 1 });
  const view = [v(1, 3, 6, 1, 2, 1, 68, 1, 1, 0), v(1, 3, 6, 1, 2, 1, 68, 1, 2, 0), v(1, 3, 6, 1, 2, 1, 207, 1)].sort((a, b) => compareOids(a.oid, b.oid));
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68])?.oid, [1, 3, 6, 1, 2, 1, 68, 1, 1, 0]);
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 1, 0])?.oid, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0]);
  t.is(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0], [1, 3, 6, 1, 2, 1, 69]), undefined, 'not past the range');
  t.deepEqual(nextAfter(view, [1, 3, 6, 1, 2, 1, 68, 1, 2, 0])?.oid, [1, 3, 6, 1, 2, 1, 207, 1]);
  t.true(compareOids([1, 3, 10], [1, 3, 9, 5]) > 0);
});
