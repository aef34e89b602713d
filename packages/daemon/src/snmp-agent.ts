import { dirname } from 'node:path';
import type { TransitionEvent } from '@tandem/vrrp';
import type { Logger } from './logger.js';
import { exactly, mibView, nextAfter, VRRP_MIB, VRRPV3_MIB, type SnmpSnapshot, type SnmpType, type Varbind } from './snmp-view.js';
import { checkerTrapVarbinds, type CheckerTrap } from './snmp-check-traps.js';
import { instanceTrap } from './snmp-vrrp-traps.js';
import { servedMibs, servedObjects, type SnmpParts } from './snmp-parts.js';
import { planSet, type SnmpChange } from './snmp-set.js';

/** RFC 2741 §7.2.4: a CommitSet that could not be carried out, an UndoSet that could not undo. */
const COMMIT_FAILED = 14;
const UNDO_FAILED = 15;

// keepalived's `-x`: tandemd as an AgentX subagent (RFC 2741) of the host's SNMP master agent
// (snmpd), serving KEEPALIVED-MIB's VRRP part, VRRP-MIB and VRRPv3-MIB from snmp-view.ts, and
// sending keepalived's traps. The AgentX session is net-snmp's; tandemd answers GET, GETNEXT and
// GETBULK itself from a view made once per second at most, so a walk sees one consistent state,
// and SETs of keepalived's writable objects as snmp-set.ts decides them.

/** The part of net-snmp's AgentX subagent tandemd uses (net-snmp ships no types). */
interface AgentXRange {
  readonly start: string;
  readonly end: string | null;
}
interface AgentXRequest {
  readonly transactionID: number;
  readonly searchRangeList: readonly AgentXRange[];
  /** A TestSet's varbinds (OIDs as dotted text). */
  readonly varbinds?: ReadonlyArray<{ readonly oid: string; readonly type: number; readonly value: unknown }> | null;
  readonly nonRepeaters?: number;
  readonly maxRepetitions?: number;
  getResponsePduForRequest(): AgentXResponse;
}
interface AgentXResponse {
  error: number;
  index: number;
}
interface NetSnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}
interface Subagent {
  open(cb: (err: Error | null) => void): void;
  close(cb?: () => void): void;
  registerProvider(p: { name: string; type: number; oid: string; scalarType?: number; maxAccess?: number; handler?: (r: { done(): void }) => void }, cb: (err: Error | null) => void): void;
  notify(oid: string, varbinds: NetSnmpVarbind[], cb?: (err: Error | null) => void): void;
  sendResponse(pdu: AgentXResponse, varbinds: NetSnmpVarbind[]): void;
  on(event: 'close' | 'error', f: (e?: Error) => void): void;
  getRequest: (pdu: AgentXRequest) => void;
  getNextRequest: (pdu: AgentXRequest) => void;
  getBulkRequest: (pdu: AgentXRequest) => void;
  testSet: (pdu: AgentXRequest) => void;
  commitSet: (pdu: AgentXRequest) => void;
  undoSet: (pdu: AgentXRequest) => void;
  cleanupSet: (pdu: AgentXRequest) => void;
  socket?: { destroy(): void; removeAllListeners(event: string): void; on(event: 'data', f: (b: Buffer) => void): void };
  onMsg(buffer: Buffer): void;
}
interface NetSnmp {
  createSubagent(o: { master: string; masterPort: number | string; timeout?: number; description?: string }): Subagent;
  ObjectType: Record<string, number>;
  MibProviderType: Record<string, number>;
}

/** keepalived's `-A` forms: `unix:/path`, `/path`, `tcp:host:port`; default /var/agentx/master. */
export function agentxAddress(spec: string | undefined): { master: string; masterPort: number | string } {
  const s = spec ?? '/var/agentx/master';
  const tcp = /^(?:tcp:)?(\[[^\]]+\]|[^:/][^:]*):(\d+)$/.exec(s);
  if (s.startsWith('tcp:') || (tcp !== null && !s.startsWith('/'))) {
    if (tcp === null) throw new Error(`-A ${s}: expected tcp:HOST:PORT`);
    return { master: tcp[1]!.replace(/^\[|\]$/g, ''), masterPort: Number(tcp[2]) };
  }
  return { master: 'localhost', masterPort: s.replace(/^unix:/, '') };
}

