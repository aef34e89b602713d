import type { Checker, CheckerOptions, Config, Forwarding, GlobalDefs, RealServer, RouteSpec, RuleSpec, ScriptSpec, SyncGroup, TrackFile, Tracking, TrackProcess, TrackRef, VirtualAddress, VirtualServer, VirtualServerGroup, VrrpInstance, VrrpScript } from './model.js';
import { printAnnounce, printAnnounceSettings } from './anycast.js';
import { printBfdInstance } from './bfd.js';
import { printProcessSettings } from './process-settings.js';
import { defaultGlobalDefs } from './global-defs.js';
import { printSmtpSettings } from './smtp.js';

/** Quotes a word when it holds characters the tokenizer would split or cut. */
function q(word: string): string {
  return /[\s{}"#!]/.test(word) || word === '' ? `"${word}"` : word;
}

function vip(v: VirtualAddress): string {
  const parts = [`${v.address}/${v.prefix}`];
  if (v.broadcast !== undefined) parts.push('brd', v.broadcast);
  if (v.dev !== undefined) parts.push('dev', v.dev);
  if (v.scope !== undefined) parts.push('scope', v.scope);
  if (v.label !== undefined) parts.push('label', q(v.label));
  if (v.trackGroup !== undefined) parts.push('track_group', q(v.trackGroup));
  return parts.join(' ');
}

function globals(g: GlobalDefs): string[] {
  const d = defaultGlobalDefs();
  const out: string[] = [];
  if (g.routerId !== undefined) out.push(`router_id ${q(g.routerId)}`);
  if (g.netNamespace !== undefined) out.push(`net_namespace ${q(g.netNamespace)}`);
  if (g.nftablesIpvs !== undefined) out.push(`nftables_ipvs ${q(g.nftablesIpvs.table)}`, `nftables_ipvs_priority ${g.nftablesIpvs.priority}`, `nftables_ipvs_start_fwmark ${g.nftablesIpvs.startFwmark}`);
  const pairs: Array<[keyof GlobalDefs, string]> = [
    ['vrrpVersion', 'vrrp_version'],
    ['vrrpGarpMasterDelay', 'vrrp_garp_master_delay'],
    ['vrrpGarpMasterRepeat', 'vrrp_garp_master_repeat'],
    ['vrrpGarpMasterRefresh', 'vrrp_garp_master_refresh'],
    ['vrrpGarpMasterRefreshRepeat', 'vrrp_garp_master_refresh_repeat'],
    ['vrrpGarpLowerPrioRepeat', 'vrrp_garp_lower_prio_repeat'],
    ['vrrpGarpLowerPrioDelay', 'vrrp_garp_lower_prio_delay'],
    ['vrrpDownTimerAdverts', 'vrrp_down_timer_adverts'],
    ['vrrpMcastGroup4', 'vrrp_mcast_group4'],
    ['vrrpMcastGroup6', 'vrrp_mcast_group6'],
    ['vrrpStartupDelay', 'vrrp_startup_delay'],
    ['vrrpDelayAfterBoot', 'vrrp_delay_after_boot'],
    ['vrrpGarpInterval', 'vrrp_garp_interval'],
    ['vrrpGnaInterval', 'vrrp_gna_interval'],
  ];
  for (const [key, kw] of pairs) if (g[key] !== undefined && g[key] !== d[key]) out.push(`${kw} ${String(g[key])}`);
  if (g.scriptUser !== undefined) out.push(`script_user ${q(g.scriptUser.user)}${g.scriptUser.group !== undefined ? ` ${q(g.scriptUser.group)}` : ''}`);
  if (g.scriptSecurityAsked) out.push('enable_script_security');
  if (g.vrrpHigherPrioSendAdvert !== undefined) out.push(`vrrp_higher_prio_send_advert ${g.vrrpHigherPrioSendAdvert ? 'on' : 'off'}`);
  if (g.vrrpGarpExtraIf !== undefined) out.push(`vrrp_garp_extra_if ${g.vrrpGarpExtraIf.all ? 'all ' : ''}${g.vrrpGarpExtraIf.interval}`);
  if (g.vrrpStrict) out.push('vrrp_strict');
  if (g.dynamicInterfaces === true) out.push('dynamic_interfaces');
  if (g.vrrpSkipCheckAdvAddr) out.push('vrrp_skip_check_adv_addr');
  if (g.vrrpCheckUnicastSrc) out.push('vrrp_check_unicast_src');
  if (g.vrrpLowerPrioNoAdvert !== undefined) out.push(`vrrp_lower_prio_no_advert ${g.vrrpLowerPrioNoAdvert ? 'on' : 'off'}`);
  const fw = g.vrrpFirewall;
  if (fw.kind === 'none') out.push('vrrp_iptables');
  else if (fw.from === 'vrrp_iptables') out.push('vrrp_iptables KEEPALIVED_IN');
  else if (fw.from === 'nftables') out.push(`nftables ${q(fw.table)}`, `nftables_priority ${fw.priority}`);
  if (fw.kind === 'nftables' && fw.counters) out.push('nftables_counters');
  if (g.lvsFlush) out.push('lvs_flush');
  if (g.lvsFlushOnStop !== 'no') out.push(g.lvsFlushOnStop === 'vs' ? 'lvs_flush_on_stop VS' : 'lvs_flush_on_stop');
  const t = g.lvsTimeouts;
  if (t !== undefined) out.push(['lvs_timeouts', ...(t.tcp !== undefined ? [`tcp ${t.tcp}`] : []), ...(t.tcpFin !== undefined ? [`tcpfin ${t.tcpFin}`] : []), ...(t.udp !== undefined ? [`udp ${t.udp}`] : [])].join(' '));
  for (const [kind, f] of Object.entries(g.notifyFifos)) {
    if (f === undefined) continue;
    const prefix = kind === 'all' ? '' : `${kind}_`;
    out.push([`${prefix}notify_fifo`, q(f.path), ...(f.user !== undefined ? [q(f.user)] : []), ...(f.group !== undefined ? [q(f.group)] : [])].join(' '));
    if (f.script !== undefined) out.push(`${prefix}notify_fifo_script ${script(f.script)}`);
  }
  const s = g.lvsSyncDaemon;
  if (s !== undefined) {
    const opt = (k: string, v: number | string | undefined): string[] => (v === undefined ? [] : [`${k} ${v}`]);
    out.push(['lvs_sync_daemon', s.interface, ...opt('inst', s.instance), ...opt('id', s.syncId), ...opt('maxlen', s.maxlen), ...opt('port', s.port), ...opt('ttl', s.ttl), ...opt('group', s.group)].join(' '));
  }
  out.push(...printProcessSettings('bfd', g.bfdProcess), ...printProcessSettings('vrrp', g.vrrpProcess));
  out.push(...printAnnounceSettings(g.announce));
  if (g.rsInitNotifies !== undefined) out.push(`rs_init_notifies ${g.rsInitNotifies ? 'on' : 'off'}`);
  if (g.startupScript !== undefined) out.push(`startup_script ${script(g.startupScript)}`);
  if (g.startupScriptTimeout !== d.startupScriptTimeout) out.push(`startup_script_timeout ${g.startupScriptTimeout}`);
  if (g.shutdownScript !== undefined) out.push(`shutdown_script ${script(g.shutdownScript)}`);
  if (g.shutdownScriptTimeout !== d.shutdownScriptTimeout) out.push(`shutdown_script_timeout ${g.shutdownScriptTimeout}`);
  out.push(...printSmtpSettings(g.smtp));
  return out;
}

function block(head: string, lines: readonly string[], indent: string): string[] {
  return [`${indent}${head} {`, ...lines.map((l) => `${indent}    ${l}`), `${indent}}`];
}

function script(s: ScriptSpec): string {
  return [`"${s.command}"`, ...(s.user !== undefined ? [s.user] : []), ...(s.group !== undefined ? [s.group] : [])].join(' ');
}

function refs(kw: string, list: readonly TrackRef[]): string[] {
  if (list.length === 0) return [];
  return block(kw, list.map((r) => [q(r.name), ...(r.weight !== undefined ? ['weight', String(r.weight), r.reverse ? 'reverse' : 'noreverse'] : [])].join(' ')), '');
}

function tracking(t: Tracking): string[] {
  const l = [...refs('track_script', t.trackScript), ...refs('track_interface', t.trackInterface), ...refs('track_file', t.trackFile), ...refs('track_process', t.trackProcess), ...refs('track_bfd', t.trackBfd)];
  const notify: Array<[keyof Tracking['notify'], string]> = [
    ['master', 'notify_master'],
    ['backup', 'notify_backup'],
    ['fault', 'notify_fault'],
    ['stop', 'notify_stop'],
    ['deleted', 'notify_deleted'],
    ['generic', 'notify'],
    ['masterRxLowerPri', 'notify_master_rx_lower_pri'],
  ];
  for (const [key, kw] of notify) {
    const s = t.notify[key];
    if (s !== undefined) l.push(`${kw} ${script(s)}`);
  }
  return l;
}

function vrrpScript(s: VrrpScript): string[] {
  const l = [`script ${script(s.script)}`, `interval ${s.interval}`, `weight ${s.weight}${s.reverse ? ' reverse' : ''}`, `rise ${s.rise}`, `fall ${s.fall}`];
  if (s.timeout !== undefined) l.push(`timeout ${s.timeout}`);
  if (s.user !== undefined) l.push(`user ${s.user}`);
  if (s.initFail) l.push('init_fail');
  return block(`vrrp_script ${q(s.name)}`, l, '');
}

function trackFile(f: TrackFile): string[] {
  const l = [`file "${f.file}"`, `weight ${f.weight}${f.reverse ? ' reverse' : ''}`];
  if (f.initFile !== undefined) l.push(`init_file ${f.initFile.value}${f.initFile.overwrite ? ' overwrite' : ''}`);
  return block(`track_file ${q(f.name)}`, l, '');
}

function trackProcess(p: TrackProcess): string[] {
  const l = [`process ${[p.process, ...p.params].map(q).join(' ')}`, `weight ${p.weight}${p.reverse ? ' reverse' : ''}`];
  if (p.paramMatch !== 'none') l.push(`param_match ${p.paramMatch}`);
  if (p.fullCommand) l.push('full_command');
  if (p.quorumMax !== Number.MAX_SAFE_INTEGER) l.push(`quorum_max ${p.quorumMax}`);
  if (p.quorum !== 1 && p.quorum !== 0) l.push(`quorum ${p.quorum}`);
  if (p.terminateDelay !== 0) l.push(`terminate_delay ${p.terminateDelay}`);
  if (p.forkDelay !== 0) l.push(`fork_delay ${p.forkDelay}`);
  return block(`vrrp_track_process ${q(p.name)}`, l, '');
}

function syncGroup(g: SyncGroup): string[] {
  const l = [...block('group', g.group.map(q), ''), ...tracking(g.tracking)];
  if (g.syncGroupTrackingWeight) l.push('sync_group_tracking_weight');
  if (g.notifyPriorityChanges !== undefined) l.push(`notify_priority_changes ${g.notifyPriorityChanges ? 'on' : 'off'}`);
  if (g.smtpAlert !== undefined) l.push(`smtp_alert ${g.smtpAlert ? 'on' : 'off'}`);
  return block(`vrrp_sync_group ${q(g.name)}`, l, '');
}

function instance(i: VrrpInstance): string[] {
  const l: string[] = [];
  if (i.state !== undefined) l.push(`state ${i.state}`);
  l.push(i.vrf !== undefined ? `vrf ${q(i.vrf)}` : `interface ${q(i.interface)}`, `virtual_router_id ${i.virtualRouterId}`, `priority ${i.priority}`, `advert_int ${i.advertInt}`, `version ${i.version}`);
  if (i.nopreempt) l.push('nopreempt');
  if (i.timerExpiredBackup !== undefined) l.push(`timer_expired_backup ${i.timerExpiredBackup}`);
  if (i.preemptDelay !== 0) l.push(`preempt_delay ${i.preemptDelay}`);
  if (!i.accept) l.push('no_accept');
  if (i.authentication !== undefined) l.push(...block('authentication', [`auth_type ${i.authentication.type}`, `auth_pass ${q(i.authentication.password)}`], ''));
  const h = i.authHmac;
  if (h !== undefined) {
    // Keys as hex (a key read from a file is printed inline: this is the model, not the file).
    const lines = [...h.keys.map((k) => `key ${k.id} hex:${k.keyHex}`), `active_key ${h.activeKey}`, `mode ${h.mode}`, `anti_replay ${h.antiReplay}`];
    if (h.antiReplay === 'time') lines.push(`time_window ${h.timeWindow}`);
    l.push(...block('auth_hmac', lines, ''));
  }
  l.push(...block('virtual_ipaddress', i.virtualIpaddress.map(vip), ''));
  if (i.virtualIpaddressExcluded.length > 0) l.push(...block('virtual_ipaddress_excluded', i.virtualIpaddressExcluded.map(vip), ''));
  if (i.virtualRoutes.length > 0) l.push(...block('virtual_routes', i.virtualRoutes.map(route), ''));
  if (i.virtualRules.length > 0) l.push(...block('virtual_rules', i.virtualRules.map(rule), ''));
  if (i.unicastSrcIp !== undefined) l.push(`unicast_src_ip ${i.unicastSrcIp}`);
  l.push(`mcast_dst_ip ${i.mcastGroup}`);
  if (i.unicastTtl !== 255) l.push(`unicast_ttl ${i.unicastTtl}`);
  if (i.promoteSecondaries) l.push('promote_secondaries');
  const ipvlan = i.vmac?.ipvlan;
  if (ipvlan !== undefined) l.push(`use_ipvlan ${q(i.vmac!.name)}${ipvlan.address !== undefined ? ` ${ipvlan.address.address}/${ipvlan.address.prefix}` : ''} ${ipvlan.mode}`);
  else if (i.vmac !== undefined) l.push(`use_vmac ${q(i.vmac.name)}${i.vmac.mac !== undefined ? ` ${i.vmac.mac.octets.map((o) => o.toString(16).padStart(2, '0')).join(':')}` : ''}`, ...(i.vmac.xmitBase ? ['vmac_xmit_base'] : []));
  if (i.useVmacAddr === true) l.push('use_vmac_addr');
  if (i.unicastPeer.length > 0) {
    const ttl = (p: string): string => {
      const t = i.unicastPeerTtl?.[p];
      return t === undefined ? '' : `${t.min !== undefined ? ` min_ttl ${t.min}` : ''}${t.max !== undefined ? ` max_ttl ${t.max}` : ''}`;
    };
    l.push(...block('unicast_peer', i.unicastPeer.map((p) => `${p}${ttl(p)}`), ''));
  }
  if (i.unicastFaultNoPeer) l.push('unicast_fault_no_peer');
  if (i.notifyPriorityChanges !== undefined) l.push(`notify_priority_changes ${i.notifyPriorityChanges ? 'on' : 'off'}`);
  if (i.smtpAlert !== undefined) l.push(`smtp_alert ${i.smtpAlert ? 'on' : 'off'}`);
  l.push(`down_timer_adverts ${i.downTimerAdverts}`);
  l.push(`higher_prio_send_advert ${i.higherPrioSendAdvert ? 'on' : 'off'}`);
  l.push(`strict_mode ${i.strict ? 'on' : 'off'}`, `lower_prio_no_advert ${i.lowerPrioNoAdvert ? 'on' : 'off'}`, `skip_check_adv_addr ${i.skipCheckAdvAddr ? 'on' : 'off'}`, `check_unicast_src ${i.checkUnicastSrc ? 'on' : 'off'}`);
  const garp: Array<[keyof VrrpInstance['garp'], string]> = [
    ['masterDelay', 'garp_master_delay'],
    ['masterRepeat', 'garp_master_repeat'],
    ['masterRefresh', 'garp_master_refresh'],
    ['masterRefreshRepeat', 'garp_master_refresh_repeat'],
    ['lowerPrioRepeat', 'garp_lower_prio_repeat'],
    ['lowerPrioDelay', 'garp_lower_prio_delay'],
  ];
  for (const [key, kw] of garp) if (i.garp[key] !== undefined) l.push(`${kw} ${i.garp[key]}`);
  if (i.garpExtraIf !== undefined) l.push(`garp_extra_if ${i.garpExtraIf.all ? 'all ' : ''}${i.garpExtraIf.interval}`);
  l.push(...tracking(i.tracking));
  if (i.dontTrackPrimary) l.push('dont_track_primary');
  // tandem's own keyword, on a line keepalived skips.
  for (const t of i.bfdTakeover) l.push(`@tandem bfd_takeover ${[q(t.name), ...t.masterAddresses].join(' ')}`);
  return block(`vrrp_instance ${q(i.name)}`, l, '');
}

function forwarding(f: Forwarding): string {
  if (f.tunnel === undefined) return f.kind;
  const t = f.tunnel;
  return ['TUN', 'type', t.type, ...(t.port !== undefined ? ['port', String(t.port)] : []), ...(t.checksum !== undefined ? [t.checksum] : [])].join(' ');
}

function options(o: CheckerOptions): string[] {
  const l: string[] = [];
  if (o.connectIp !== undefined) l.push(`connect_ip ${o.connectIp}`);
  if (o.connectPort !== undefined) l.push(`connect_port ${o.connectPort}`);
  if (o.bindTo !== undefined) l.push(`bindto ${o.bindTo}`);
  if (o.bindPort !== undefined) l.push(`bind_port ${o.bindPort}`);
  if (o.connectTimeout !== undefined) l.push(`connect_timeout ${o.connectTimeout}`);
  if (o.retry !== undefined) l.push(`retry ${o.retry}`);
  if (o.delayBeforeRetry !== undefined) l.push(`delay_before_retry ${o.delayBeforeRetry}`);
  if (o.warmup !== undefined) l.push(`warmup ${o.warmup}`);
  if (o.delayLoop !== undefined) l.push(`delay_loop ${o.delayLoop}`);
  if (o.alpha !== undefined) l.push(`alpha ${o.alpha ? 'on' : 'off'}`);
  if (o.logAllFailures !== undefined) l.push(`log_all_failures ${o.logAllFailures ? 'on' : 'off'}`);
  if (o.bindIf !== undefined) l.push(`bind_if ${q(o.bindIf)}`);
  if (o.fwmark !== undefined) l.push(`fwmark ${o.fwmark}`);
  return l;
}

function checker(c: Checker): string[] {
  const l = options(c.options);
  switch (c.kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      for (const u of c.urls) {
        const ul = [`path ${q(u.path)}`];
        if (u.digest !== undefined) ul.push(`digest ${u.digest}`);
        ul.push(`status_code ${u.statusCodes.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(' ')}`);
        if (u.virtualhost !== undefined) ul.push(`virtualhost ${q(u.virtualhost)}`);
        const r = u.regex;
        if (r !== undefined) {
          ul.push(`regex ${q(r.pattern)}`);
          if (r.options.length > 0) ul.push(`regex_options ${r.options.join(' ')}`);
          if (r.noMatch) ul.push('regex_no_match');
          if (r.minOffset !== 0) ul.push(`regex_min_offset ${r.minOffset}`);
          if (r.maxOffset !== undefined) ul.push(`regex_max_offset ${r.maxOffset}`);
        }
        l.push(...block('url', ul, ''));
      }
      if (c.virtualhost !== undefined) l.push(`virtualhost ${q(c.virtualhost)}`);
      if (c.httpProtocol !== undefined) l.push(`http_protocol ${c.httpProtocol}`);
      if (c.enableSni !== undefined) l.push(`enable_sni ${c.enableSni ? 'on' : 'off'}`);
      if (c.sniName !== undefined) l.push(`sni_name ${q(c.sniName)}`);
      if (c.tlsCompliant !== undefined) l.push(`tls_compliant ${c.tlsCompliant ? 'on' : 'off'}`);
      break;
    case 'MISC_CHECK':
      l.push(`misc_path ${q(c.path)}`);
      if (c.timeout !== undefined) l.push(`misc_timeout ${c.timeout}`);
      if (c.dynamic) l.push('misc_dynamic');
      if (c.user !== undefined) l.push(`user ${c.user}`);
      break;
    case 'DNS_CHECK':
      l.push(`type ${c.type}`, `name ${q(c.name)}`);
      break;
    case 'UDP_CHECK':
      if (c.payload !== undefined) l.push(`payload ${c.payload}`);
      if (c.requireReply !== undefined) l.push(`require_reply ${c.requireReply}`);
      if (c.minReplyLength !== undefined) l.push(`min_reply_length ${c.minReplyLength}`);
      if (c.maxReplyLength !== undefined) l.push(`max_reply_length ${c.maxReplyLength}`);
      break;
    case 'SMTP_CHECK':
      if (c.heloName !== undefined) l.push(`helo_name ${q(c.heloName)}`);
      break;
    case 'FILE_CHECK':
      l.push(`track_file ${q(c.trackFile)}`);
      if (c.weight !== undefined) l.push(`weight ${c.weight}${c.reverse ? ' reverse' : ''}`);
      if (c.dynamic) l.push('dynamic');
      break;
    case 'BFD_CHECK':
      l.push(`name ${q(c.name)}`);
      break;
    case 'TCP_CHECK':
    case 'PING_CHECK':
      break;
  }
  return block(c.kind, l, '');
}

function realServer(r: RealServer): string[] {
  const l = [`weight ${r.weight}`];
  if (r.forwarding !== undefined) l.push(`lvs_method ${forwarding(r.forwarding)}`);
  if (r.inhibitOnFailure !== undefined) l.push(`inhibit_on_failure ${r.inhibitOnFailure ? 'on' : 'off'}`);
  if (r.notifyUp !== undefined) l.push(`notify_up ${script(r.notifyUp)}`);
  if (r.notifyDown !== undefined) l.push(`notify_down ${script(r.notifyDown)}`);
  if (r.smtpAlert !== undefined) l.push(`smtp_alert ${r.smtpAlert ? 'on' : 'off'}`);
  if (r.uthreshold !== undefined) l.push(`uthreshold ${r.uthreshold}`);
  if (r.lthreshold !== undefined) l.push(`lthreshold ${r.lthreshold}`);
  if (r.virtualhost !== undefined) l.push(`virtualhost ${q(r.virtualhost)}`);
  l.push(...options(r.options));
  for (const c of r.checkers) l.push(...checker(c));
  return block(`real_server ${r.address}${r.port !== undefined ? ` ${r.port}` : ''}`, l, '');
}

function virtualServer(v: VirtualServer): string[] {
  const k = v.key;
  const head = k.kind === 'fwmark' ? `fwmark ${k.mark}` : k.kind === 'group' ? `group ${q(k.group)}` : `${k.address}${k.port !== undefined ? ` ${k.port}` : ''}`;
  const l = [`lvs_sched ${v.lbAlgo}`, `lvs_method ${forwarding(v.forwarding)}`, `protocol ${v.protocol}`, ...v.schedulerFlags];
  if (v.ops) l.push('ops');
  if (v.persistenceTimeout !== undefined) l.push(`persistence_timeout ${v.persistenceTimeout}`);
  if (v.persistenceGranularity !== undefined) l.push(`persistence_granularity ${v.persistenceGranularity}`);
  if (v.persistenceEngine !== undefined) l.push(`persistence_engine ${v.persistenceEngine}`);
  l.push(`quorum ${v.quorum}`, `hysteresis ${v.hysteresis}`);
  if (v.ipFamily !== undefined) l.push(`ip_family inet${v.ipFamily === 6 ? '6' : ''}`);
  if (v.quorumUp !== undefined) l.push(`quorum_up ${script(v.quorumUp)}`);
  if (v.quorumDown !== undefined) l.push(`quorum_down ${script(v.quorumDown)}`);
  if (v.smtpAlert !== undefined) l.push(`smtp_alert ${v.smtpAlert ? 'on' : 'off'}`);
  if (v.sorryServer !== undefined) {
    l.push(`sorry_server ${v.sorryServer.address}${v.sorryServer.port !== undefined ? ` ${v.sorryServer.port}` : ''}`);
    if (v.sorryServer.forwarding !== undefined) l.push(`sorry_server_lvs_method ${forwarding(v.sorryServer.forwarding)}`);
  }
  if (v.sorryServerInhibit) l.push('sorry_server_inhibit');
  if (v.inhibitOnFailure) l.push('inhibit_on_failure');
  if (v.omega) l.push('omega');
  if (v.haSuspend === true) l.push('ha_suspend');
  if (v.virtualhost !== undefined) l.push(`virtualhost ${q(v.virtualhost)}`);
  l.push(...options({ ...v.options, delayLoop: v.delayLoop, alpha: v.alpha }));
  for (const r of v.realServers) l.push(...realServer(r));
  l.push(...printAnnounce(v.announce));
  return block(`virtual_server ${head}`, l, '');
}

function group(g: VirtualServerGroup): string[] {
  return block(
    `virtual_server_group ${q(g.name)}`,
    g.entries.map((e) => {
      if (e.kind === 'fwmark') return `fwmark ${e.mark}`;
      const addr = e.last !== undefined ? `${e.address}-${e.last}` : e.prefix !== undefined ? `${e.address}/${e.prefix}` : e.address;
      return e.port !== undefined ? `${addr} ${e.port}` : addr;
    }),
    '',
  );
}

/** Prints a model as keepalived.conf text that loads back into the same model. */
const TABLE_NAMES: Record<number, string> = { 254: 'main', 255: 'local', 253: 'default' };

function route(r: RouteSpec): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(r.prefix === 0 && (r.destination === '0.0.0.0' || r.destination === '::') ? 'default' : `${r.destination}/${r.prefix}`);
  if (r.via !== undefined) parts.push('via', r.via);
  if (r.src !== undefined) parts.push('src', r.src);
  if (r.dev !== undefined) parts.push('dev', r.dev);
  if (r.table !== undefined) parts.push('table', TABLE_NAMES[r.table] ?? String(r.table));
  if (r.vrf !== undefined) parts.push('vrf', r.vrf);
  if (r.metric !== undefined) parts.push('metric', String(r.metric));
  if (r.scope !== undefined) parts.push('scope', r.scope);
  if (r.protocol !== undefined) parts.push('protocol', String(r.protocol));
  if (r.onlink) parts.push('onlink');
  if (r.family === 6 && r.prefix === 0) parts.push('inet6');
  for (const h of r.nexthops ?? []) {
    parts.push('nexthop');
    if (h.via !== undefined) parts.push('via', h.via);
    if (h.dev !== undefined) parts.push('dev', h.dev);
    if (h.weight !== undefined) parts.push('weight', String(h.weight));
    if (h.onlink) parts.push('onlink');
  }
  if (r.trackGroup !== undefined) parts.push('track_group', q(r.trackGroup));
  return parts.join(' ');
}

