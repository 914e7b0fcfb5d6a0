// Finds the prebuilt sluice-warehouse executable in the platform package npm installed beside
// this one (sluice-warehouse-<platform>, an optional dependency picked by its os/cpu/libc).

const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/** The napi-rs platform suffix of this process: linux-x64-gnu, darwin-arm64, win32-x64-msvc... */
function platformSuffix() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl() {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // No ldd to read: glibc reports its version, musl does not.
    const header = process.report?.getReport?.().header;
    return header !== undefined && !header.glibcVersionRuntime;
  }
}

/** The path of the sluice-warehouse executable for this platform, or an error naming it. */
function binaryPath() {
  const suffix = platformSuffix();
  const name = `sluice-warehouse-${suffix}`;
  const prebuilt = Object.keys(require('./package.json').optionalDependencies ?? {}).map((dep) =>
    dep.slice('sluice-warehouse-'.length),
  );
  if (!prebuilt.includes(suffix)) {
    throw new Error(
      `sluice-warehouse has no prebuilt executable for ${suffix} (prebuilt: ${prebuilt.join(', ') || 'none'}); ` +
        'build it from a source checkout with "cargo build --release -p sluice-warehouse" and pass its path ' +
        'in SLUICE_WAREHOUSE_BIN',
    );
  }
  let dir;
  try {
    dir = dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new Error(
      `sluice-warehouse: the executable for ${suffix} comes in the package ${name}, which is not installed. ` +
        'npm installs it as an optional dependency: reinstall without --omit=optional / --no-optional, ' +
        `or remove the lock file if it was made on another platform, or run "npm install ${name}"`,
    );
  }
  return join(dir, process.platform === 'win32' ? 'sluice-warehouse.exe' : 'sluice-warehouse');
}

module.exports = { binaryPath, platformSuffix };
