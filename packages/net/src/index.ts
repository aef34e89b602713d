export * from './accept-filter.js';
export * from './errors.js';
export * from './frames.js';
export * from './native.js';
export * from './packet-socket.js';
export * from './raw-socket.js';
export * from './rtnl.js';
export * from './vrrp-transport.js';
