/**
 * Unit tests of the column decoders behind the value policy: DECIMAL text (the number fast path
 * against an independent BigInt reference, across the 2^53 and 2^64 edges and every scale) and
 * Utf8 strings (repeated values through the repeat cache, collisions, long and multi-byte values,
 * invalid bytes, a leading BOM, nulls and sliced columns), DATE as text or Date, and the
 * INTERVAL units kept in apache-arrow's word form.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DateDay,
  DateMillisecond,
  Decimal,
  Field,
  IntervalDayTime,
  IntervalMonthDayNano,
  List,
  makeData,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { DataError } from '#dist/errors';
import { dateText } from '#dist/values/date-text';
import { decimalText } from '#dist/values/decimal-text';
import { DEFAULT_POLICY, decodeData } from '#dist/values/index';

function words(value: bigint): Uint32Array {
  const bits = BigInt.asUintN(128, value);
  return Uint32Array.from({ length: 4 }, (_, k) => Number((bits >> BigInt(32 * k)) & 0xffff_ffffn));
}

function reference(value: bigint, scale: number): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const unit = 10n ** BigInt(scale);
  const whole = (magnitude / unit).toString();
  const text = scale > 0 ? `${whole}.${(magnitude % unit).toString().padStart(scale, '0')}` : whole;
  return negative ? `-${text}` : text;
}

/** A small deterministic generator (xorshift), so a failure names a reproducible value. */
function* randomMagnitudes(count: number): Generator<bigint> {
  let state = 0x2545f491n;
  for (let i = 0; i < count; i++) {
    state ^= (state << 13n) & 0xffff_ffffn;
    state ^= state >> 17n;
    state ^= (state << 5n) & 0xffff_ffffn;
    const bitsWanted = BigInt(Number(state % 127n) + 1);
    let v = 0n;
    for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt.asUintN(32, state * BigInt(w + 7919));
    yield v & ((1n << bitsWanted) - 1n);
  }
}

describe('DECIMAL text', () => {
  const edges = [
    0n,
    1n,
    9n,
    10n,
    99n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    2n ** 63n,
    2n ** 64n - 1n,
    2n ** 64n,
    10n ** 38n - 1n,
    2n ** 127n - 1n,
  ];

  it('matches a BigInt reference at the edges of the fast path, for every scale', () => {
    for (const magnitude of edges) {
      for (const value of [magnitude, -magnitude]) {
        for (let scale = 0; scale <= 38; scale++) {
          assert.equal(decimalText(words(value), 0, scale), reference(value, scale), `${value} scale ${scale}`);
        }
      }
    }
    assert.equal(decimalText(words(-(2n ** 127n)), 0, 2), reference(-(2n ** 127n), 2));
  });

  it('matches a BigInt reference for values of every bit length', () => {
    for (const magnitude of randomMagnitudes(4000)) {
      for (const value of [magnitude, -magnitude]) {
        for (const scale of [0, 2, 7, 18, 22, 23, 38]) {
          assert.equal(decimalText(words(value), 0, scale), reference(value, scale), `${value} scale ${scale}`);
        }
      }
    }
  });

  it('reads the value at a word offset, and scales below zero append zeros', () => {
    const packed = new Uint32Array([...words(5n), ...words(-12345n)]);
    assert.equal(decimalText(packed, 4, 2), '-123.45');
    assert.equal(decimalText(packed, 0, -3), '5000');
  });

  it('decodes a column with repeated values, nulls and an offset, as strings or numbers', () => {
    const cycle = ['1.00', '-0.05', '12345678901234567.89', null, '0.00', '-99999999999999999999.99'];
    const values = Array.from({ length: 6000 }, (_, i) => cycle[i % cycle.length]);
    const column = vectorFromArray(
      values.map((v) => (v === null ? null : words(BigInt(v.replace('.', ''))))),
      new Decimal(2, 38, 128),
    );
    assert.deepEqual(decodeData(column.data[0], DEFAULT_POLICY), values);
    const sliced = column.slice(3, 5000);
    assert.deepEqual(decodeData(sliced.data[0], DEFAULT_POLICY), values.slice(3, 5000));
    assert.deepEqual(
      decodeData(column.data[0], { ...DEFAULT_POLICY, decimalAs: 'number' }),
      values.map((v) => (v === null ? null : Number(v))),
    );
  });
});