function rule(r: RuleSpec): string {
  const parts: string[] = [];
  if (r.invert) parts.push('not');
  if (r.from !== undefined) parts.push('from', `${r.from.address}/${r.from.prefix}`);
  if (r.to !== undefined) parts.push('to', `${r.to.address}/${r.to.prefix}`);
  if (r.iif !== undefined) parts.push('iif', r.iif);
  if (r.oif !== undefined) parts.push('oif', r.oif);
  if (r.fwmark !== undefined) parts.push('fwmark', r.fwmask !== undefined ? `${r.fwmark}/${r.fwmask}` : String(r.fwmark));
  if (r.table !== undefined) parts.push('table', TABLE_NAMES[r.table] ?? String(r.table));
  if (r.preference !== undefined) parts.push('preference', String(r.preference));
  if (r.family === 6 && r.from === undefined && r.to === undefined) parts.push('inet6');
  if (r.trackGroup !== undefined) parts.push('track_group', q(r.trackGroup));
  return parts.join(' ');
}

export function printConfig(c: Config): string {
  const parts: string[][] = [];
  const g = globals(c.globalDefs);
  if (g.length > 0) parts.push(block('global_defs', g, ''));
  // A top-level keyword in keepalived (it refuses it inside global_defs).
  const ipvsNs = c.globalDefs.netNamespaceIpvs;
  if (ipvsNs !== undefined) parts.push([ipvsNs === '' ? 'net_namespace_ipvs' : `net_namespace_ipvs ${q(ipvsNs)}`]);
  if (c.ssl !== undefined) {
    const s = c.ssl;
    parts.push(block('SSL', [...(s.password !== undefined ? [`password ${q(s.password)}`] : []), ...(s.ca !== undefined ? [`ca ${q(s.ca)}`] : []), ...(s.certificate !== undefined ? [`certificate ${q(s.certificate)}`] : []), ...(s.key !== undefined ? [`key ${q(s.key)}`] : [])], ''));
  }
  for (const g of c.garpGroups ?? []) {
    const lines = [...(g.garpInterval !== undefined ? [`garp_interval ${g.garpInterval}`] : []), ...(g.gnaInterval !== undefined ? [`gna_interval ${g.gnaInterval}`] : [])];
    parts.push(block('garp_group', [...lines, ...block('interfaces', g.interfaces.map(q), '')], ''));
  }
  // Before the static items that name them: keepalived finds a track_group only once it has read it.
  for (const t of c.trackGroups ?? []) parts.push(block(`track_group ${q(t.name)}`, block('group', t.group.map(q), ''), ''));
  if (c.staticAddresses.length > 0) parts.push(block('static_ipaddress', c.staticAddresses.map(vip), ''));
  if (c.staticRoutes.length > 0) parts.push(block('static_routes', c.staticRoutes.map(route), ''));
  if (c.staticRules.length > 0) parts.push(block('static_rules', c.staticRules.map(rule), ''));
  if (c.interfaceDelays !== undefined) parts.push(block('interface_up_down_delays', Object.entries(c.interfaceDelays).map(([name, d]) => `${q(name)} ${d.down} ${d.up}`), ''));
  // Before the blocks that name them: keepalived finds a bfd_instance only once it has read it.
  for (const b of c.bfdInstances) parts.push(printBfdInstance(b));
  for (const s of c.vrrpScripts) parts.push(vrrpScript(s));
  for (const f of c.trackFiles) parts.push(trackFile(f));
  for (const p of c.trackProcesses) parts.push(trackProcess(p));
  for (const i of c.vrrpInstances) parts.push(instance(i));
  for (const g of c.syncGroups) parts.push(syncGroup(g));
  for (const grp of c.virtualServerGroups) parts.push(group(grp));
  for (const v of c.virtualServers) parts.push(virtualServer(v));
  return `${parts.map((p) => p.join('\n')).join('\n\n')}\n`;
}
