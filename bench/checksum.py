"""bench/checksum.ts for PY (bench/py_child.py): the same checksum of the same values, bit for bit.

Each value maps to an integer as checksum.ts maps it (numbers to thousandths rounded as JS's
Math.round rounds, dates to epoch milliseconds, booleans to 1 or 0, null to 0, text that JS's
Number() reads as a number to its thousandths, other text to a 31-multiplier hash of its UTF-16
code units) and the integers are summed modulo 2^32. checksum.ts keeps its running sum with JS's
`%`, whose sign follows the dividend; the sum stays exact there, so it is congruent to the plain
sum and this keeps a Python integer instead. Arrow columns are summed with numpy and
pyarrow.compute, a chunk at a time; row values column by column, vectorised where the column
allows it.
"""

import math
import re
import time
from datetime import date, datetime, timezone
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MODULUS = 1 << 32
MAX_SAFE_INTEGER = 2**53 - 1
# What JS's Number(text) trims: its WhiteSpace and LineTerminator characters.
JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# JS's StringNumericLiteral after the trim (no `_` separators, unlike Python's float()).
JS_NUMBER = (
    r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)
JS_NUMBER_RE = re.compile(JS_NUMBER)
JS_NUMBER_RE2 = f"^(?:{JS_NUMBER})$"
EPOCH = date(1970, 1, 1).toordinal()
MS_PER_DAY = 86_400_000


class Checksum:
    def __init__(self):
        self.sum = 0
        self.count = 0
        # Time spent summing inside a timed stretch, for the timings to leave out.
        self.spent_ms = 0.0
        # checksum.ts's sum turns NaN (and prints so) when a finite value's thousandths overflow.
        self.nan = False

    def timed(self, add):
        started = time.perf_counter()
        add()
        self.spent_ms += (time.perf_counter() - started) * 1000

    def rows(self, rows):
        """Adds the values of rows (sequences of values)."""
        for column in zip(*rows):
            self._add(*_values(column))
        self.count += len(rows)

    def batch(self, batch):
        """Adds the values of one Arrow record batch or table."""
        names = batch.schema.names
        for field in batch.schema:
            # checksum.ts takes each field's column by name: the first of that name.
            column = batch.column(names.index(field.name))
            for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
                self._add(*_arrow(chunk, field.type))
        self.count += batch.num_rows

    def table(self, table):
        self.batch(table)

    def _add(self, total, nan):
        self.sum += total
        self.nan = self.nan or nan

    def __str__(self):
        """Eight hex digits."""
        return "00000NaN" if self.nan else f"{self.sum % MODULUS:08x}"


def thousandths(x):
    """Math.round(x * 1000) for finite x, else 0; None where JS gets NaN (x * 1000 overflows)."""
    if not math.isfinite(x):
        return 0
    y = x * 1000.0
    if not math.isfinite(y):
        return None
    r = math.floor(y)
    # Math.round breaks ties toward +infinity; y - floor(y) is exact.
    return r + 1 if y - r >= 0.5 else r


def _thousandths_sum(x):
    """The sum of thousandths() over a float64 array, and whether one of them is NaN."""
    x = x[np.isfinite(x)]
    with np.errstate(over="ignore"):
        y = x * 1000.0
    finite = np.isfinite(y)
    nan = not finite.all()
    y = y[finite]
    r = np.floor(y)
    r += y - r >= 0.5
    # fmod is exact; int64 sums wrap modulo 2^64, which keeps the sum modulo 2^32.
    return int(np.fmod(r, float(MODULUS)).astype(np.int64).sum()), nan


def js_number(text):
    """JS's Number(text), or None for NaN."""
    t = text.strip(JS_SPACE)
    if t == "":
        return 0.0
    if not JS_NUMBER_RE.fullmatch(t):
        return None
    base = {"x": 16, "o": 8, "b": 2}.get(t[1:2].lower()) if t[:1] == "0" else None
    if base:
        try:
            return float(int(t[2:], base))
        except OverflowError:
            return math.inf
    if t.lstrip("+-") == "Infinity":
        return -math.inf if t[0] == "-" else math.inf
    return float(t)


def text_hash(text):
    """checksum.ts's textHash: over UTF-16 code units, as JS's Math.imul and `| 0` compute it."""
    units = np.frombuffer(text.encode("utf-16-le"), dtype="<u2")
    h = 0
    for unit in units.tolist():
        h = (h * 31 + unit) & 0xFFFFFFFF
    return h


