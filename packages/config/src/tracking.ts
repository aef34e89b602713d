import type { Diagnostics, Position } from './diagnostics.js';
import type { NotifyScripts, ScriptSpec, SyncGroup, TrackFile, TrackProcess, TrackRef, VrrpScript } from './model.js';
import { applySection, blockOf, flag, integer, namedBlock, seconds, single, type Handler, type SectionSpec } from './section.js';
import type { Node } from './tree.js';
import { arity, enumValue, intValue, type Mutable } from './values.js';


/** `CMD [USER [GROUP]]`: a quoted command line, then who runs it. */
export function scriptValue(node: Node, diags: Diagnostics): ScriptSpec | undefined {
  if (!arity(node, 1, 3, diags)) return undefined;
  const [cmd, user, group] = node.args;
  if (cmd!.text.trim() === '') {
    diags.error('CONF_ERR_VALUE', cmd!.pos, `${node.keyword.text} needs a command`);
    return undefined;
  }
  return { command: cmd!.text, ...(user !== undefined ? { user: user.text } : {}), ...(group !== undefined ? { group: group.text } : {}), pos: cmd!.pos };
}

/** A keyword taking `CMD [USER [GROUP]]` (keepalived's notify_script_init). */
export function scriptKeyword<D>(store: (draft: D, script: ScriptSpec) => void): Handler<D> {
  return (n, d, diags) => {
    const s = scriptValue(n, diags);
    if (s !== undefined) store(d, s);
  };
}

/** `weight N [reverse|noreverse]` inside a track list entry. */
function weightWords(entry: Node, start: number, min: number, max: number, diags: Diagnostics): { weight?: number; reverse: boolean } | undefined {
  const words = entry.args.slice(start);
  if (words.length === 0) return { reverse: false };
  if (words[0]!.text !== 'weight' || words[1] === undefined) {
    diags.error('CONF_ERR_VALUE', words[0]!.pos, `expected 'weight N [reverse]', got '${words[0]!.text}'`);
    return undefined;
  }
  const weight = intValue(words[1], min, max, 'weight', diags);
  if (weight === undefined) return undefined;
  const tail = words[2];
  if (tail !== undefined && tail.text !== 'reverse' && tail.text !== 'noreverse') {
    diags.error('CONF_ERR_VALUE', tail.pos, `expected reverse or noreverse, got '${tail.text}'`);
    return undefined;
  }
  if (words[3] !== undefined) diags.error('CONF_ERR_ARITY', words[3].pos, `unexpected '${words[3].text}'`);
  return { weight, reverse: tail?.text === 'reverse' };
}

function trackList(min: number, max: number) {
  return (n: Node, diags: Diagnostics): TrackRef[] => {
    if (n.args.length > 0) diags.error('CONF_ERR_ARITY', n.args[0]!.pos, `unexpected '${n.args[0]!.text}' after ${n.keyword.text}`);
    const out: TrackRef[] = [];
    for (const e of blockOf(n, diags) ?? []) {
      const w = weightWords(e, 0, min, max, diags);
      if (w !== undefined) out.push({ name: e.keyword.text, ...(w.weight !== undefined ? { weight: w.weight } : {}), reverse: w.reverse, pos: e.keyword.pos });
    }
    return out;
  };
}

/** A mutable Tracking for parsing. */
export interface TrackingLists {
  trackScript: TrackRef[];
  trackInterface: TrackRef[];
  trackFile: TrackRef[];
  trackProcess: TrackRef[];
  trackBfd: TrackRef[];
  notify: Mutable<NotifyScripts>;
}

export type TrackingDraft = { tracking: TrackingLists };

const notifyKey: Record<string, keyof NotifyScripts> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify_deleted: 'deleted',
  notify: 'generic',
  notify_master_rx_lower_pri: 'masterRxLowerPri',
};

