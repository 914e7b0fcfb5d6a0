/**
 * A script's statements: split on `;` outside quotes ('…', "…", `…`, with backslash escapes as
 * Spark SQL reads them) and outside comments (`--` to the line's end, `/* … *\/`). Statements
 * that hold only comments and space are dropped.
 */

export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  let meaningful = false;
  const flush = (end: number) => {
    const text = script.slice(start, end).trim();
    if (meaningful && text !== '') out.push(text);
    meaningful = false;
  };
  while (i < script.length) {
    const c = script[i];
    if (c === '-' && script[i + 1] === '-') {
      const eol = script.indexOf('\n', i);
      i = eol < 0 ? script.length : eol + 1;
    } else if (c === '/' && script[i + 1] === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? script.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      meaningful = true;
      i++;
      while (i < script.length && script[i] !== c) i += script[i] === '\\' && c !== '`' ? 2 : 1;
      i++;
    } else if (c === ';') {
      flush(i);
      start = ++i;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  flush(script.length);
  return out;
}
