/**
 * Query tags as sluice takes them (it writes them as Databricks reads them). A tag without a
 * value, which @databricks/sql sends as a bare key, is sent with an empty value.
 */
export function queryTags(
  tags: Record<string, string | null | undefined> | undefined | null,
): Record<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  const entries = Object.entries(tags);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, value]) => [key, value ?? '']));
}
