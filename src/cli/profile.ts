/**
 * Where the CLI connects: flags first, then the environment variables the Databricks CLI and
 * SDKs read, then a profile of `~/.databrickscfg` (the INI file they share), field by field.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectOptions } from '../options';
import { UsageError } from './usage';

export interface ConnectionFlags {
  host?: string;
  httpPath?: string;
  warehouseId?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  profile?: string;
  caFile?: string;
}

type Env = Record<string, string | undefined>;

/** Sections of an INI file: `[name]` then `key = value` lines; `#` and `;` start comments. */
export function parseConfigFile(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const name = header[1].trim();
      current = sections.get(name) ?? {};
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

/** The chosen profile's keys, or none when no profile is asked for and the file has no DEFAULT. */
function profileKeys(flags: ConnectionFlags, env: Env, home: string): Record<string, string> {
  const path = env.DATABRICKS_CONFIG_FILE || join(home, '.databrickscfg');
  const asked = flags.profile ?? env.DATABRICKS_CONFIG_PROFILE;
  if (!existsSync(path)) {
    if (asked) throw new UsageError(`profile ${JSON.stringify(asked)} was asked for, but ${path} does not exist`);
    return {};
  }
  const sections = parseConfigFile(readFileSync(path, 'utf8'));
  const name = asked ?? 'DEFAULT';
  const keys = sections.get(name);
  if (!keys) {
    if (asked) {
      const known = [...sections.keys()].join(', ') || 'none';
      throw new UsageError(`no profile ${JSON.stringify(asked)} in ${path} (profiles: ${known})`);
    }
    return {};
  }
  return keys;
}

const warehousePath = (id: string | undefined) => (id ? `/sql/1.0/warehouses/${id}` : undefined);

export function resolveConnection(flags: ConnectionFlags, env: Env, home: string): ConnectOptions {
  const profile = profileKeys(flags, env, home);
  const host = flags.host ?? env.DATABRICKS_HOST ?? profile.host;
  const httpPath =
    flags.httpPath ??
    warehousePath(flags.warehouseId) ??
    env.DATABRICKS_HTTP_PATH ??
    warehousePath(env.DATABRICKS_WAREHOUSE_ID) ??
    profile.http_path ??
    warehousePath(profile.warehouse_id);
  if (!host) {
    throw new UsageError('no warehouse to connect to: give --host (or DATABRICKS_HOST, or a profile), or --local');
  }
  if (!httpPath) {
    throw new UsageError(
      'no SQL warehouse: give --http-path or --warehouse-id (or DATABRICKS_HTTP_PATH, DATABRICKS_WAREHOUSE_ID, or a profile)',
    );
  }
  const token = flags.token ?? env.DATABRICKS_TOKEN ?? profile.token;
  const clientId = flags.clientId ?? env.DATABRICKS_CLIENT_ID ?? profile.client_id;
  const clientSecret = flags.clientSecret ?? env.DATABRICKS_CLIENT_SECRET ?? profile.client_secret;
  const options: ConnectOptions = { host, httpPath };
  if (token) options.token = token;
  else if (clientId && clientSecret) {
    options.oauthClientId = clientId;
    options.oauthClientSecret = clientSecret;
  } else {
    throw new UsageError(
      'no credentials: give --token (or DATABRICKS_TOKEN), or a client id and secret, or a profile with them',
    );
  }
  const caFile = flags.caFile ?? env.SLUICE_CA_FILE;
  if (caFile) options.caPath = caFile;
  return options;
}
