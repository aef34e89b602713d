import type { Diagnostics } from './diagnostics.js';
import type { GlobalDefs, LvsSyncDaemon } from './model.js';
import { applySection, flag, integer, seconds, single, word, type NotYet, type SectionSpec } from './section.js';
import type { Node } from './tree.js';
import { addressValue, arity, flagValue, intValue, secondsValue } from './values.js';

type Draft = { -readonly [K in keyof GlobalDefs]: GlobalDefs[K] };

export function defaultGlobalDefs(): GlobalDefs {
  return {
    routerId: undefined,
    vrrpVersion: 2,
    vrrpGarpMasterDelay: 5,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioRepeat: undefined,
    vrrpDownTimerAdverts: 3,
    // On by default, unlike keepalived: without it a healed split brain can leave
    // clients on the losing director's MAC (see packages/vrrp machine.ts).
    vrrpHigherPrioSendAdvert: true,
    scriptUser: undefined,
    enableScriptSecurity: true,
    lvsFlush: false,
    lvsFlushOnStop: 'no',
    lvsTimeouts: undefined,
    lvsSyncDaemon: undefined,
  };
}

const harmless: NotYet = { severity: 'warning', why: 'it does not change failover or load balancing' };
const changesBehaviour = (why: string): NotYet => ({ severity: 'error', why });

const spec: SectionSpec<Draft> = {
  name: 'global_defs',
  keywords: {
    router_id: single(word, (d, v) => (d.routerId = v)),
    vrrp_version: single(integer(2, 3), (d, v) => (d.vrrpVersion = v as 2 | 3)),
    vrrp_garp_master_delay: single(seconds(0, 255), (d, v) => (d.vrrpGarpMasterDelay = v)),
    vrrp_garp_master_repeat: single(integer(1, 255), (d, v) => (d.vrrpGarpMasterRepeat = v)),
    vrrp_garp_master_refresh: single(seconds(0, 86400), (d, v) => (d.vrrpGarpMasterRefresh = v)),
    vrrp_garp_master_refresh_repeat: single(integer(1, 255), (d, v) => (d.vrrpGarpMasterRefreshRepeat = v)),
    vrrp_garp_lower_prio_repeat: single(integer(0, 255), (d, v) => (d.vrrpGarpLowerPrioRepeat = v)),
    vrrp_down_timer_adverts: single(integer(1, 100), (d, v) => (d.vrrpDownTimerAdverts = v)),
    vrrp_higher_prio_send_advert: flag((d, v) => (d.vrrpHigherPrioSendAdvert = v)),
    script_user: (n, d, diags) => {
      if (arity(n, 1, 2, diags)) d.scriptUser = { user: n.args[0]!.text, ...(n.args[1] !== undefined ? { group: n.args[1].text } : {}) };
    },
    lvs_flush: flag((d, v) => (d.lvsFlush = v)),
    lvs_flush_on_stop: (n, d, diags) => {
      if (!arity(n, 0, 1, diags)) return;
      const a = n.args[0];
      if (a === undefined) d.lvsFlushOnStop = 'all';
      else if (a.text === 'VS') d.lvsFlushOnStop = 'vs';
      else diags.error('CONF_ERR_VALUE', a.pos, `lvs_flush_on_stop takes nothing or VS, not '${a.text}'`);
    },
    lvs_timeouts: (n, d, diags) => {
      if (n.args.length === 0 || n.args.length % 2 !== 0) {
        diags.error('CONF_ERR_ARITY', n.keyword.pos, 'lvs_timeouts takes pairs: [tcp SECS] [tcpfin SECS] [udp SECS]');
        return;
      }
      const t: { tcp?: number; tcpFin?: number; udp?: number } = {};
      for (let i = 0; i < n.args.length; i += 2) {
        const k = n.args[i]!;
        const v = secondsValue(n.args[i + 1]!, 1, 86400 * 31, `lvs_timeouts ${k.text}`, diags);
        if (v === undefined) return;
        if (k.text === 'tcp') t.tcp = Math.round(v);
        else if (k.text === 'tcpfin') t.tcpFin = Math.round(v);
        else if (k.text === 'udp') t.udp = Math.round(v);
        else return diags.error('CONF_ERR_VALUE', k.pos, `lvs_timeouts: '${k.text}' is not tcp, tcpfin or udp`);
      }
      d.lvsTimeouts = t;
    },
    lvs_sync_daemon: (n, d, diags) => {
      const sync = syncDaemon(n, diags);
      if (sync !== undefined) d.lvsSyncDaemon = sync;
    },
    enable_script_security: (n, d, diags) => {
      // Security is on whatever the file says: a root script others can modify is a root shell for them.
      if (flagValue(n, diags) === false) diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'tandem always checks script security; enable_script_security off is ignored');
      d.enableScriptSecurity = true;
    },
  },
  notYet: {
    lvs_netlink_cmd_rcv_bufs: harmless,
    lvs_netlink_cmd_rcv_bufs_force: harmless,
    lvs_netlink_monitor_rcv_bufs: harmless,
    lvs_netlink_monitor_rcv_bufs_force: harmless,
    notification_email: harmless,
    notification_email_from: harmless,
    smtp_server: harmless,
    smtp_connect_timeout: harmless,
    smtp_helo_name: harmless,
    smtp_alert: harmless,
    smtp_alert_vrrp: harmless,
    smtp_alert_checker: harmless,
    enable_snmp_vrrp: harmless,
    enable_snmp_checker: harmless,
    enable_snmp_rfc: harmless,
    enable_snmp_rfcv2: harmless,
    enable_snmp_rfcv3: harmless,
    enable_traps: harmless,
    snmp_socket: harmless,
    enable_dbus: harmless,
    max_auto_priority: harmless,
    vrrp_priority: harmless,
    vrrp_rt_priority: harmless,
    vrrp_no_swap: harmless,
    vrrp_cpu_affinity: harmless,
    checker_priority: harmless,
    checker_no_swap: harmless,
    vrrp_strict: changesBehaviour('strict mode changes which adverts are accepted'),
    vrrp_skip_check_adv_addr: changesBehaviour('it changes which adverts are accepted'),
    vrrp_mcast_group4: changesBehaviour('adverts would go to another group'),
    vrrp_mcast_group6: changesBehaviour('adverts would go to another group'),
    vrrp_iptables: changesBehaviour('it filters traffic to the addresses'),
    vrrp_garp_interval: changesBehaviour('it spaces gratuitous ARPs'),
    vrrp_gna_interval: changesBehaviour('it spaces neighbour advertisements'),
    vrrp_garp_lower_prio_delay: changesBehaviour('it delays re-announcements'),
    vrrp_lower_prio_no_advert: changesBehaviour('it changes split-brain handling'),
    vrrp_check_unicast_src: changesBehaviour('it changes which adverts are accepted'),
    vrrp_startup_delay: changesBehaviour('it delays the start of VRRP'),
    dynamic_interfaces: changesBehaviour('interfaces must exist at start'),
  },
};

