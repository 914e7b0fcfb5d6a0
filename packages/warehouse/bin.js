#!/usr/bin/env node

// `npx sluice-warehouse ...`: runs the prebuilt executable with the same arguments, standard
// streams and exit status, and passes termination signals on so the server never outlives us.

const { spawn } = require('node:child_process');
const { binaryPath } = require('./index.js');

let binary;
try {
  binary = binaryPath();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const forward = (signal) => child.kill(signal);
for (const signal of SIGNALS) process.on(signal, forward);
child.on('error', (e) => {
  console.error(`sluice-warehouse: could not start ${binary}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  // Die of the same signal, once our own handlers no longer catch it.
  for (const name of SIGNALS) process.off(name, forward);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
