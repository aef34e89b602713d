import { Diagnostics, suggest, type Diagnostic, type Position } from './diagnostics.js';
import { defaultGlobalDefs, parseGlobalDefs } from './global-defs.js';
import { nodeFingerprint, setBlockFingerprint } from './fingerprint.js';
import type { LexOptions, Token } from './lexer.js';
import { blockReader, readConfig, type ReusableBlock } from './reader.js';
import { checkAnnounce } from './anycast.js';
import { checkBfd, parseBfdInstance, type BfdDropped } from './bfd.js';
import { forEachChecker } from './each-checker.js';
import type { BfdInstance, Config, GarpGroup, GlobalDefs, InterfaceDelays, RouteSpec, TrackRef, RuleSpec, SslSettings, SyncGroup, TrackFile, TrackGroup, Tracking, TrackProcess, VirtualAddress, VirtualServer, VirtualServerGroup, VrrpInstance, VrrpScript } from './model.js';
import { routeBlock, ruleBlock } from './routes.js';
import { parseSyncGroup, parseTrackFile, parseTrackProcess, parseVrrpScript } from './tracking.js';
import { effectiveTracking, hasOwnerMember, trackedDefaults, trackedInUse, type TrackedDefaults } from './tracking-weights.js';
import { checkGroupServer, parseVirtualServer, parseVirtualServerGroup, realServerAsWritten, realServerIdentity } from './lvs.js';
import { blockOf } from './section.js';
import { arity } from './values.js';
import { TreeBuilder, type Node } from './tree.js';
import { parseVip, parseVrrpInstance } from './vrrp-instance.js';
import { PROCESS_KEYWORD_NAMES, processKeyword } from './top-level.js';
import { parseSsl } from './ssl.js';
import { checkTrackGroups, parseTrackGroup } from './track-group.js';
import { parseGarpGroup } from './garp-group.js';
import { parseInterfaceDelays, parseLinkbeatInterfaces } from './interfaces.js';

