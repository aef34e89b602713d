import type { Destination, Service, ServiceKey } from './types.js';

/** One change to the kernel's IPVS table: what the reconciler plans and the client applies. */
export type Operation =
  | { readonly op: 'add-service'; readonly service: Service }
  | { readonly op: 'update-service'; readonly service: Service }
  | { readonly op: 'delete-service'; readonly key: ServiceKey }
  | { readonly op: 'add-destination'; readonly key: ServiceKey; readonly destination: Destination }
  | { readonly op: 'update-destination'; readonly key: ServiceKey; readonly destination: Destination }
  | { readonly op: 'delete-destination'; readonly key: ServiceKey; readonly destination: Destination };
