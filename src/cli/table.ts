/** Renders rows as a plain-text table for terminals (the demo and the query CLI). */

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${formatValue(k)}: ${formatValue(v)}`).join(', ')}}`;
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

export function renderTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) => row.map(formatValue));
  const widths = columns.map((name, c) => Math.max(name.length, ...cells.map((row) => row[c].length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const fmt = (values: readonly string[]) => `| ${values.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})`;
  return [line, fmt(columns), line, ...cells.map(fmt), line, count].join('\n');
}
