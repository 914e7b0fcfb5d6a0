/**
 * Preloaded into a measured process (`node --require`): writes its peak RSS in KiB to the file
 * $SLUICE_RSS_OUT as it exits, however it exits.
 */

import { writeFileSync } from 'node:fs';

const out = process.env.SLUICE_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
