import test from 'ava';
import { failureKind, parseListen } from '../src/metrics.js';

test('--metrics-listen takes ADDR:PORT, [IPv6]:PORT and :PORT, and refuses anything else', (t) => {
  t.deepEqual(parseListen('127.0.0.1:9650'), { host: '127.0.0.1', port: 9650 });
  t.deepEqual(parseListen('[::1]:9650'), { host: '::1', port: 9650 });
  t.deepEqual(parseListen(':9650'), { host: undefined, port: 9650 });
  for (const bad of ['9650', '127.0.0.1', '127.0.0.1:0', '1.2.3.4:70000', '::1:9650']) t.throws(() => parseListen(bad), { message: /expected ADDR:PORT/ }, bad);
});

test('check failures are labelled by a bounded kind of reason, not by their words', (t) => {
  const cases: Record<string, string> = {
    'connect ECONNREFUSED': 'refused',
    'connect timed out after 3 s': 'timeout',
    '/: status 500 (after 1 retry)': 'http-status',
    '/: digest mismatch': 'digest',
    'exit 2': 'script',
    'read ECONNRESET': 'reset',
    'connect EHOSTUNREACH': 'unreachable',
    'TLS handshake failed': 'tls',
    'something new': 'other',
  };
  for (const [reason, kind] of Object.entries(cases)) t.is(failureKind(reason), kind, reason);
});
