/**
 * The package's root folder: every compiled module lives one level under it in dist/ (tests load
 * dist too, through the package's `#dist/*` imports), so the path is fixed.
 */

import { join } from 'node:path';

export const PACKAGE_ROOT = join(__dirname, '..');