/** The outcome of loading a file: a model only when there is no error. */
export interface LoadResult {
  readonly config: Config | undefined;
  /** The model as far as it could be built, also when there are errors (undefined after a syntax error). */
  readonly model: Config | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

const TOP_KEYWORDS = ['global_defs', 'net_namespace', 'bfd_instance', 'track_group', 'garp_group', 'SSL', 'vrrp_instance', 'virtual_server', 'virtual_server_group', 'vrrp_script', 'track_file', 'vrrp_track_file', 'vrrp_sync_group', 'vrrp_track_process', 'interface_up_down_delays', 'linkbeat_interfaces', 'net_namespace_ipvs'];

/** What a block given twice comes to when keepalived looks blocks up by name. */
const FIRST_USED = 'the first is used, as keepalived uses it';

/**
 * Keeps in `items` the first block of each name, by name, and warns at each later one that it is
 * defined twice, saying `outcome` (keepalived finds or keeps the first of a name).
 */
function firstOfEachName<T extends { readonly name: string; readonly pos: Position }>(items: T[], what: string, outcome: string, diags: Diagnostics): Map<string, T> {
  const byName = new Map<string, T>();
  for (const i of items) {
    const prev = byName.get(i.name);
    if (prev === undefined) byName.set(i.name, i);
    else diags.warning('CONF_ERR_CONFLICT', i.pos, `${what} ${i.name} is defined twice (first at line ${prev.pos.line}); ${outcome}`);
  }
  if (byName.size < items.length) items.splice(0, items.length, ...items.filter((i) => byName.get(i.name) === i));
  return byName;
}

/**
 * Cross-references of tracking, corrected as keepalived 2.2.7 corrects them (vrrp_track.c,
 * vrrp_sync.c): a track_script, track_file or track_process naming no such block is ignored
 * ("not found, ignoring..."); a sync group member that is no vrrp_instance, or already in an
 * earlier group, is left out, and a group left without members is removed. Each with a
 * warning at its place; `instances` and `groups` are corrected in place.
 */
function checkTracking(instances: VrrpInstance[], scripts: VrrpScript[], files: TrackFile[], processes: TrackProcess[], groups: SyncGroup[], diags: Diagnostics): void {
  // keepalived finds the first block of a name (a second vrrp_sync_group it skips: "already defined").
  const scriptNames = firstOfEachName(scripts, 'vrrp_script', FIRST_USED, diags);
  const fileNames = firstOfEachName(files, 'track_file', FIRST_USED, diags);
  const processNames = firstOfEachName(processes, 'vrrp_track_process', FIRST_USED, diags);
  firstOfEachName(groups, 'vrrp_sync_group', FIRST_USED, diags);
  const used = new Set<string>();
  /** The tracking with the references to missing blocks left out; the same object when none is. */
  const resolved = (owner: string, t: Tracking): Tracking => {
    const keep = (refs: readonly TrackRef[], names: Map<string, unknown>, what: string, block: string): readonly TrackRef[] => {
      const kept = refs.filter((r) => {
        if (names.has(r.name)) return true;
        const near = suggest(r.name, names.keys());
        diags.warning('CONF_ERR_REFERENCE', r.pos, `(${owner}) ${what} ${r.name}: no ${block} of that name${near !== undefined ? `; did you mean '${near}'?` : ''}; ignored, as keepalived ignores it`);
        return false;
      });
      return kept.length === refs.length ? refs : kept;
    };
    for (const r of t.trackScript) used.add(r.name);
    const trackScript = keep(t.trackScript, scriptNames, 'track_script', 'vrrp_script');
    const trackFile = keep(t.trackFile, fileNames, 'track_file', 'track_file block');
    const trackProcess = keep(t.trackProcess, processNames, 'track_process', 'vrrp_track_process');
    if (trackScript === t.trackScript && trackFile === t.trackFile && trackProcess === t.trackProcess) return t;
    return { ...t, trackScript, trackFile, trackProcess };
  };
  instances.forEach((i, k) => {
    const tracking = resolved(i.name, i.tracking);
    if (tracking !== i.tracking) instances[k] = { ...i, tracking };
  });
  const instanceNames = new Set(instances.map((i) => i.name));
  const member = new Map<string, string>();
  const kept: SyncGroup[] = [];
  for (const g of groups) {
    const tracking = resolved(g.name, g.tracking);
    const members = g.group.filter((name) => {
      if (!instanceNames.has(name)) {
        const near = suggest(name, instanceNames);
        diags.warning('CONF_ERR_REFERENCE', g.pos, `vrrp_sync_group ${g.name}: no vrrp_instance ${name}${near !== undefined ? `; did you mean '${near}'?` : ''}; left out, as keepalived leaves it out`);
        return false;
      }
      const other = member.get(name);
      if (other !== undefined) {
        diags.warning('CONF_ERR_CONFLICT', g.pos, `vrrp_instance ${name} is already in vrrp_sync_group ${other}; left out of ${g.name}, as keepalived leaves it out`);
        return false;
      }
      member.set(name, g.name);
      return true;
    });
    if (members.length === 0) {
      diags.warning('CONF_ERR_REFERENCE', g.pos, `vrrp_sync_group ${g.name} has no vrrp_instance left; removed, as keepalived removes it`);
      continue;
    }
    kept.push(members.length === g.group.length && tracking === g.tracking ? g : { ...g, group: members, tracking });
  }
  groups.splice(0, groups.length, ...kept);
  const defaults = trackedDefaults(scripts, files, processes);
  warnTrackingWeights(instances, groups, defaults, diags);
  const inUse = trackedInUse(instances, groups, defaults).scripts;
  for (const s of scripts) {
    if (!used.has(s.name)) diags.warning('CONF_ERR_REFERENCE', s.pos, `vrrp_script ${s.name} is not used by any track_script; it will not run`);
    else if (!inUse.has(s.name)) diags.warning('CONF_ERR_REFERENCE', s.pos, `vrrp_script ${s.name} is tracked only where keepalived ignores its weight (see above); it will not run, as keepalived says "script ${s.name} is not used"`);
  }
}

/** What keepalived does to the weights of tracked items in sync groups and on address owners (`effectiveTracking`), said once each. */
function warnTrackingWeights(instances: readonly VrrpInstance[], groups: readonly SyncGroup[], defaults: TrackedDefaults, diags: Diagnostics): void {
  const groupOf = new Map<string, SyncGroup>();
  for (const g of groups) for (const m of g.group) groupOf.set(m, g);
  const owned = new Set(groups.filter((g) => hasOwnerMember(g, instances)));
  const said = new Set<string>();
  for (const i of instances) {
    const g = groupOf.get(i.name);
    for (const c of effectiveTracking(i, g, g !== undefined && owned.has(g), defaults).corrections) {
      const key = `${c.pos.file}:${c.pos.line}:${c.pos.col}`;
      if (said.has(key)) continue;
      said.add(key);
      diags.warning('CONF_ERR_CONFLICT', c.pos, c.message);
    }
  }
}


/**
 * keepalived's link_vsg_to_vs (check/ipwrapper.c): a virtual server whose group mixes IPv4
 * and IPv6 addresses must have no family of its own (one set by a real or sorry server that
 * is not tunnelled, ip_family or persistence_granularity), and on a group of one family its
 * family must be that one; keepalived ignores any other, with a message, and so does tandem
 * (with a warning). Returns whether the virtual server stays.
 */
function groupFamilyFits(vs: VirtualServer, group: VirtualServerGroup, diags: Diagnostics): boolean {
  const families = new Set(group.entries.flatMap((e) => (e.kind === 'address' ? [e.family] : [])));
  const tunnelled = (f: VirtualServer['forwarding'] | undefined): boolean => (f ?? vs.forwarding).kind === 'TUN';
  const setters: Array<{ family: 4 | 6; what: string }> = [
    ...(vs.ipFamily !== undefined ? [{ family: vs.ipFamily, what: 'ip_family' }] : []),
    ...(vs.sorryServer !== undefined && !tunnelled(vs.sorryServer.forwarding) ? [{ family: (vs.sorryServer.address.includes(':') ? 6 : 4) as 4 | 6, what: `sorry_server ${vs.sorryServer.address}` }] : []),
    ...vs.realServers.filter((r) => !tunnelled(r.forwarding)).map((r) => ({ family: r.family, what: `real_server ${r.address}` })),
    ...(vs.persistenceGranularity !== undefined ? [{ family: (vs.persistenceGranularity.includes('.') ? 4 : 6) as 4 | 6, what: 'persistence_granularity' }] : []),
  ];
  const first = setters[0];
  if (first === undefined) return true;
  if (families.size === 2) {
    diags.warning('CONF_ERR_CONFLICT', vs.pos, `virtual_server ${vs.name}: virtual_server_group ${group.name} has IPv4 and IPv6 addresses, which needs every real and sorry server tunnelled and no ip_family or persistence_granularity, but ${first.what} makes it IPv${first.family}; ignored, as keepalived ignores it`);
    return false;
  }
  const mismatch = setters.find((x) => families.size === 1 && !families.has(x.family));
  if (mismatch === undefined) return true;
  diags.warning('CONF_ERR_CONFLICT', vs.pos, `virtual_server ${vs.name}: ${mismatch.what} is IPv${mismatch.family}, virtual_server_group ${group.name}'s addresses are not; ignored, as keepalived ignores it`);
  return false;
}

/**
 * A second block for a service already defined: keepalived 2.2.7 has no check for it, so it
 * adds the same IPVS service again (EEXIST, which it takes as done) and then this block's real
 * servers to it, where the kernel holds one of each address and port. The service keeps the
 * first block's settings; the second's real servers that the first lacks join it with their checkers.
 */
function mergeDuplicate(first: VirtualServer, second: VirtualServer, diags: Diagnostics): VirtualServer {
  const held = new Set(first.realServers.map(realServerIdentity));
  const added = second.realServers.filter((rs) => !held.has(realServerIdentity(rs)));
  const joined = added.length > 0 ? `; its real servers the first lacks (${added.map(realServerAsWritten).join(', ')}) join that service` : '; its real servers are all in the first';
  diags.warning('CONF_ERR_CONFLICT', second.pos, `virtual_server ${second.name} is defined twice (first at line ${first.pos.line}): keepalived programs one IPVS service with the first block's settings${joined}, and so does tandem`);
  // A copy: `first` may be a block the cache hands to the next reload as it was read.
  return added.length > 0 ? { ...first, realServers: [...first.realServers, ...added] } : first;
}

/** Leaves the track_bfd references and BFD_CHECKs keepalived ignores out of the model, in place. */
function leaveOutBfd(dropped: BfdDropped, instances: VrrpInstance[], groups: SyncGroup[], servers: VirtualServer[]): void {
  if (dropped.refs.size > 0) {
    const without = <T extends { readonly tracking: Tracking }>(x: T): T =>
      x.tracking.trackBfd.some((r) => dropped.refs.has(r)) ? { ...x, tracking: { ...x.tracking, trackBfd: x.tracking.trackBfd.filter((r) => !dropped.refs.has(r)) } } : x;
    instances.forEach((i, k) => (instances[k] = without(i)));
    groups.forEach((g, k) => (groups[k] = without(g)));
  }
  if (dropped.checkers.size === 0) return;
  servers.forEach((vs, k) => {
    if (!vs.realServers.some((rs) => rs.checkers.some((c) => dropped.checkers.has(c)))) return;
    servers[k] = { ...vs, realServers: vs.realServers.map((rs) => (rs.checkers.some((c) => dropped.checkers.has(c)) ? { ...rs, checkers: rs.checkers.filter((c) => !dropped.checkers.has(c)) } : rs)) };
  });
}

/** Cross-checks of the virtual servers and their groups; drops from `servers` those keepalived ignores. */
function checkLvs(groups: VirtualServerGroup[], servers: VirtualServer[], diags: Diagnostics): void {
  // keepalived looks a group up by name and finds the first.
  const groupNames = firstOfEachName(groups, 'virtual_server_group', FIRST_USED, diags);
  const names = new Map<string, VirtualServer>();
  const ignored = new Set<VirtualServer>();
  for (const vs of servers) {
    if (vs.key.kind === 'group' && !groupNames.has(vs.key.group)) {
      diags.error('CONF_ERR_REFERENCE', vs.pos, `virtual_server group ${vs.key.group}: no virtual_server_group of that name`);
    }
    const g = vs.key.kind === 'group' ? groupNames.get(vs.key.group) : undefined;
    if (g !== undefined) {
      if (g.entries.length === 0) {
        // keepalived removes an empty group ("has no entries - removing") and then ignores the virtual servers naming it.
        diags.warning('CONF_ERR_MISSING', vs.pos, `virtual_server ${vs.name}: virtual_server_group ${g.name} has no entries; ignored, as keepalived ignores it`);
        ignored.add(vs);
      } else if (!groupFamilyFits(vs, g, diags)) ignored.add(vs);
      else checkGroupServer(vs, g, diags);
      if (vs.haSuspend === true && g.entries.some((e) => e.kind === 'fwmark')) {
        diags.warning('CONF_ERR_CONFLICT', vs.pos, `virtual_server ${vs.name}: ha_suspend cannot be used with virtual_server_group ${g.name}, which has fwmark entries; ignored, as keepalived clears it`);
      }
    }
    if (ignored.has(vs)) continue;
    const prev = names.get(vs.name);
    if (prev === undefined) names.set(vs.name, vs);
    else {
      const merged = mergeDuplicate(prev, vs, diags);
      if (merged !== prev) {
        servers[servers.indexOf(prev)] = merged;
        names.set(vs.name, merged);
      }
      ignored.add(vs);
    }
  }
  if (ignored.size > 0) servers.splice(0, servers.length, ...servers.filter((vs) => !ignored.has(vs)));
}

/** VRID clashes; a second `vrrp_instance` of a name is skipped with a warning, as keepalived skips it ("already defined"). */
function checkConflicts(instances: VrrpInstance[], diags: Diagnostics): void {
  firstOfEachName(instances, 'vrrp_instance', 'this one is skipped, as keepalived skips it', diags);
  const vrids = new Map<string, VrrpInstance>();
  for (const i of instances) {
    // Unicast instances with disjoint peer sets may share a VRID (keepalived allows it).
    const key = `${i.interface}/${i.family}/${i.virtualRouterId}/${i.unicastPeer.length > 0 ? [...i.unicastPeer].sort().join(',') : 'multicast'}`;
    const same = vrids.get(key);
    if (same !== undefined) {
      diags.error('CONF_ERR_CONFLICT', i.pos, `virtual_router_id ${i.virtualRouterId} is already used on ${i.interface} (IPv${i.family}) by vrrp_instance ${same.name}`);
    }
    vrids.set(key, i);
  }
}

/** Adds `item` when there is one; whether it did. */
function collect<T>(list: T[], item: T | undefined): boolean {
  if (item !== undefined) list.push(item);
  return item !== undefined;
}

/** Where rules were read: a static rule (its index) or an instance's virtual_rules (the instance's index). */
type RuleSource = { readonly staticRule: number } | { readonly instance: number };

/**
 * keepalived 2.2.7 (vrrp_iprule.c) gives a rule without preference one of its own, counting
 * down from 16384 per family in the order the file is read (static_rules and the instances'
 * virtual_rules alike), and anew at each reload: the same numbers, so the kernel holds the same
 * rules. Instances are copied, never changed: the reload cache hands them on as read.
 */
function numberRules(order: readonly RuleSource[], staticRules: RuleSpec[], instances: VrrpInstance[]): void {
  const next = { 4: 16384, 6: 16384 };
  const numbered = (r: RuleSpec): RuleSpec => (r.preference !== undefined ? r : { ...r, preference: next[r.family]-- });
  for (const at of order) {
    if ('staticRule' in at) {
      staticRules[at.staticRule] = numbered(staticRules[at.staticRule]!);
      continue;
    }
    const i = instances[at.instance]!;
    if (i.virtualRules.every((r) => r.preference !== undefined)) continue;
    instances[at.instance] = { ...i, virtualRules: i.virtualRules.map(numbered) };
  }
}

/** A block parsed as soon as it was read, with what its parser reported. */
interface EarlyBlock {
  readonly value: VirtualServer | undefined;
  readonly diags: Diagnostics;
}

/**
 * Parses `virtual_server` blocks while the file is still being read: a director's file is
 * mostly these, and once parsed their statements need not be kept. Their model does not
 * depend on anything else in the file; what they report is kept aside and merged in file
 * order by `buildConfig`, so the diagnostics are the same as when parsed at the end.
 */
class EarlyParser {
  readonly blocks = new Map<Node, EarlyBlock>();

