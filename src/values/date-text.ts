/**
 * DATE values as ISO 8601 text (`dateAs: 'string'`): `YYYY-MM-DD`, the calendar date with no
 * time zone to misread, and much cheaper than a `Date` (a call into C++ and about 110 bytes of heap each).
 * Years outside 0000-9999 take the expanded form `toISOString` uses (`+010000`, `-000001`).
 */

const SLOTS = 4096;

/** The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's civil-from-days). */
export function dateText(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const y =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, '0')
      : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
  return `${y}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/**
 * Dates repeat (ship dates, birthdays, partitions), and a day's text never changes: one table
 * for the process, direct-mapped by day, so a span of 4096 consecutive days never collides and
 * repeats share one string across columns, batches and results.
 */
const cachedDays = new Float64Array(SLOTS).fill(Number.NaN);
const cachedTexts = new Array<string>(SLOTS);

export function cachedDateText(days: number): string {
  const slot = days & (SLOTS - 1);
  if (cachedDays[slot] === days) return cachedTexts[slot];
  const text = dateText(days);
  cachedDays[slot] = days;
  cachedTexts[slot] = text;
  return text;
}
