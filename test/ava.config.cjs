// Namespace tests: real raw sockets, real netlink, real keepalived. Root only.
module.exports = {
  files: ['test/dist/netns/**/*.test.js'],
  concurrency: 1,
  timeout: '5m',
  verbose: true,
};
