// Namespace tests: real raw sockets, real netlink, real keepalived. Root only.
module.exports = {
  files: ['test/dist/netns/**/*.test.js', 'test/dist/kernel/**/*.test.js'],
  concurrency: 1,
  timeout: '25m',
  verbose: true,
};
