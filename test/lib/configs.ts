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
    '    interface eth0',
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
