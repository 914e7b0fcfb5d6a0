/** The package's root folder, found from this file whether it runs from dist/ or a test build. */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function find(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'sluice') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the sluice package root was not found above ${__dirname}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = find();