describe('Utf8 columns', () => {
  function decodeStrings(values: (string | null)[]): unknown[] {
    return decodeData(vectorFromArray(values, new Utf8()).data[0], DEFAULT_POLICY);
  }

  it('decodes repeated, colliding, long, empty, multi-byte and null values', () => {
    // 300 distinct short values in 512 slots collide, and repeat often enough to keep caching on.
    const distinct = Array.from({ length: 300 }, (_, k) => `v${k}`);
    const special = ['', 'é', '日本語', '🦀 crab', 'x'.repeat(32), 'y'.repeat(33), `${'z'.repeat(31)}é`];
    const values = Array.from({ length: 20_000 }, (_, i) =>
      i % 97 === 0 ? null : i % 11 === 0 ? special[i % special.length] : distinct[(i * 7) % distinct.length],
    );
    assert.deepEqual(decodeStrings(values), values);
  });

  it('decodes a column of unique values (the cache switches off) and a sliced column', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `unique-${i}`);
    assert.deepEqual(decodeStrings(values), values);
    const sliced = vectorFromArray(values, new Utf8()).slice(2500, 7000);
    assert.deepEqual(decodeData(sliced.data[0], DEFAULT_POLICY), values.slice(2500, 7000));
  });

  it('keeps a leading byte order mark and replaces invalid UTF-8 with U+FFFD', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62, 0xc3]);
    const data = makeData({
      type: new Utf8(),
      length: 3,
      nullCount: 0,
      valueOffsets: new Int32Array([0, 4, 6, 7]),
      data: bytes,
    });
    assert.deepEqual(decodeData(data, DEFAULT_POLICY), ['\uFEFFa', '\uFFFDb', '\uFFFD']);
  });
});

describe('DATE columns', () => {
  /** The date part of toISOString, an independent implementation of the same calendar. */
  const iso = (days: number) => {
    const text = new Date(days * 86_400_000).toISOString();
    return text.slice(0, text.indexOf('T'));
  };
  const dayColumn = (days: (number | null)[]) =>
    makeData({
      type: new DateDay(),
      length: days.length,
      nullCount: days.filter((d) => d === null).length,
      nullBitmap: Uint8Array.from({ length: Math.ceil(days.length / 8) }, (_, b) =>
        days.slice(b * 8, b * 8 + 8).reduce<number>((bits, d, k) => (d === null ? bits : bits | (1 << k)), 0),
      ),
      data: Int32Array.from(days, (d) => d ?? 0),
    });

  it('formats every day of 1600-2400 and the ends of the calendar as toISOString does', () => {
    for (let days = -135_140; days <= 157_000; days++) assert.equal(dateText(days), iso(days));
    const edges = [-719_528, -719_529, -719_162, 2_932_896, 2_932_897, 100_000_000, -100_000_000];
    for (const days of edges) assert.equal(dateText(days), iso(days));
    assert.equal(dateText(-719_162), '0001-01-01');
    assert.equal(dateText(2_932_896), '9999-12-31');
    assert.equal(dateText(2_932_897), '+010000-01-01');
    assert.equal(dateText(-719_529), '-000001-12-31');
  });

  it('decodes as text with repeats sharing the cache, collisions, nulls and slices', () => {
    // Days 4096 apart share a cache slot; alternating them must still give each its own text.
    const days = Array.from({ length: 5000 }, (_, i) => (i % 13 === 0 ? null : 19_000 + (i % 4) * 4096 + (i % 3)));
    const text = { ...DEFAULT_POLICY, dateAs: 'string' } as const;
    const expected = days.map((d) => (d === null ? null : iso(d)));
    assert.deepEqual(decodeData(dayColumn(days), text), expected);
    assert.deepEqual(decodeData(dayColumn(days).slice(7, 3000), text), expected.slice(7, 3007));
    const ms = makeData({
      type: new DateMillisecond(),
      length: 2,
      nullCount: 0,
      data: new BigInt64Array([0n, -86_400_000n]),
    });
    assert.deepEqual(decodeData(ms, text), ['1970-01-01', '1969-12-31']);
  });

  it('decodes as Date at UTC midnight, and refuses a day a Date cannot hold', () => {
    assert.deepEqual(decodeData(dayColumn([0, -1, null]), DEFAULT_POLICY), [
      new Date('1970-01-01T00:00:00Z'),
      new Date('1969-12-31T00:00:00Z'),
      null,
    ]);
    assert.throws(
      () => decodeData(dayColumn([100_000_001]), DEFAULT_POLICY),
      (e: unknown) =>
        e instanceof DataError && e.sqlState === '22008' && /outside the range of a JavaScript Date/.test(e.message),
    );
    assert.deepEqual(decodeData(dayColumn([100_000_001]), { ...DEFAULT_POLICY, dateAs: 'string' }), ['+275760-09-14']);
  });
});

