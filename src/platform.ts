/**
 * The platform names of napi-rs (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ...): this
 * process's, and those the package ships prebuilt builds for (from `napi.targets` in its
 * package.json, the list the release workflow builds).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root';

function isMusl(): boolean {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // No ldd to read: glibc reports its version, musl does not.
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header !== undefined && !report.header.glibcVersionRuntime;
  }
}

/** This process's platform, named the way the platform packages are (`sluice-<platform>`). */
export function currentPlatform(): string {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const ARCH: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' };

/** The napi-rs platform name of a Rust target triple (`aarch64-unknown-linux-musl` -> `linux-arm64-musl`). */
export function platformOfTriple(triple: string): string {
  const [cpu, , os, abi] = triple.split('-');
  const arch = ARCH[cpu] ?? cpu;
  if (os === 'linux') return `linux-${arch}-${abi}`;
  if (os === 'darwin') return `darwin-${arch}`;
  if (os === 'windows') return `win32-${arch}-${abi}`;
  return `${os}-${arch}`;
}

/** The platforms the package has prebuilt builds for. */
export function prebuiltPlatforms(): string[] {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    napi?: { targets?: string[] };
  };
  return (manifest.napi?.targets ?? []).map(platformOfTriple);
}