/** `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`. */
function syncDaemon(n: Node, diags: Diagnostics): LvsSyncDaemon | undefined {
  const [ifname, ...rest] = n.args;
  if (ifname === undefined) {
    diags.error('CONF_ERR_ARITY', n.keyword.pos, 'lvs_sync_daemon needs an interface');
    return undefined;
  }
  const out: { -readonly [K in keyof LvsSyncDaemon]: LvsSyncDaemon[K] } = { interface: ifname.text, pos: n.keyword.pos };
  const numbers: Record<string, [keyof LvsSyncDaemon, number, number]> = { id: ['syncId', 0, 255], maxlen: ['maxlen', 1, 65507], port: ['port', 1, 65535], ttl: ['ttl', 1, 255] };
  for (let i = 0; i < rest.length; i++) {
    const k = rest[i]!;
    const v = rest[i + 1];
    const num = numbers[k.text];
    if (num !== undefined || k.text === 'group' || k.text === 'inst') {
      if (v === undefined) {
        diags.error('CONF_ERR_ARITY', k.pos, `lvs_sync_daemon: ${k.text} needs a value`);
        return undefined;
      }
      i++;
      if (num !== undefined) {
        const x = intValue(v, num[1], num[2], `lvs_sync_daemon ${k.text}`, diags);
        if (x === undefined) return undefined;
        (out as Record<string, unknown>)[num[0]] = x;
      } else if (k.text === 'group') {
        const a = addressValue(v, 'lvs_sync_daemon group', diags);
        if (a === undefined) return undefined;
        out.group = a.address;
      } else {
        out.instance = v.text;
      }
    } else if (i === 0) {
      out.instance = k.text;
    } else {
      diags.error('CONF_ERR_VALUE', k.pos, `lvs_sync_daemon: unexpected '${k.text}' (inst NAME, id, maxlen, port, ttl, group)`);
      return undefined;
    }
  }
  return out;
}

/** Applies a `global_defs` block onto the defaults. */
export function parseGlobalDefs(nodes: readonly Node[], into: GlobalDefs, diags: Diagnostics): GlobalDefs {
  const draft: Draft = { ...into };
  applySection(spec, nodes, draft, diags);
  return draft;
}
