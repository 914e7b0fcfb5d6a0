/**
 * Loads the native binding (the generated `index.js` at the package root) and explains a
 * failure precisely instead of surfacing a raw loader error.
 */

import { makeError } from './errors';
import { currentPlatform, prebuiltPlatforms } from './platform';

export type NativeBinding = typeof import('../index');

let cached: NativeBinding | undefined;

const firstLine = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0].trim().replace(/\.+$/, '');

/**
 * Why each candidate failed, in the order the loader tried them. The generated loader chains
 * them as the cause of a generic error (whose own text is advice about an npm bug), the last
 * attempt first. Its WebAssembly attempts are left out: sluice ships no WebAssembly build.
 */
function loadReasons(error: unknown): string[] {
  const chain: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && cause !== null && chain.length < 8) {
    chain.push(firstLine(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const tried = chain.filter((reason) => !/wasi/.test(reason));
  return tried.length > 0 ? [...new Set(tried.reverse())] : [firstLine(error)];
}

/** What to do about it: Deno's FFI permission, the platform package, or no build for this platform. */
function remedy(reasons: string[], platform: string, prebuilt: string[]): string {
  if (reasons.some((reason) => /--allow-ffi/.test(reason))) {
    return 'Deno loads native addons only with the FFI permission: run deno with --allow-ffi.';
  }
  if (!prebuilt.includes(platform)) {
    return `sluice ships no prebuilt addon for ${platform} (prebuilt: ${prebuilt.join(', ') || 'none'}).`;
  }
  return (
    `The prebuilt addon for ${platform} comes in the package sluice-${platform}, an optional dependency of ` +
    `sluice: reinstall without --omit=optional (or --no-optional), or delete a lock file made on another ` +
    `platform, or run "npm install sluice-${platform}".`
  );
}

/** The JavaScript runtime, as its users name it: Bun and Deno report a Node version too. */
function runtimeName(): string {
  const versions = process.versions as NodeJS.ProcessVersions & { bun?: string; deno?: string };
  if (versions.bun) return `Bun ${versions.bun}`;
  if (versions.deno) return `Deno ${versions.deno}`;
  return `Node ${versions.node}`;
}

/**
 * The message for a failed load, right both for an installed package (whose addon comes in a
 * platform package) and for a source checkout (which builds its own).
 */
export function loadFailureMessage(error: unknown, platform: string, prebuilt: string[]): string {
  const reasons = loadReasons(error);
  return (
    `the sluice native addon could not be loaded on ${platform} (${runtimeName()}): ` +
    `${reasons.join('; ')}. ${remedy(reasons, platform, prebuilt)} ` +
    `Connect with { backend: 'ts' }, which needs no addon; in a source checkout, ` +
    `"npm run build:native" builds the addon for this platform.`
  );
}

export function loadNative(): NativeBinding {
  if (cached) return cached;
  try {
    // The generated loader at the package root, one level above dist/.
    cached = require('../index.js') as NativeBinding;
  } catch (e) {
    // NotSupported, so the class is the one the error table gives that code: NotSupportedError.
    throw makeError(loadFailureMessage(e, currentPlatform(), prebuiltPlatforms()), { code: 'NotSupported' }, e);
  }
  return cached;
}
