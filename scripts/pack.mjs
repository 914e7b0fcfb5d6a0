#!/usr/bin/env node
// `npm run pack`: writes into pack/ the tarballs users get from the registry. The main package
// `sluice` and `sluice-warehouse` list one optional dependency per platform (added here, as
// `napi pre-publish` would, so the repository's own install never asks the registry for them);
// each platform package holds one stripped release build: `sluice-<platform>` the addon,
// `sluice-warehouse-<platform>` the warehouse executable.
//
//   node scripts/pack.mjs                  builds both for this machine and packs its platform
//   node scripts/pack.mjs --artifacts DIR  packs the builds the release workflow gathered in DIR
//                                          (sluice.<platform>.node, sluice-warehouse-<platform>[.exe]),
//                                          one for every target, and fails if one is missing

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'pack');
const STAGE = join(OUT, 'stage');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
const run = (cmd, args, cwd = ROOT) =>
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });

const root = readJson(join(ROOT, 'package.json'));
const warehouse = readJson(join(ROOT, 'packages/warehouse/package.json'));
const { version } = root;

/** The platforms, from the dirs `napi create-npm-dirs` made out of napi.targets. */
const platforms = readdirSync(join(ROOT, 'npm'))
  .sort()
  .map((suffix) => ({ suffix, manifest: readJson(join(ROOT, 'npm', suffix, 'package.json')) }));
for (const { suffix, manifest } of [...platforms, { suffix: 'packages/warehouse', manifest: warehouse }]) {
  if (manifest.version !== version) {
    throw new Error(`${suffix}/package.json has version ${manifest.version}, the root ${version}: run "npm version"`);
  }
}
const exeName = (suffix) => (suffix.startsWith('win32-') ? 'sluice-warehouse.exe' : 'sluice-warehouse');

const argv = process.argv.slice(2);
const artifactsAt = argv.indexOf('--artifacts');
const artifacts = artifactsAt >= 0 ? resolve(argv[artifactsAt + 1]) : join(OUT, 'build');
if (artifactsAt >= 0 && artifacts.startsWith(OUT))
  throw new Error('--artifacts must be outside pack/, which is emptied first');

rmSync(OUT, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
if (artifactsAt < 0) buildHost();
run('npm', ['run', 'build:ts']);

/** Release builds for this machine into pack/build, named as the release workflow names them. */
function buildHost() {
  const triple = /^host: (.+)$/m.exec(run('rustc', ['-vV']))[1].trim();
  run(
    'npx',
    [
      'napi',
      'build',
      '--platform',
      '--release',
      '-p',
      'sluice-node',
      '--target',
      triple,
      '--output-dir',
      artifacts,
      '--no-js',
      '--dts',
      'binding.d.ts',
    ],
    ROOT,
  );
  rmSync(join(artifacts, 'binding.d.ts'), { force: true });
  // The same --target as napi build, so both share one folder of release dependencies.
  run('cargo', ['build', '--release', '--locked', '-p', 'sluice-warehouse', '--target', triple]);
  const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
  const addon = readdirSync(artifacts).find((f) => /^sluice\..+\.node$/.test(f));
  if (!addon) throw new Error(`napi build wrote no addon into ${artifacts}`);
  const suffix = addon.slice('sluice.'.length, -'.node'.length);
  copyFileSync(
    join(targetDir, triple, 'release', exeName(suffix)),
    join(artifacts, `sluice-warehouse-${suffix}${suffix.startsWith('win32-') ? '.exe' : ''}`),
  );
}

/** `npm pack` of a staged folder into pack/; returns the tarball's name. */
function pack(dir) {
  const [out] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', OUT], dir));
  return out.filename;
}

function stage(name) {
  const dir = join(STAGE, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const optional = (prefix) => Object.fromEntries(platforms.map(({ suffix }) => [`${prefix}-${suffix}`, version]));
const packed = [];
const missing = [];

for (const { suffix, manifest } of platforms) {
  const addon = join(artifacts, `sluice.${suffix}.node`);
  const exe = join(artifacts, `sluice-warehouse-${suffix}${suffix.startsWith('win32-') ? '.exe' : ''}`);
  if (!existsSync(addon) || !existsSync(exe)) {
    missing.push(suffix);
    continue;
  }
  const driverDir = stage(manifest.name);
  for (const file of readdirSync(join(ROOT, 'npm', suffix)))
    copyFileSync(join(ROOT, 'npm', suffix, file), join(driverDir, file));
  copyFileSync(addon, join(driverDir, manifest.main));
  packed.push(pack(driverDir));

  const name = `sluice-warehouse-${suffix}`;
  const dir = stage(name);
  const { os, cpu, libc } = manifest;
  writeJson(join(dir, 'package.json'), {
    name,
    version,
    description: `The ${suffix} executable of sluice-warehouse.`,
    license: warehouse.license,
    os,
    cpu,
    ...(libc ? { libc } : {}),
    files: [exeName(suffix)],
  });
  writeFileSync(
    join(dir, 'README.md'),
    `# \`${name}\`\n\nThe **${suffix}** executable of \`sluice-warehouse\`; install \`sluice-warehouse\`, which depends on it.\n`,
  );
  copyFileSync(exe, join(dir, exeName(suffix)));
  chmodSync(join(dir, exeName(suffix)), 0o755);
  packed.push(pack(dir));
}
if (artifactsAt >= 0 && missing.length > 0) throw new Error(`no builds in ${artifacts} for: ${missing.join(', ')}`);
if (packed.length === 0) throw new Error(`no platform built in ${artifacts}`);

// The main packages: their own files, with one optional dependency per platform.
const mainDir = stage('sluice');
const listed = JSON.parse(run('npm', ['pack', '--dry-run', '--json']))[0].files.map((f) => f.path);
for (const file of listed) {
  mkdirSync(dirname(join(mainDir, file)), { recursive: true });
  copyFileSync(join(ROOT, file), join(mainDir, file));
}
writeJson(join(mainDir, 'package.json'), { ...root, optionalDependencies: optional('sluice') });
packed.unshift(pack(mainDir));

const warehouseDir = stage('sluice-warehouse');
for (const file of [...warehouse.files, 'README.md'])
  copyFileSync(join(ROOT, 'packages/warehouse', file), join(warehouseDir, file));
chmodSync(join(warehouseDir, 'bin.js'), 0o755);
writeJson(join(warehouseDir, 'package.json'), { ...warehouse, optionalDependencies: optional('sluice-warehouse') });
packed.splice(1, 0, pack(warehouseDir));

rmSync(STAGE, { recursive: true, force: true });
if (artifactsAt < 0) rmSync(artifacts, { recursive: true, force: true });
for (const file of packed) console.log(`${file}\t${(statSync(join(OUT, file)).size / 2 ** 20).toFixed(1)} MiB`);