const oidText = (oid: readonly number[]): string => oid.join('.');
const oidOf = (text: string | null): number[] => (text === null || text === '' ? [] : text.split('.').map(Number));

/**
 * Two gaps in net-snmp 3.29's AgentX encoder, filled on the buffer class it writes with: an
 * OCTET STRING must be a JS string there (binary values such as addresses and MACs are
 * Buffers), and an IpAddress is written with a method the buffer lacks.
 */
function patchAgentXEncoding(): void {
  const netSnmpDir = dirname(require.resolve('net-snmp'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SmartBuffer } = require(require.resolve('smart-buffer', { paths: [netSnmpDir] })) as { SmartBuffer: { prototype: Record<string, unknown> } };
  if (SmartBuffer.prototype['writeOctetString'] !== undefined) return;
  const writeString = SmartBuffer.prototype['writeString'] as (this: unknown, v: unknown, ...rest: unknown[]) => unknown;
  SmartBuffer.prototype['writeString'] = function (this: { writeBuffer(b: Buffer): unknown }, value: unknown, ...rest: unknown[]): unknown {
    return Buffer.isBuffer(value) ? this.writeBuffer(value) : writeString.call(this, value, ...rest);
  };
  SmartBuffer.prototype['writeOctetString'] = function (this: { writeUInt32BE(n: number): void; writeBuffer(b: Buffer): void; writeUInt8(n: number): void }, _self: unknown, octets: Buffer): void {
    this.writeUInt32BE(octets.length);
    this.writeBuffer(octets);
    for (let i = 0; i < (4 - (octets.length % 4)) % 4; i++) this.writeUInt8(0);
  };
}

/**
 * AgentX PDUs, one at a time, from a stream that may carry several in one read (net-snmp reads
 * one PDU per read and drops the rest): each is a 20-byte header whose last field is the
 * payload's length, in network byte order when the header's flag 0x10 says so (RFC 2741 §6.1).
 */
export function agentxFramer(onPdu: (pdu: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 20) {
      const length = 20 + ((pending[2]! & 0x10) !== 0 ? pending.readUInt32BE(16) : pending.readUInt32LE(16));
      if (pending.length < length) break;
      const pdu = pending.subarray(0, length);
      pending = pending.subarray(length);
      onPdu(pdu);
    }
  };
}

/** tandemd's AgentX subagent; it reconnects when the master agent goes away and comes back. */
export class SnmpAgent {
  private agent: Subagent | undefined;
  private view: { at: number; varbinds: Varbind[] } | undefined;
  private readonly snmp: NetSnmp;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private connected = false;
  private registered = false;
  /** Called once, when the master first registers this subagent (tandemd sends the start's traps then). */
  onFirstRegistered: (() => void) | undefined;
  /** Traps sent that the master has not acknowledged yet (its Response to each Notify). */
  private readonly unacknowledged = new Set<Promise<void>>();
  /** The SET being carried out, by AgentX transaction: what TestSet accepted, and whether it was committed. */
  private readonly sets = new Map<number, { changes: readonly SnmpChange[]; committed: boolean }>();

  constructor(
    private readonly snapshot: () => Promise<SnmpSnapshot>,
    private readonly address: string | undefined,
    private readonly log: Logger,
    /** What is served and sent, read at each request and event (a reload may change the traps). */
    private readonly parts: () => SnmpParts,
    /** Carries out a SET that snmp-set.ts accepted (the VRRP side's instances, the checker's weights); rejects if it could not. */
    private readonly apply: (changes: readonly SnmpChange[]) => Promise<void> = () => Promise.reject(new Error('SETs are not carried out')),
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.snmp = require('net-snmp') as NetSnmp;
    patchAgentXEncoding();
  }