/** track_* and notify_* keywords, valid in vrrp_instance and vrrp_sync_group. */
export function trackingKeywords<D extends TrackingDraft>(): Record<string, Handler<D>> {
  const handlers: Record<string, Handler<D>> = {
    track_script: (n, d, diags) => d.tracking.trackScript.push(...trackList(-253, 253)(n, diags)),
    track_interface: (n, d, diags) => d.tracking.trackInterface.push(...trackList(-253, 253)(n, diags)),
    track_file: (n, d, diags) => d.tracking.trackFile.push(...trackList(-254, 254)(n, diags)),
    track_process: (n, d, diags) => d.tracking.trackProcess.push(...trackList(-254, 254)(n, diags)),
    // keepalived's vrrp_track.c alloc_track_bfd; the names are resolved in bfd.ts.
    track_bfd: (n, d, diags) => d.tracking.trackBfd.push(...trackList(-253, 253)(n, diags)),
  };
  for (const [kw, key] of Object.entries(notifyKey)) handlers[kw] = scriptKeyword((d, s) => (d.tracking.notify[key] = s));
  return handlers;
}

export function emptyTracking(): TrackingLists {
  return { trackScript: [], trackInterface: [], trackFile: [], trackProcess: [], trackBfd: [], notify: {} };
}

type ScriptDraft = { script?: ScriptSpec; interval: number; timeout?: number; weight: number; reverse: boolean; rise: number; fall: number; user?: string; initFail: boolean };

const scriptSpec: SectionSpec<ScriptDraft> = {
  name: 'vrrp_script',
  keywords: {
    script: (n, d, diags) => {
      const s = scriptValue(n, diags);
      if (s !== undefined) d.script = s;
    },
    interval: single(seconds(0.001, 86400), (d, v) => (d.interval = v)),
    timeout: single(seconds(0.001, 86400), (d, v) => (d.timeout = v)),
    weight: (n, d, diags) => {
      if (!arity(n, 1, 2, diags)) return;
      const w = intValue(n.args[0]!, -253, 253, 'weight', diags);
      if (w !== undefined) d.weight = w;
      const r = n.args[1];
      if (r !== undefined && r.text !== 'reverse') diags.error('CONF_ERR_VALUE', r.pos, `expected reverse, got '${r.text}'`);
      d.reverse = r?.text === 'reverse';
    },
    rise: single(integer(1, 2 ** 31 - 1), (d, v) => (d.rise = v)),
    fall: single(integer(1, 2 ** 31 - 1), (d, v) => (d.fall = v)),
    user: (n, d, diags) => {
      if (arity(n, 1, 2, diags)) d.user = n.args.map((a) => a.text).join(' ');
    },
    init_fail: flag((d, v) => (d.initFail = v)),
  },
};

export function parseVrrpScript(node: Node, diags: Diagnostics): VrrpScript | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { block } = named;
  const d: ScriptDraft = { interval: 1, weight: 0, reverse: false, rise: 1, fall: 1, initFail: false };
  applySection(scriptSpec, block, d, diags);
  if (d.script === undefined) {
    // keepalived: "No script set for vrrp_script NAME - removing"; its track_script lines are then ignored.
    diags.warning('CONF_ERR_MISSING', node.keyword.pos, `vrrp_script ${named.name} has no script; removed, as keepalived removes it`);
    return undefined;
  }
  const { script, ...rest } = d;
  return { name: named.name, pos: node.keyword.pos, script, ...rest };
}

type FileDraft = { file?: string; weight: number; reverse: boolean; initFile?: { value: number; overwrite: boolean } };

const fileSpec: SectionSpec<FileDraft> = {
  name: 'track_file',
  keywords: {
    file: single((tok) => tok.text, (d, v) => (d.file = v)),
    weight: (n, d, diags) => {
      if (!arity(n, 1, 2, diags)) return;
      const w = intValue(n.args[0]!, -(2 ** 31 - 1), 2 ** 31 - 1, 'weight', diags);
      if (w !== undefined) d.weight = w;
      d.reverse = n.args[1]?.text === 'reverse';
    },
    init_file: (n, d, diags) => {
      if (!arity(n, 0, 2, diags)) return;
      let value = 0;
      let overwrite = false;
      for (const a of n.args) {
        if (a.text === 'overwrite') overwrite = true;
        else {
          const v = intValue(a, -(2 ** 31 - 1), 2 ** 31 - 1, 'init_file value', diags);
          if (v !== undefined) value = v;
        }
      }
      d.initFile = { value, overwrite };
    },
  },
};

