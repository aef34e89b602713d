/** Options of one vrrp_instance in the lab; rendered as keepalived.conf text for tandem and keepalived alike. */
export interface LabInstance {
  readonly name?: string;
  readonly vrid?: number;
  readonly priority: number;
  readonly advertInt: number;
  readonly version?: 2 | 3;
  readonly vips: readonly string[];
  readonly state?: 'MASTER' | 'BACKUP';
  readonly nopreempt?: boolean;
  readonly password?: string;
  /** With a password: PASS (default) or IPsec AH. */
  readonly authType?: 'PASS' | 'AH';
  readonly unicastSrc?: string;
  readonly peers?: readonly string[];
  /** `vrf NAME` instead of `interface eth0` (a unicast instance in that VRF). */
  readonly vrf?: string;
  readonly garpMasterDelay?: number;
  readonly noAccept?: boolean;
  /** `vrrp_strict` in global_defs (keepalived's shipped sample has it). */
  readonly strict?: boolean;
  /** More global_defs lines (`script_user root`, `vrrp_mcast_group4 ...`). */
  readonly globalLines?: readonly string[];
  /** More vrrp_instance lines (`use_vmac`, `notify_master ...`). */
  readonly instanceLines?: readonly string[];
}

/** A whole keepalived.conf with one instance on eth0. */
export function vrrpConf(o: LabInstance): string {
  const lines = [
    'global_defs {',
    `    router_id lab-${o.priority}`,
    `    vrrp_garp_master_delay ${o.garpMasterDelay ?? 1}`,
    ...(o.strict === true ? ['    vrrp_strict'] : []),
    ...(o.globalLines ?? []).map((l) => `    ${l}`),
    '}',
    '',
    `vrrp_instance ${o.name ?? 'VI_LAB'} {`,
    `    state ${o.state ?? 'BACKUP'}`,
    o.vrf !== undefined ? `    vrf ${o.vrf}` : '    interface eth0',
    `    virtual_router_id ${o.vrid ?? 51}`,
    `    priority ${o.priority}`,
    `    advert_int ${o.advertInt}`,
  ];
  if (o.version !== undefined) lines.push(`    version ${o.version}`);
  if (o.nopreempt === true) lines.push('    nopreempt');
  if (o.noAccept === true) lines.push('    no_accept');
  if (o.password !== undefined) lines.push('    authentication {', `        auth_type ${o.authType ?? 'PASS'}`, `        auth_pass ${o.password}`, '    }');
  if (o.unicastSrc !== undefined) lines.push(`    unicast_src_ip ${o.unicastSrc}`);
  if (o.peers !== undefined) lines.push('    unicast_peer {', ...o.peers.map((p) => `        ${p}`), '    }');
  // No addresses: no block (an instance of a cloud pair whose notify scripts move the address).
  if (o.vips.length > 0) lines.push('    virtual_ipaddress {', ...o.vips.map((v) => `        ${v} dev eth0`), '    }');
  lines.push(...(o.instanceLines ?? []).map((l) => `    ${l}`), '}', '');
  return lines.join('\n');
}

/**
 * The file the keepalived-oracle tests run under both daemons: a VRRPv2 instance with a tracked
 * script, authentication and a labelled VIP, and a VRRPv3 nopreempt instance on the same
 * interface; `globals` are more global_defs lines.
 */
export function oracleConf(globals: readonly string[] = []): string {
  return `global_defs {\n    router_id lb1\n${globals.map((g) => `    ${g}\n`).join('')}}\nvrrp_script chk_true {
    script "/bin/true"
    interval 1
    weight 0
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24 dev eth0 label eth0:1
    }
    track_script {
        chk_true
    }
}
vrrp_instance VI_6 {
    interface eth0
    version 3
    virtual_router_id 52
    priority 100
    advert_int 0.5
    nopreempt
    virtual_ipaddress {
        192.0.2.200/24
    }
}
`;
}
