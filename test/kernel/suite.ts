// Every module of the real-kernel suite, imported for its ktest() registrations.
import './driver.ktest.js';
import './traffic.ktest.js';
import './daemon.ktest.js';
import './failover.ktest.js';
import './quorum.ktest.js';
import './leftovers.ktest.js';
import './metrics.ktest.js';
import './snmp-check.ktest.js';
import './anycast.ktest.js';
import './ipvs-namespaces.ktest.js';
import './omega.ktest.js';
import './ipvlan-vrf.ktest.js';

export { kernelTests } from './harness.js';