  start(): void {
    const { master, masterPort } = agentxAddress(this.address);
    const agent = this.snmp.createSubagent({ master, masterPort, description: 'tandemd (keepalived-compatible VRRP/LVS)' });
    this.agent = agent;
    // One PDU per call, however the master's PDUs arrive (createSubagent connects synchronously,
    // so no data has been read yet).
    agent.socket?.removeAllListeners('data');
    agent.socket?.on('data', agentxFramer((pdu) => agent.onMsg(pdu)));
    agent.getRequest = (pdu) => void this.answer(pdu, 'get');
    agent.getNextRequest = (pdu) => void this.answer(pdu, 'next');
    agent.getBulkRequest = (pdu) => void this.answer(pdu, 'bulk');
    // A SET in AgentX's phases (RFC 2741 §7.2.4): TestSet decides it (nothing changes), CommitSet
    // carries it out, UndoSet when another subagent's part failed, CleanupSet ends it (no reply).
    agent.testSet = (pdu) => void this.testSet(agent, pdu);
    agent.commitSet = (pdu) => void this.commitSet(agent, pdu);
    agent.undoSet = (pdu) => {
      const committed = this.sets.get(pdu.transactionID)?.committed === true;
      this.log.warn(`SNMP: the master agent asked to undo a SET${committed ? ' already carried out; it stays' : ''}`);
      this.respond(agent, pdu, committed ? UNDO_FAILED : 0);
    };
    agent.cleanupSet = (pdu) => void this.sets.delete(pdu.transactionID);
    agent.on('error', (err) => {
      if (this.connected || this.retry === undefined) this.log.debug(`SNMP: AgentX master at ${String(masterPort)}: ${err?.message ?? 'error'}`);
    });
    agent.on('close', () => {
      // What the master had not acknowledged, it will not: nothing is left to wait for.
      this.unacknowledged.clear();
      if (this.closed) return;
      if (this.connected) this.log.warn(`SNMP: the AgentX master at ${String(masterPort)} went away; trying again every 5 s`);
      this.connected = false;
      this.agent = undefined;
      this.retry = setTimeout(() => this.start(), 5000);
    });
    agent.open((err) => {
      if (err !== null) return;
      const mibs = servedMibs(this.parts());
      let left = mibs.length;
      for (const [name, oid] of mibs) {
        // A provider only to register the subtree with the master; tandemd answers requests itself.
        agent.registerProvider({ name, type: this.snmp.MibProviderType['Scalar']!, oid: oidText(oid), scalarType: this.snmp.ObjectType['Integer']!, maxAccess: 1 }, (e) => {
          if (e !== null) this.log.error(`SNMP: cannot register ${name}: ${e.message}`);
          if (--left === 0) {
            this.connected = true;
            this.log.info(`SNMP: AgentX subagent registered with the master at ${String(masterPort)} (${mibs.map(([n]) => n).join(', ')}); traps ${this.parts().traps ? 'on' : 'off (no enable_traps)'}`);
            if (!this.registered) {
              this.registered = true;
              this.onFirstRegistered?.();
            }
          }
        });
      }
    });
  }

  /** The view, made again when older than a second (a walk is many requests). */
  private async current(): Promise<Varbind[]> {
    const now = Date.now();
    if (this.view !== undefined && now - this.view.at < 1000) return this.view.varbinds;
    const varbinds = servedObjects(mibView(await this.snapshot()), this.parts());
    this.view = { at: now, varbinds };
    return varbinds;
  }

  private wire(v: Varbind): NetSnmpVarbind {
    const types: Record<SnmpType, string> = { Integer: 'Integer', OctetString: 'OctetString', Gauge32: 'Gauge', Counter32: 'Counter', Counter64: 'Counter64', TimeTicks: 'TimeTicks', IpAddress: 'IpAddress' };
    return { oid: oidText(v.oid), type: this.snmp.ObjectType[types[v.type]]!, value: v.value };
  }

