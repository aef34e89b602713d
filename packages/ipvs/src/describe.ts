import { addressHex, addressKey } from './address.js';
import type { Operation } from './operations.js';
import { type Destination, isFwmarkKey, type Service, type ServiceKey } from './types.js';

const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** A service as ipvsadm names it: `TCP 192.0.2.10:80`, `FWM 7 IPv6`. */
export function serviceName(key: ServiceKey): string {
  if (isFwmarkKey(key)) return `FWM ${key.fwmark}${key.family === 'inet6' ? ' IPv6' : ''}`;
  return `${key.protocol.toUpperCase()} ${hostPort(key.address, key.port)}`;
}

/**
 * Each key object's id, made once: a sync asks for every service's several times (the owners
 * of the entries, the keeper's scope, the plan), and a key is never changed once made.
 */
const ids = new WeakMap<ServiceKey, string>();

/** A stable identity for a service key (addresses normalised, so `::1` and `0::1` match). */
export function serviceId(key: ServiceKey): string {
  let id = ids.get(key);
  if (id === undefined) {
    id = isFwmarkKey(key) ? `fwm/${key.family}/${key.fwmark}` : `${key.protocol}/${addressHex(key.address)}/${key.port}`;
    ids.set(key, id);
  }
  return id;
}

/** A destination's identity within its service (in memory only: the host ledger keeps serviceIds, never these). */
export function destinationId(d: Pick<Destination, 'address' | 'port'>): string {
  return `${addressKey(d.address)}/${d.port}`;
}

export function destinationName(d: Destination): string {
  const tunnel = d.forward === 'tunnel' && d.tunnel !== undefined && d.tunnel.type !== 'ipip' ? ` ${d.tunnel.type}${d.tunnel.port ? ` port ${d.tunnel.port}` : ''} ${d.tunnel.checksum}` : '';
  const thresholds = d.upperThreshold || d.lowerThreshold ? ` thresholds ${d.lowerThreshold}-${d.upperThreshold}` : '';
  return `${hostPort(d.address, d.port)} ${d.forward}${tunnel} weight ${d.weight}${thresholds}`;
}

function serviceOptions(s: Service): string {
  const parts = [s.scheduler];
  if (s.timeout > 0) parts.push(`persistent ${s.timeout}`);
  if (s.pe !== undefined) parts.push(`pe ${s.pe}`);
  if (s.flags & ~0x1) parts.push(`flags 0x${(s.flags & ~0x1).toString(16)}`);
  return parts.join(' ');
}

/** One line per operation, for logs and `tandemd --plan`. */
export function describeOperation(op: Operation): string {
  switch (op.op) {
    case 'add-service':
      return `add service ${serviceName(op.service.key)} ${serviceOptions(op.service)}`;
    case 'update-service':
      return `update service ${serviceName(op.service.key)} ${serviceOptions(op.service)}`;
    case 'delete-service':
      return `delete service ${serviceName(op.key)}`;
    case 'add-destination':
      return `add destination ${serviceName(op.key)} -> ${destinationName(op.destination)}`;
    case 'update-destination':
      return `update destination ${serviceName(op.key)} -> ${destinationName(op.destination)}`;
    case 'delete-destination':
      return `delete destination ${serviceName(op.key)} -> ${hostPort(op.destination.address, op.destination.port)}`;
  }
}
