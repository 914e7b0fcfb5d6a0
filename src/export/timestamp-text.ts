/**
 * TIMESTAMP values as ISO 8601 text, the form arrow-rs writes (RFC 3339): the wall time in the
 * value's zone (the session's, for TIMESTAMP) with its offset, `Z` when the offset is zero,
 * and 0, 3 or 6 fraction digits as the value needs. TIMESTAMP_NTZ has no zone and no offset.
 */

import { dateText } from '../values/date-text';

const MICROS_PER_DAY = 86_400_000_000n;

/** Offsets of a named zone, by the UTC millisecond asked: Intl knows the zone rules. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function offsetMinutes(zone: string, utcMs: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z' || zone === '+00:00') return 0;
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(utcMs)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - (utcMs - (((utcMs % 1000) + 1000) % 1000))) / 60_000);
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function timestampText(micros: bigint, zone: string | null): string {
  const offset = zone === null ? 0 : offsetMinutes(zone, Number(micros / 1000n));
  const local = micros + BigInt(offset) * 60_000_000n;
  let days = local / MICROS_PER_DAY;
  let rest = local % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const inDay = Number(rest);
  const seconds = Math.floor(inDay / 1_000_000);
  const fraction = inDay % 1_000_000;
  let text = `${dateText(Number(days))}T${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  if (fraction !== 0) {
    text +=
      fraction % 1000 === 0 ? `.${String(fraction / 1000).padStart(3, '0')}` : `.${String(fraction).padStart(6, '0')}`;
  }
  if (zone === null) return text;
  if (offset === 0) return `${text}Z`;
  const abs = Math.abs(offset);
  return `${text}${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