  /** The reader's span of the block just closed, when it has one; set once the reader exists. */
  spanOf: ((keyword: Token) => ReusableBlock | undefined) | undefined;

  constructor(
    readonly fingerprints: boolean,
    private readonly parsed?: (node: Node, block: EarlyBlock, span: ReusableBlock | undefined) => void,
  ) {}

  readonly take = (node: Node): boolean => {
    if (node.keyword.text !== 'virtual_server') return false;
    const diags = new Diagnostics();
    const span = this.spanOf?.(node.keyword);
    const value = parseVirtualServer(node, diags);
    // A block read straight from the text has that text as its fingerprint: compared as a
    // string, never hashed (the text fixes the words; the words fix the model).
    if (this.fingerprints && value !== undefined) setBlockFingerprint(value, span?.text ?? nodeFingerprint(node));
    const block = { value, diags };
    this.blocks.set(node, block);
    this.parsed?.(node, block, span);
    return true;
  };
}

/** A virtual_server block of a good read, with what reading it gave. */
interface CachedBlock extends ReusableBlock {
  readonly file: string;
  readonly line: number;
  readonly node: Node;
  readonly early: EarlyBlock;
}

/**
 * What a daemon keeps from one read of its configuration for the next: each virtual_server
 * block of the last read without errors, by file, first line and text. A reload reads again
 * only the blocks whose text or place changed; the others keep their model, and its
 * fingerprint, as they were (a director's reload mostly changes one weight among thousands).
 * Only blocks read straight from the text are kept: one that a definition, conditional,
 * sequence or include made is read again every time.
 */
export class BlockCache {
  private files = new Map<string, Map<number, CachedBlock>>();