  private async answer(pdu: AgentXRequest, kind: 'get' | 'next' | 'bulk'): Promise<void> {
    const agent = this.agent;
    if (agent === undefined) return;
    let view: Varbind[];
    try {
      view = await this.current();
    } catch {
      view = [];
    }
    const T = this.snmp.ObjectType;
    const none = (oid: string, type: number): NetSnmpVarbind => ({ oid, type, value: null });
    const out: NetSnmpVarbind[] = [];
    const next = (r: AgentXRange, from: string): Varbind | undefined => nextAfter(view, oidOf(from), r.end === null ? undefined : oidOf(r.end));
    if (kind === 'get') {
      for (const r of pdu.searchRangeList) {
        const v = exactly(view, oidOf(r.start));
        out.push(v !== undefined ? this.wire(v) : none(r.start, T['NoSuchObject']!));
      }
    } else if (kind === 'next') {
      for (const r of pdu.searchRangeList) {
        const v = next(r, r.start);
        out.push(v !== undefined ? this.wire(v) : none(r.start, T['EndOfMibView']!));
      }
    } else {
      const ranges = pdu.searchRangeList;
      const nonRepeaters = pdu.nonRepeaters ?? 0;
      ranges.slice(0, nonRepeaters).forEach((r) => {
        const v = next(r, r.start);
        out.push(v !== undefined ? this.wire(v) : none(r.start, T['EndOfMibView']!));
      });
      const cursors = ranges.slice(nonRepeaters).map((r) => r.start);
      for (let rep = 0; rep < (pdu.maxRepetitions ?? 1) && cursors.length > 0; rep++) {
        cursors.forEach((from, i) => {
          const r = ranges[nonRepeaters + i]!;
          const v = next(r, from);
          out.push(v !== undefined ? this.wire(v) : none(from, T['EndOfMibView']!));
          if (v !== undefined) cursors[i] = oidText(v.oid);
        });
      }
    }
    try {
      agent.sendResponse(pdu.getResponsePduForRequest(), out);
    } catch (err) {
      this.log.error(`SNMP: cannot answer: ${(err as Error).message}`);
    }
  }

  /** TestSet: keepalived's answer for each object, from the view GET serves; nothing changes yet. */
  private async testSet(agent: Subagent, pdu: AgentXRequest): Promise<void> {
    let answer: { error: number; index: number } = { error: 0, index: 0 };
    try {
      this.view = undefined;
      const view = await this.current();
      const plan = planSet((pdu.varbinds ?? []).map((v) => ({ oid: oidOf(v.oid), type: v.type, value: v.value })), view, await this.snapshot());
      if (plan.ok) this.sets.set(pdu.transactionID, { changes: plan.changes, committed: false });
      else answer = { error: plan.error, index: plan.index };
    } catch (err) {
      this.log.error(`SNMP: cannot judge a SET: ${(err as Error).message}`);
      answer = { error: COMMIT_FAILED, index: 1 };
    }
    this.respond(agent, pdu, answer.error, answer.index);
  }

  /** CommitSet: the changes TestSet accepted, carried out; commitFailed if the daemon could not. */
  private async commitSet(agent: Subagent, pdu: AgentXRequest): Promise<void> {
    const set = this.sets.get(pdu.transactionID);
    let error = 0;
    try {
      if (set === undefined) throw new Error('no SET was tested in this transaction');
      await this.apply(set.changes);
      set.committed = true;
    } catch (err) {
      this.log.error(`SNMP: cannot carry out a SET: ${(err as Error).message}`);
      error = COMMIT_FAILED;
    }
    // The next GET shows what the SET did.
    this.view = undefined;
    this.respond(agent, pdu, error, error === 0 ? 0 : 1);
  }

  /** Answers a SET phase: no error (0), or the error at the `index`-th object (1-based). */
  private respond(agent: Subagent, pdu: AgentXRequest, error: number, index = error === 0 ? 0 : 1): void {
    try {
      const response = pdu.getResponsePduForRequest();
      response.error = error;
      response.index = index;
      agent.sendResponse(response, []);
    } catch (err) {
      this.log.error(`SNMP: cannot answer a SET: ${(err as Error).message}`);
    }
  }

  /** A trap; an encoding failure is logged, never thrown into the daemon. Kept until the master acknowledges it. */
  private send(agent: Subagent, oid: readonly number[], varbinds: NetSnmpVarbind[]): void {
    try {
      let acknowledged!: () => void;
      const ack = new Promise<void>((resolve) => (acknowledged = resolve));
      agent.notify(oidText(oid), varbinds, () => {
        this.unacknowledged.delete(ack);
        acknowledged();
      });
      this.unacknowledged.add(ack);
    } catch (err) {
      this.log.error(`SNMP: cannot send trap ${oidText(oid)}: ${(err as Error).message}`);
    }
  }