def text_cell(text):
    n = js_number(text)
    return text_hash(text) if n is None else thousandths(n)


def cell(value):
    """checksum.ts's cell() for one value as the connector returns it in a row."""
    if value is None:
        return 0
    if isinstance(value, (bool, np.bool_)):
        return 1 if value else 0
    if isinstance(value, (int, np.integer)):
        try:
            return thousandths(float(value))  # Number(bigint): the nearest double
        except OverflowError:
            return 0  # Infinity
    if isinstance(value, (float, np.floating, Decimal)):
        return thousandths(float(value))
    if isinstance(value, str):
        return text_cell(value)
    # As a JS Date: milliseconds since the epoch (a value without a zone taken as UTC).
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        delta = value - datetime(1970, 1, 1, tzinfo=timezone.utc)
        ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
        return thousandths(float(ms))
    if isinstance(value, date):
        return thousandths(float((value.toordinal() - EPOCH) * MS_PER_DAY))
    return 0  # any other object (bytes, lists, dicts) is 0, as in checksum.ts


def _values(column):
    """The sum of cell() over one column of row values, and whether one is NaN."""
    kinds = set(map(type, column)) - {type(None)}
    try:
        if kinds <= {str}:
            return _arrow(pa.array(column, pa.string()), pa.string())
        if kinds <= {int, float}:
            # None becomes NaN here, which sums to 0 like null.
            return _thousandths_sum(np.array(column, dtype=np.float64))
        if kinds <= {Decimal}:
            return _thousandths_sum(np.array([math.nan if v is None else float(v) for v in column]))
        if kinds <= {date}:
            days = np.array([math.nan if v is None else v.toordinal() - EPOCH for v in column])
            return _thousandths_sum(days * MS_PER_DAY)
    except OverflowError:
        pass  # an integer beyond a double: value by value below
    total, nan = 0, False
    for value in column:
        n = cell(value)
        total, nan = (total, True) if n is None else (total + n, nan)
    return total, nan


def _arrow(array, field_type):
    """The sum of checksum.ts's values over one Arrow array, and whether one is NaN."""
    t = array.type
    if pa.types.is_dictionary(t):
        array, t = array.dictionary_decode(), t.value_type
    if array.null_count:
        array = array.drop_null()  # null is 0
    if len(array) == 0:
        return 0, False
    if pa.types.is_decimal(field_type) and pa.types.is_decimal(t):
        return _decimals(array, field_type.scale)
    if pa.types.is_boolean(t):
        return array.true_count, False
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return _thousandths_sum(array.to_numpy().astype(np.float64))
    if pa.types.is_date32(t):
        return _thousandths_sum(array.view(pa.int32()).to_numpy().astype(np.float64) * MS_PER_DAY)
    if pa.types.is_date64(t):
        return _thousandths_sum(_safe(array.view(pa.int64()).to_numpy()))
    if pa.types.is_timestamp(t):
        # apache-arrow's milliseconds: seconds * 1000, or a quotient plus its remainder / divisor.
        v = array.view(pa.int64()).to_numpy()
        if t.unit == "s":
            return _thousandths_sum(1000 * _safe(v))
        if t.unit == "ms":
            return _thousandths_sum(_safe(v))
        divisor = 1000 if t.unit == "us" else 1_000_000
        q = np.abs(v) // divisor * np.sign(v)  # BigInt division truncates
        r = v - q * divisor
        return _thousandths_sum(_safe(q) + r.astype(np.float64) / divisor)
    if pa.types.is_time(t) or pa.types.is_duration(t):
        # The raw count of its unit, as apache-arrow gives it.
        raw = array.view(pa.int32() if t.bit_width == 32 else pa.int64())
        return _thousandths_sum(raw.to_numpy().astype(np.float64))
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return _strings(array if not pa.types.is_string_view(t) else array.cast(pa.large_string()))
    return 0, False  # binary, lists, structs, maps, intervals: objects in JS, 0 in checksum.ts


def _safe(v):
    """apache-arrow's bigIntToNumber: a double, or its TypeError beyond 2^53 - 1."""
    if v.size and int(np.abs(v).max()) > MAX_SAFE_INTEGER:
        raise TypeError("a 64-bit value is not safe to convert to a number")
    return v.astype(np.float64)


