#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import { main } from '../dist/src/cli/main.js';

// `hybridtune status … | head` closes the pipe early: that is not an error
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await main();
// let pending writes drain, then exit with the command's code
process.exitCode = code;
if (code !== 0 || process.env.HYBRIDTUNE_FORCE_EXIT) setTimeout(() => process.exit(code), 50).unref();