  /**
   * keepalived's traps for a transition: KEEPALIVED-MIB vrrpInstanceStateChange (snmp-vrrp-traps.ts;
   * `configuredMaster`: the file's `state MASTER`), and for a new master VRRP-MIB
   * vrrpTrapNewMaster (VRRPv2 over IPv4) and VRRPv3-MIB vrrpv3NewMaster.
   */
  async transition(e: TransitionEvent, configuredMaster: boolean, routerId: string): Promise<void> {
    const agent = this.agent;
    const parts = this.parts();
    if (agent === undefined || !this.connected || !parts.traps) return;
    this.view = undefined;
    this.vrrpTraps([instanceTrap(e.instance, e.to, configuredMaster, routerId)]);
    if (e.to !== 'MASTER' || !(parts.rfcv2 || parts.rfcv3)) return;
    const view = await this.current().catch(() => [] as Varbind[]);
    const s = await this.snapshot().catch(() => undefined);
    const idx = (s?.instances.findIndex((d) => d.config.name === e.instance) ?? -1) + 1;
    if (idx === 0) return;
    const at = (...oid: number[]): NetSnmpVarbind | undefined => {
      const v = exactly(view, oid);
      return v === undefined ? undefined : this.wire(v);
    };
    const present = (vs: Array<NetSnmpVarbind | undefined>): NetSnmpVarbind[] => vs.filter((v): v is NetSnmpVarbind => v !== undefined);
    const d = s!.instances[idx - 1]!;
    const ifIndex = s!.links.get(d.config.interface)?.index ?? 0;
    if (parts.rfcv2 && d.config.version === 2 && d.config.family === 4) {
      // vrrpTrapNewMaster's vrrpOperMasterIpAddr is the new master's, this router's own source
      // address (vrrpOperPrimaryIpAddr), as keepalived sends it; the column itself reads 0.0.0.0 while MASTER.
      const own = exactly(view, [...VRRP_MIB, 1, 3, 1, 8, ifIndex, d.config.virtualRouterId]);
      const masterIp = own === undefined ? undefined : this.wire({ ...own, oid: [...VRRP_MIB, 1, 3, 1, 7, ifIndex, d.config.virtualRouterId] });
      this.send(agent, [...VRRP_MIB, 0, 1], present([masterIp]));
    }
    const ix3 = [ifIndex, d.config.virtualRouterId, d.config.family === 4 ? 1 : 2];
    if (parts.rfcv3) this.send(agent, [...VRRPV3_MIB, 0, 1], present([at(...VRRPV3_MIB, 1, 1, 1, 1, 3, ...ix3), at(...VRRPV3_MIB, 1, 2, 5, 1, 2, ...ix3)]));
  }

  /**
   * KEEPALIVED-MIB's VRRP traps (snmp-vrrp-traps.ts: a sync group's transition, the stop's), in
   * order, when the VRRP part is served with `enable_traps`.
   */
  vrrpTraps(traps: ReadonlyArray<{ oid: readonly number[]; varbinds: readonly Varbind[] }>): void {
    const agent = this.agent;
    const parts = this.parts();
    if (agent === undefined || !this.connected || !parts.traps || !parts.vrrp) return;
    for (const t of traps) this.send(agent, t.oid, t.varbinds.map((v) => this.wire(v)));
  }

  /**
   * keepalived's realServerStateChange or virtualServerQuorumStateChange (snmp-check-traps.ts),
   * with the facts of the moment it happened, when the checker part is served with `enable_traps`.
   * Sent at once: a trap of the stop goes out before the subagent closes (`close` waits for it).
   */
  checkerTrap(t: CheckerTrap, routerId: string): void {
    const agent = this.agent;
    const parts = this.parts();
    if (agent === undefined || !this.connected || !parts.traps || !parts.checker) return;
    const { oid, varbinds } = checkerTrapVarbinds(t, routerId);
    this.send(agent, oid, varbinds.map((v) => this.wire(v)));
  }

  /**
   * Ends the AgentX session: first waits for the master to acknowledge the traps sent so far (it
   * sends each on as it takes it, so a trap of the stop is not lost to the exit), then closes.
   * Bounded by `graceMs` in all: a master that is gone or stalled does not hold up the stop.
   */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const agent = this.agent;
    this.agent = undefined;
    if (agent === undefined) return;
    if (!this.connected) {
      agent.socket?.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const gone = new Promise<void>((resolve) => agent.on('close', () => resolve()));
    try {
      await Promise.race([Promise.all(this.unacknowledged), deadline, gone]);
      await Promise.race([new Promise<void>((resolve) => {
        try {
          agent.close(() => resolve());
        } catch {
          resolve();
        }
      }), deadline, gone]);
    } finally {
      clearTimeout(timer);
      this.unacknowledged.clear();
      agent.socket?.destroy();
    }
  }
}
