/** Options of a generated director's keepalived.conf. */
export interface LvsConfOptions {
  readonly services: number;
  readonly realsPerService: number;
  /** The weight of real server `r` of virtual server `v` (default 1). */
  readonly weight?: (v: number, r: number) => number;
  /** delay_loop of every virtual server (default 60, keepalived's). */
  readonly delayLoop?: number;
}

/** The virtual server address of service `v`: 10.10.x.y port 80. */
export const serviceAddress = (v: number): string => `10.10.${v >> 8}.${v & 255}`;

/** The address of real server `r` of service `v`, port 8080: 10.20.0.0/16, one each. */
export const realAddress = (v: number, r: number, perService: number): string => {
  const k = v * perService + r;
  return `10.20.${k >> 8}.${k & 255}`;
};

/**
 * A director's file as operators write one: `services` virtual servers (NAT, wrr) with
 * `realsPerService` real servers each, every real server with a weight and a TCP_CHECK.
 * 1,000 x 10 is 46,000 lines and 1.1 MB.
 */
export function lvsConf(o: LvsConfOptions): string {
  const out: string[] = [];
  for (let v = 0; v < o.services; v++) {
    out.push(`virtual_server ${serviceAddress(v)} 80 {`, `    delay_loop ${o.delayLoop ?? 60}`, '    lb_algo wrr', '    lb_kind NAT', '    protocol TCP');
    for (let r = 0; r < o.realsPerService; r++) {
      out.push(`    real_server ${realAddress(v, r, o.realsPerService)} 8080 {`, `        weight ${o.weight?.(v, r) ?? 1}`, '        TCP_CHECK { connect_timeout 3 }', '    }');
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}
