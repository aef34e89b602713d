export * from './cli.js';
export * from './control.js';
export * from './instance-options.js';
export * from './logger.js';
export * from './vrrp-service.js';
export { configTest } from './tandemd.js';
export { formatStatus } from './tandemctl.js';