def _strings(array):
    """Text: numeric text (rare) to its thousandths, value by value; the rest hashed."""
    trimmed = pc.utf8_trim(array, characters=JS_SPACE)
    numeric = pc.or_(pc.equal(trimmed, ""), pc.match_substring_regex(trimmed, JS_NUMBER_RE2))
    total, nan = 0, False
    if numeric.true_count:
        for text in array.filter(numeric).to_pylist():
            total, nan = _sum_with(total, nan, thousandths(js_number(text)))
    text = array.filter(pc.invert(numeric))
    ascii_mask = pc.string_is_ascii(text)
    if ascii_mask.false_count:
        total += sum(text_hash(s) for s in text.filter(pc.invert(ascii_mask)).to_pylist())
        text = text.filter(ascii_mask)
    return total + _ascii_hash_sum(text), nan


def _sum_with(total, nan, n):
    return (total, True) if n is None else (total + n, nan)


_POW31 = np.ones(1, dtype=np.uint64)


def _pow31(n):
    """31^k modulo 2^32 for k up to n (cached, grown on demand)."""
    global _POW31
    if len(_POW31) <= n:
        grown = np.empty(n + 1, dtype=np.uint64)
        grown[: len(_POW31)] = _POW31
        for k in range(len(_POW31), n + 1):
            grown[k] = (int(grown[k - 1]) * 31) & 0xFFFFFFFF
        _POW31 = grown
    return _POW31


def _ascii_hash_sum(array):
    """The sum of text_hash over ASCII strings without nulls: each byte is a UTF-16 code unit, and
    a string's hash is the sum of its units times 31^(units after it), modulo 2^32. A slice at a
    time, as the arrays below take 48 bytes a character."""
    return sum(_ascii_slice_hash_sum(array.slice(i, 32768)) for i in range(0, len(array), 32768))


def _ascii_slice_hash_sum(array):
    _, offsets_buffer, data_buffer = array.buffers()
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64)
    start, end = int(offsets[0]), int(offsets[-1])
    if end == start:
        return 0
    lengths = np.diff(offsets)
    after = np.repeat(offsets[1:], lengths) - 1 - np.arange(start, end)
    units = np.frombuffer(data_buffer, dtype=np.uint8)[start:end].astype(np.uint64)
    # uint64 wraps modulo 2^64, which keeps the sum modulo 2^32.
    return int((units * _pow31(int(lengths.max()))[after]).sum(dtype=np.uint64))


def _decimals(array, scale):
    """apache-arrow's bigNumToNumber(value, scale), then thousandths: `${quotient}.${remainder}`
    read as a double, which is N / 10^scale correctly rounded (N the unscaled integer)."""
    width = array.type.byte_width
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    raw = raw[array.offset * width : (array.offset + len(array)) * width]
    if width == 16 and scale <= 22:
        words = raw.view("<i8")
        low, high = words[0::2], words[1::2]
        # Values that are int64s below 2^53: a double divided by an exact power of ten rounds alike.
        easy = (high == low >> 63) & (low > -(2**53)) & (low < 2**53)
        x = low[easy].astype(np.float64)
        if scale > 0:
            x = x / float(10**scale)
        total, nan = _thousandths_sum(x)
        rest = raw.reshape(-1, 16)[~easy]
    else:
        total, nan, rest = 0, False, raw.reshape(-1, width)
    for value in rest:
        n = int.from_bytes(value.tobytes(), "little", signed=True)
        total, nan = _sum_with(total, nan, thousandths(_big_num_to_number(n, scale)))
    return total, nan


def _big_num_to_number(n, scale):
    if scale > 0:
        divisor = 10**scale
        quotient = -(-n // divisor) if n < 0 else n // divisor
        if abs(quotient) > MAX_SAFE_INTEGER:
            raise TypeError(f"{quotient} is not safe to convert to a number.")
        remainder = abs(n) - abs(quotient) * divisor
        sign = "-" if n < 0 and quotient == 0 else ""
        return float(f"{sign}{quotient}.{remainder:0{scale}d}")
    if abs(n) > MAX_SAFE_INTEGER:
        raise TypeError(f"{n} is not safe to convert to a number.")
    return float(n)
