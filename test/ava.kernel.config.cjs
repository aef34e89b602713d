// `npm run test:kernel`: the real-kernel suite alone (qemu guest with Debian's kernel; root).
module.exports = {
  files: ['test/dist/kernel/**/*.test.js'],
  concurrency: 1,
  timeout: '25m',
  verbose: true,
};