  /** @internal The kept blocks of a file, by first line. */
  forFile(file: string): ReadonlyMap<number, CachedBlock> | undefined {
    return this.files.get(file);
  }

  /** @internal Keeps exactly these blocks, from the read that just ended without errors. */
  replace(blocks: readonly CachedBlock[]): void {
    this.files = new Map();
    for (const b of blocks) {
      let m = this.files.get(b.file);
      if (m === undefined) this.files.set(b.file, (m = new Map()));
      m.set(b.line, b);
    }
  }
}

/** `value`, with the fingerprint of the block it was built from when they are asked for. */
function keep<T extends object>(value: T | undefined, node: Node, fingerprints: boolean | undefined): T | undefined {
  if (fingerprints === true && value !== undefined) setBlockFingerprint(value, nodeFingerprint(node));
  return value;
}

/** Options of `load`. */
export interface LoadOptions extends LexOptions {
  /**
   * Keep a fingerprint of each block with the virtual servers, groups, instances and track
   * files built from it (`blockFingerprint`), for a later `diff`; a daemon wants them, a
   * one-time check does not.
   */
  readonly fingerprints?: boolean;
  /** Blocks kept from the last read, reused where unchanged, and updated by this read when it has no error. */
  readonly cache?: BlockCache;
}

/** Builds the model from a statement tree (`early`: blocks parsed while reading it). */
export function buildConfig(file: string, nodes: readonly Node[], diags: Diagnostics, early?: EarlyParser): Config {
  const fp = early?.fingerprints;
  let globals: GlobalDefs = defaultGlobalDefs();
  for (const n of nodes) {
    // keepalived also takes net_namespace outside global_defs (its samples do).
    if (n.keyword.text === 'net_namespace') {
      if (arity(n, 1, 1, diags)) globals = { ...globals, netNamespace: n.args[0]!.text };
      if (n.block !== undefined) diags.error('CONF_ERR_SYNTAX', n.blockPos ?? n.keyword.pos, 'net_namespace does not take a block');
      continue;
    }
    // keepalived's net_namespace_ipvs is a top-level keyword only; no name means the default namespace (/proc/1/ns/net).
    if (n.keyword.text === 'net_namespace_ipvs') {
      if (!arity(n, 0, 1, diags)) continue;
      if (globals.netNamespaceIpvs !== undefined) diags.warning('CONF_ERR_CONFLICT', n.keyword.pos, `net_namespace_ipvs already given; this one is ignored (keepalived: Duplicate net_namespace_ipvs definition)`);
      else globals = { ...globals, netNamespaceIpvs: n.args[0]?.text ?? '' };
      continue;
    }
    if (n.keyword.text !== 'global_defs') continue;
    if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after global_defs`);
    const block = blockOf(n, diags);
    if (block !== undefined) globals = parseGlobalDefs(block, globals, diags);
  }
  const instances: VrrpInstance[] = [];
  const groups: VirtualServerGroup[] = [];
  const servers: VirtualServer[] = [];
  const scripts: VrrpScript[] = [];
  const files: TrackFile[] = [];
  const processes: TrackProcess[] = [];
  let ssl: SslSettings | undefined;
  const syncGroups: SyncGroup[] = [];
  const bfdInstances: BfdInstance[] = [];
  const staticAddresses: VirtualAddress[] = [];
  const staticRoutes: RouteSpec[] = [];
  const staticRules: RuleSpec[] = [];
  const interfaceDelays: Record<string, InterfaceDelays> = {};
  const trackGroups: TrackGroup[] = [];
  const garpGroups: GarpGroup[] = [];
  const garpInterfaces = new Set<string>();
  // Where the rules were read, in order (keepalived numbers them so).
  const ruleOrder: RuleSource[] = [];
  // keepalived looks a static item's track_group up as it reads the item: one defined later is "not found".
  const readBeforeGroup = new Set<Position>();
  const noteEarlyRefs = (items: ReadonlyArray<{ readonly trackGroup?: string; readonly pos: Position }>): void => {
    for (const x of items) if (x.trackGroup !== undefined && !trackGroups.some((g) => g.name === x.trackGroup)) readBeforeGroup.add(x.pos);
  };
  for (const n of nodes) {
    const kw = n.keyword.text;
    if (kw === 'global_defs' || kw === 'net_namespace' || kw === 'net_namespace_ipvs') continue;
    // One parser per top-level block; each adds what it parsed to its list.
    switch (kw) {
      case 'vrrp_script':
        collect(scripts, parseVrrpScript(n, diags));
        continue;
      case 'track_file':
      case 'vrrp_track_file':
        collect(files, keep(parseTrackFile(n, diags), n, fp));
        continue;
      case 'vrrp_sync_group':
        collect(syncGroups, parseSyncGroup(n, diags));
        continue;
      case 'vrrp_track_process':
        collect(processes, parseTrackProcess(n, diags));
        continue;
      case 'SSL':
        ssl = parseSsl(n, ssl, diags);
        continue;
      case 'bfd_instance':
        collect(bfdInstances, parseBfdInstance(n, diags));
        continue;
      case 'virtual_server': {
        const e = early?.blocks.get(n);
        if (e !== undefined) diags.append(e.diags);
        collect(servers, e !== undefined ? e.value : keep(parseVirtualServer(n, diags), n, fp));
        continue;
      }
      case 'virtual_server_group':
        collect(groups, keep(parseVirtualServerGroup(n, diags), n, fp));
        continue;
      case 'vrrp_instance':
        if (collect(instances, keep(parseVrrpInstance(n, globals, diags), n, fp))) ruleOrder.push({ instance: instances.length - 1 });
        continue;
      case 'static_ipaddress':
        for (const e of blockOf(n, diags) ?? []) collect(staticAddresses, parseVip(e, diags));
        noteEarlyRefs(staticAddresses);
        continue;
      case 'static_routes':
        staticRoutes.push(...routeBlock(n, diags));
        noteEarlyRefs(staticRoutes);
        continue;
      case 'static_rules':
        for (const r of ruleBlock(n, diags)) ruleOrder.push({ staticRule: staticRules.push(r) - 1 });
        noteEarlyRefs(staticRules);
        continue;
      case 'interface_up_down_delays':
        parseInterfaceDelays(n, interfaceDelays, diags);
        continue;
      case 'linkbeat_interfaces':
        parseLinkbeatInterfaces(n, diags);
        continue;
      case 'track_group':
        collect(trackGroups, parseTrackGroup(n, diags));
        continue;
      case 'garp_group':
        collect(garpGroups, parseGarpGroup(n, garpInterfaces, diags));
        continue;
    }
    if (processKeyword(n, diags)) continue;
    const near = suggest(kw, [...TOP_KEYWORDS, ...PROCESS_KEYWORD_NAMES]);
    diags.error('CONF_ERR_UNKNOWN_KEYWORD', n.keyword.pos, `unknown top-level keyword '${kw}'${near !== undefined ? `; did you mean '${near}'?` : ''}`);
  }
  numberRules(ruleOrder, staticRules, instances);
  checkConflicts(instances, diags);
  checkLvs(groups, servers, diags);
  checkTracking(instances, scripts, files, processes, syncGroups, diags);
  checkTrackGroups(trackGroups, instances, staticAddresses, staticRoutes, staticRules, globals.defaultInterface ?? 'eth0', readBeforeGroup, diags);
  // keepalived takes track_group only on static items; on an instance's it is an unknown option.
  for (const i of instances) {
    for (const x of [...i.virtualIpaddress, ...i.virtualIpaddressExcluded, ...i.virtualRoutes, ...i.virtualRules]) {
      if (x.trackGroup !== undefined) diags.error('CONF_ERR_UNSUPPORTED', x.pos, `track_group is taken only by static_ipaddress, static_routes and static_rules entries (keepalived refuses it here too)`);
    }
  }
  // Reading order of the top-level blocks, made only when a BFD reference needs it.
  let order: Map<string, number> | undefined;
  const orderOf = (p: Position): number => (order ??= new Map(nodes.map((n, i) => [`${n.keyword.file}:${n.keyword.line}:${n.keyword.col}`, i]))).get(`${p.file}:${p.line}:${p.col}`) ?? Infinity;
  leaveOutBfd(checkBfd({ bfdInstances, vrrpInstances: instances, syncGroups, virtualServers: servers, orderOf }, diags), instances, syncGroups, servers);
  checkAnnounce(globals.announce, servers, diags);
  const fileNames = new Set(files.map((f) => f.name));
  forEachChecker(servers, (c) => {
    if (c.kind === 'FILE_CHECK' && !fileNames.has(c.trackFile)) {
      const near = suggest(c.trackFile, fileNames);
      diags.error('CONF_ERR_REFERENCE', c.pos, `FILE_CHECK: no track_file ${c.trackFile}${near !== undefined ? `; did you mean '${near}'?` : ''}`);
    }
  });
  // The old per-instance form: keepalived runs one sync daemon, following that instance.
  let globalDefs = globals;
  const old = instances.filter((i) => i.lvsSyncDaemonInterface !== undefined);
  for (const [n, i] of old.entries()) {
    const where = i.lvsSyncDaemonInterface!;
    const first = globals.lvsSyncDaemon ?? (n > 0 ? globalDefs.lvsSyncDaemon : undefined);
    if (first !== undefined) {
      // One sync daemon runs per system: keepalived keeps the one it read first.
      diags.warning('CONF_ERR_CONFLICT', where.pos, `(${i.name}) lvs_sync_daemon_interface ${where.name}: the sync daemon is already set on ${first.interface} (line ${first.pos.line}); ignored, as keepalived ignores it`);
      continue;
    }
    diags.warning('CONF_ERR_VALUE', where.pos, `lvs_sync_daemon_interface is keepalived's old form; read as global_defs { lvs_sync_daemon ${where.name} ${i.name} }`);
    globalDefs = { ...globals, lvsSyncDaemon: { interface: where.name, instance: i.name, pos: where.pos } };
  }
  const sync = globalDefs.lvsSyncDaemon;
  if (sync?.instance !== undefined && !instances.some((i) => i.name === sync.instance)) {
    // keepalived's VRRP side: "Unable to find vrrp instance ... for lvs_syncd - clearing lvs_syncd config".
    const near = suggest(sync.instance, instances.map((i) => i.name));
    diags.warning('CONF_ERR_REFERENCE', sync.pos, `lvs_sync_daemon: no vrrp_instance ${sync.instance}${near !== undefined ? `; did you mean '${near}'?` : ''}; no sync daemon runs, as keepalived clears it`);
    globalDefs = { ...globalDefs, lvsSyncDaemon: undefined };
  }
  return { file, globalDefs, staticAddresses, staticRoutes, staticRules, vrrpInstances: instances, virtualServerGroups: groups, virtualServers: servers, vrrpScripts: scripts, trackFiles: files, trackProcesses: processes, syncGroups, bfdInstances, ...(ssl !== undefined ? { ssl } : {}), ...(Object.keys(interfaceDelays).length > 0 ? { interfaceDelays } : {}), ...(trackGroups.length > 0 ? { trackGroups } : {}), ...(garpGroups.length > 0 ? { garpGroups } : {}) };
}

/** Reads, parses and validates a keepalived.conf (with its includes). Never throws on file content. */
export function load(file: string, options: LoadOptions = {}): LoadResult {
  const diags = new Diagnostics();
  // The tokens go straight into the tree as they are read; the tree's errors (unbalanced
  // braces) are reported after the reader's, as when the whole file was read first.
  const treeDiags = new Diagnostics();
  const cache = options.cache;
  const kept: CachedBlock[] = [];
  const early = new EarlyParser(options.fingerprints === true, cache === undefined ? undefined : (node, block, s) => {
    if (s !== undefined) kept.push({ text: s.text, lines: s.lines, file: node.keyword.file, line: node.keyword.line, node, early: block });
  });
  const builder = new TreeBuilder(treeDiags, early.take);
  if (cache === undefined && options.fingerprints !== true) readConfig(file, diags, options, builder);
  else {
    const reader = blockReader(diags, options, builder, {
      forFile: (f) => cache?.forFile(f),
      reuse: (block) => {
        const b = block as CachedBlock;
        if (!builder.appendTaken(b.node)) return false;
        early.blocks.set(b.node, b.early);
        kept.push(b);
        return true;
      },
    });
    early.spanOf = reader.closedBlockSpan;
    reader.read(file);
  }
  const tree = builder.finish();
  diags.append(treeDiags);
  // After a syntax or include error the block structure is uncertain; checking
  // the model would only add follow-on errors that hide the real one.
  if (diags.errors.length > 0) return { config: undefined, model: undefined, diagnostics: diags.list, errors: diags.errors, warnings: diags.warnings };
  const config = buildConfig(file, tree, diags, early);
  const errors = diags.errors;
  if (errors.length === 0) cache?.replace(kept);
  return { config: errors.length === 0 ? config : undefined, model: config, diagnostics: diags.list, errors, warnings: diags.warnings };
}