export function parseTrackFile(node: Node, diags: Diagnostics): TrackFile | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { block } = named;
  const d: FileDraft = { weight: 1, reverse: false };
  applySection(fileSpec, block, d, diags);
  if (d.file === undefined) {
    diags.error('CONF_ERR_MISSING', node.keyword.pos, `track_file ${named.name} needs file`);
    return undefined;
  }
  const { file, ...rest } = d;
  return { name: named.name, pos: node.keyword.pos, file, ...rest };
}

type GroupDraft = TrackingDraft & { group: string[]; sawGroup: boolean; syncGroupTrackingWeight: boolean; notifyPriorityChanges?: boolean; smtpAlert?: boolean };

const groupSpec: SectionSpec<GroupDraft> = {
  name: 'vrrp_sync_group',
  keywords: {
    ...trackingKeywords<GroupDraft>(),
    group: (n, d, diags) => {
      d.sawGroup = true;
      // keepalived reads the block as one list of words (read_value_block): several names may share a line.
      for (const e of blockOf(n, diags) ?? []) for (const w of [e.keyword, ...e.args]) d.group.push(w.text);
    },
    sync_group_tracking_weight: flag((d, v) => (d.syncGroupTrackingWeight = v)),
    notify_priority_changes: flag((d, v) => (d.notifyPriorityChanges = v)),
    smtp_alert: flag((d, v) => (d.smtpAlert = v)),
    // keepalived 2.2.7: "global_tracking is deprecated. Use track_interface/script/file on the sync group"; it sets sync_group_tracking_weight.
    global_tracking: (n, d, diags) => {
      if (!arity(n, 0, 0, diags)) return;
      d.syncGroupTrackingWeight = true;
      diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'global_tracking is deprecated (keepalived says so too); read as sync_group_tracking_weight');
    },
  },
};

export function parseSyncGroup(node: Node, diags: Diagnostics): SyncGroup | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const { block } = named;
  const d: GroupDraft = { tracking: emptyTracking(), group: [], sawGroup: false, syncGroupTrackingWeight: false };
  // The old syntax lists members directly in the block (keepalived's own samples use it).
  const isOldMember = (n: Node): boolean => n.args.length === 0 && n.block === undefined && !Object.hasOwn(groupSpec.keywords, n.keyword.text) && !Object.hasOwn(groupSpec.notYet ?? {}, n.keyword.text);
  for (const n of block.filter(isOldMember)) {
    diags.warning('CONF_ERR_SYNTAX', n.keyword.pos, `instance ${n.keyword.text} listed directly in vrrp_sync_group: the current syntax is group { ${n.keyword.text} }`);
    d.group.push(n.keyword.text);
  }
  applySection(groupSpec, block.filter((n) => !isOldMember(n)), d, diags);
  if (d.group.length === 0) diags.error('CONF_ERR_MISSING', node.keyword.pos, `vrrp_sync_group ${named.name} needs group { INSTANCE ... }`);
  return {
    name: named.name,
    pos: node.keyword.pos,
    group: d.group,
    syncGroupTrackingWeight: d.syncGroupTrackingWeight,
    tracking: d.tracking,
    ...(d.notifyPriorityChanges !== undefined ? { notifyPriorityChanges: d.notifyPriorityChanges } : {}),
    ...(d.smtpAlert !== undefined ? { smtpAlert: d.smtpAlert } : {}),
  };
}

type ProcessDraft = Omit<Mutable<TrackProcess>, 'name' | 'pos' | 'process' | 'params' | 'paramMatch'> & {
  process?: string;
  params: string[];
  paramMatch?: TrackProcess['paramMatch'];
  quorumGiven: boolean;
};

/** keepalived: `delay` sets both delays; the others one each. 1 µs to 3600 s. */
const processDelay = (which: 'terminate' | 'fork' | 'both'): Handler<ProcessDraft> =>
  single(seconds(0.000001, 3600), (d, v) => {
    if (which !== 'fork') d.terminateDelay = v;
    if (which !== 'terminate') d.forkDelay = v;
  });

