import type { Config, Diagnostic } from '@tandem/config';
import { readFileSync } from 'node:fs';
import { interfacesOf } from './instance-options.js';

/**
 * The interfaces a VRRP instance needs that this host does not have, one error each: without
 * `dynamic_interfaces` tandemd does not start with them (keepalived neither: "Non-existent
 * interface specified in configuration", exit 2), and a reload naming one is refused and keeps
 * the running configuration (keepalived stops). With `dynamic_interfaces` the instance waits in
 * FAULT for the interface, and nothing here is an error. `names` are the host's interfaces;
 * undefined (they could not be read) checks nothing.
 */
export function missingInterfaces(config: Config, names: ReadonlySet<string> | undefined): Diagnostic[] {
  // With net_namespace the interfaces are the namespace's: tandemd reads the file before it
  // enters it, and the VRRP side checks them there.
  if (names === undefined || config.globalDefs.dynamicInterfaces === true || config.globalDefs.netNamespace !== undefined) return [];
  const out: Diagnostic[] = [];
  for (const i of config.vrrpInstances) {
    for (const name of interfacesOf(i)) {
      if (names.has(name)) continue;
      const where = name === i.interface ? i.pos : ([...i.virtualIpaddress, ...i.virtualIpaddressExcluded].find((v) => v.dev === name)?.pos ?? i.pos);
      out.push({ severity: 'error', code: 'CONF_ERR_REFERENCE', pos: where, message: `interface ${name} of vrrp_instance ${i.name} does not exist on this host (with dynamic_interfaces the instance would wait for it in FAULT)` });
    }
  }
  return out;
}

/** The names of the interfaces in this process's network namespace (/proc/self/net/dev), or undefined when it cannot be read. */
export function hostInterfaceNames(): Set<string> | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/net/dev', 'latin1');
  } catch {
    return undefined;
  }
  const names = new Set<string>();
  // Two lines of headings, then `  NAME: counters...` per interface.
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon > 0) names.add(line.slice(0, colon).trim());
  }
  return names;
}