describe('INTERVAL columns in apache-arrow form', () => {
  it('gives each MONTH_DAY_NANO value its four int32 words, with nulls and a slice', () => {
    // months, days, then nanoseconds as a little-endian int64 split into low and high words.
    const data = makeData({
      type: new IntervalMonthDayNano(),
      length: 3,
      nullCount: 1,
      nullBitmap: new Uint8Array([0b101]),
      data: new Int32Array([14, 3, 567_891_000, 0, 0, 0, 0, 0, -1, -2, -1_000, -1]),
    });
    assert.deepEqual(decodeData(data, DEFAULT_POLICY), [[14, 3, 567_891_000, 0], null, [-1, -2, -1_000, -1]]);
    assert.deepEqual(decodeData(data.slice(2, 1), DEFAULT_POLICY), [[-1, -2, -1_000, -1]]);
  });

  it('gives each DAY_TIME value its two int32 words (days, milliseconds)', () => {
    const data = makeData({
      type: new IntervalDayTime(),
      length: 3,
      nullCount: 1,
      nullBitmap: new Uint8Array([0b011]),
      data: new Int32Array([3, 4, -1, -500, 0, 0]),
    });
    assert.deepEqual(decodeData(data, DEFAULT_POLICY), [[3, 4], [-1, -500], null]);
    assert.deepEqual(decodeData(data.slice(1, 1), DEFAULT_POLICY), [[-1, -500]]);
  });
});

describe('list columns', () => {
  it('a slice decodes only the elements its rows span', () => {
    // Row 1 holds a day no Date can hold: decoding it would raise, so a slice without row 1 must
    // not decode it (the slice keeps its offsets into the whole child).
    const days = makeData({
      type: new DateDay(),
      length: 4,
      nullCount: 0,
      data: new Int32Array([0, 1, 100_000_001, 2]),
    });
    const list = makeData({
      type: new List(new Field('element', new DateDay(), true)),
      length: 3,
      nullCount: 0,
      valueOffsets: new Int32Array([0, 2, 3, 4]),
      child: days,
    });
    assert.throws(() => decodeData(list, DEFAULT_POLICY), DataError);
    assert.deepEqual(decodeData(list.slice(2, 1), DEFAULT_POLICY), [[new Date(2 * 86_400_000)]]);
    assert.deepEqual(decodeData(list.slice(0, 1), DEFAULT_POLICY), [[new Date(0), new Date(86_400_000)]]);
    assert.deepEqual(decodeData(list.slice(3, 0), DEFAULT_POLICY), []);
  });
});
