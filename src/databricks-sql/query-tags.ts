/**
 * Query tags as Databricks reads them: `key:value` pairs joined by commas; a key without a value
 * stands alone; backslash, colon and comma in a value (and backslash in a key) are escaped.
 */
export function serializeQueryTags(
  tags: Record<string, string | null | undefined> | undefined | null,
): string | undefined {
  if (tags === undefined || tags === null) return undefined;
  const entries = Object.entries(tags);
  if (entries.length === 0) return undefined;
  return entries
    .map(([key, value]) => {
      const k = key.replaceAll('\\', '\\\\');
      return value === undefined || value === null ? k : `${k}:${String(value).replace(/[\\:,]/g, (c) => `\\${c}`)}`;
    })
    .join(',');
}
