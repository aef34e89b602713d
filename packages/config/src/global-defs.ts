import type { Diagnostics } from './diagnostics.js';
import type { GlobalDefs } from './model.js';
import { applySection, flag, integer, seconds, single, word, type NotYet, type SectionSpec } from './section.js';
import type { Node } from './tree.js';
import { arity, flagValue } from './values.js';

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
    enable_script_security: (n, d, diags) => {
      // Security is on whatever the file says: a root script others can modify is a root shell for them.
      if (flagValue(n, diags) === false) diags.warning('CONF_ERR_VALUE', n.keyword.pos, 'tandem always checks script security; enable_script_security off is ignored');
      d.enableScriptSecurity = true;
    },
  },
  notYet: {
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
    lvs_flush: changesBehaviour('IPVS is not driven yet'),
    lvs_sync_daemon: changesBehaviour('IPVS is not driven yet'),
    lvs_timeouts: changesBehaviour('IPVS is not driven yet'),
    dynamic_interfaces: changesBehaviour('interfaces must exist at start'),
  },
};

/** Applies a `global_defs` block onto the defaults. */
export function parseGlobalDefs(nodes: readonly Node[], into: GlobalDefs, diags: Diagnostics): GlobalDefs {
  const draft: Draft = { ...into };
  applySection(spec, nodes, draft, diags);
  return draft;
}