const processSpec: SectionSpec<ProcessDraft> = {
  name: 'vrrp_track_process',
  keywords: {
    process: (n, d, diags) => {
      if (!arity(n, 1, Infinity, diags)) return;
      if (d.process !== undefined) {
        diags.error('CONF_ERR_CONFLICT', n.keyword.pos, 'process is already set for this vrrp_track_process');
        return;
      }
      d.process = n.args[0]!.text;
      d.params = n.args.slice(1).map((a) => a.text);
      // keepalived: parameters mean the whole command line, matched exactly unless param_match says otherwise.
      if (d.params.length > 0) d.fullCommand = true;
    },
    param_match: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      const v = n.args[0] === undefined ? 'exact' : enumValue(n.args[0], ['exact', 'partial', 'initial'] as const, 'param_match', diags);
      if (v === undefined) return;
      d.paramMatch = v;
      d.fullCommand = true;
    },
    weight: (n, d, diags) => {
      if (!arity(n, 1, 2, diags)) return;
      const w = intValue(n.args[0]!, -254, 254, 'weight', diags);
      if (w !== undefined) d.weight = w;
      const r = n.args[1];
      if (r !== undefined && r.text !== 'reverse') diags.error('CONF_ERR_VALUE', r.pos, `expected reverse, got '${r.text}'`);
      d.reverse = r?.text === 'reverse';
    },
    quorum: single(integer(1, 65535), (d, v) => {
      d.quorum = v;
      d.quorumGiven = true;
    }),
    // keepalived: 0 (without a quorum) means "never running": up while no process matches.
    quorum_max: single(integer(0, 65535), (d, v) => (d.quorumMax = v)),
    delay: processDelay('both'),
    terminate_delay: processDelay('terminate'),
    fork_delay: processDelay('fork'),
    full_command: flag((d, v) => (d.fullCommand = v)),
  },
};

/** Parses `vrrp_track_process NAME { ... }` with keepalived's defaults and rules. */
export function parseTrackProcess(node: Node, diags: Diagnostics): TrackProcess | undefined {
  const named = namedBlock(node, diags);
  if (named === undefined) return undefined;
  const d: ProcessDraft = { params: [], fullCommand: false, weight: 0, reverse: false, quorum: 1, quorumMax: Number.MAX_SAFE_INTEGER, terminateDelay: 0, forkDelay: 0, quorumGiven: false };
  const before = diags.errorCount;
  applySection(processSpec, named.block, d, diags);
  const at = (kw: string): Position => {
    for (let i = named.block.length - 1; i >= 0; i--) if (named.block[i]!.keyword.text === kw) return named.block[i]!.keyword.pos;
    return node.keyword.pos;
  };
  if (d.process === undefined) diags.error('CONF_ERR_MISSING', node.keyword.pos, `vrrp_track_process ${named.name} needs process NAME`);
  if (d.quorumMax === 0 && !d.quorumGiven) d.quorum = 0;
  else if (d.quorumMax < d.quorum) diags.error('CONF_ERR_CONFLICT', at('quorum_max'), `quorum_max ${d.quorumMax} is less than quorum ${d.quorum}`);
  if (d.process !== undefined && !d.fullCommand && d.process.length > 15) {
    // The kernel's comm is 15 characters; keepalived compares it whole, so such a name never matches.
    diags.warning('CONF_ERR_VALUE', at('process'), `process ${d.process} is longer than the 15 characters of a process name (comm), so it never matches one; add full_command to match the command line`);
  }
  if (diags.errorCount > before || d.process === undefined) return undefined;
  const paramMatch = d.paramMatch ?? (d.params.length > 0 ? 'exact' : 'none');
  return {
    name: named.name,
    pos: node.keyword.pos,
    process: d.process,
    params: d.params,
    paramMatch,
    fullCommand: d.fullCommand,
    weight: d.weight,
    reverse: d.reverse,
    quorum: d.quorum,
    quorumMax: d.quorumMax,
    terminateDelay: d.terminateDelay,
    forkDelay: d.forkDelay,
  };
}
