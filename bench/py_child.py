"""PY in the benchmark: runs one workload of bench/workloads.ts once with the Python
databricks-sql-connector on its Rust kernel (use_kernel=True), in this fresh process, and prints
its measurements as one JSON line, as bench/child.ts does for the Node drivers.

Usage: py_child.py <workload> <options> <sql>, the options being JSON of the warehouse's host,
port, httpPath, token and caPath, and sql the JSON list of the workload's statements, both from
bench/run.ts: the SQL is the workload's own in bench/workloads.ts, not a copy. Each workload
mirrors its namesake there: the same stretches timed, each statement closed after its last row.
"""

import json
import resource
import sys
import time
import traceback

from checksum import Checksum

from databricks import sql

# The kernel backend, which sql.connect(use_kernel=True) imports on first use: loaded before the
# timing, as child.ts loads each driver's module (a first connect is what connect-select-1-cold
# measures).
import databricks.sql.backend.kernel.client  # noqa: F401


def now_ms():
    return time.perf_counter() * 1000


def connect(options):
    """A connection as the connector's README shows it, with use_kernel=True. The kernel reads
    the port from the host name (it assumes 443 otherwise); telemetry is off, as it is for NK."""
    return sql.connect(
        server_hostname=f"{options['host']}:{options['port']}",
        http_path=options["httpPath"],
        access_token=options["token"],
        use_kernel=True,
        enable_telemetry=False,
        **({"_tls_trusted_ca_file": options["caPath"]} if options.get("caPath") else {}),
    )


class Moved:
    """What a workload moved: workloads.ts's Moved."""

    def __init__(self, checksum, bytes=0, latencies_ms=None, fetch_ms=None):
        self.checksum = checksum  # a function: the checksum is summed after the timing
        self.bytes = bytes
        self.latencies_ms = latencies_ms
        self.fetch_ms = fetch_ms


def fetch_of(options, text, read, after=lambda value, checksum: None):
    """workloads.ts's fetchOf: `text` on a fresh connection, `read` timed from execute returning
    to its end, the statement then closed; `after` sums what `read` kept, untimed."""
    connection = connect(options)
    cursor = connection.cursor()
    cursor.execute(text)
    checksum = Checksum()
    fetching = now_ms()
    value = read(cursor, checksum)
    fetch_ms = now_ms() - fetching - checksum.spent_ms
    cursor.close()
    connection.close()

    def summed():
        after(value, checksum)
        return checksum

    return value, Moved(summed, fetch_ms=fetch_ms)


def all_rows(options, text):
    def read(cursor, checksum):
        return cursor.fetchall()

    return fetch_of(options, text, read, lambda rows, checksum: checksum.rows(rows))[1]


def whole_table(options, text):
    def read(cursor, checksum):
        return cursor.fetchall_arrow()

    table, moved = fetch_of(options, text, read, lambda table, checksum: checksum.table(table))
    moved.bytes = table.nbytes  # the buffers' bytes, as workloads.ts's batchBytes counts them
    return moved


def streamed_rows(options, text):
    """Rows taken one at a time, summed a block of 8192 at a time as they pass. They come from
    fetchmany(arraysize): iterating the cursor itself fetches and converts each row on its own,
    measured at 0.28 ms a row (46 minutes for these 10M rows)."""

    def read(cursor, checksum):
        block = []
        while rows := cursor.fetchmany(cursor.arraysize):
            for row in rows:
                block.append(row)
                if len(block) == 8192:
                    checksum.timed(lambda: checksum.rows(block))
                    block = []
        checksum.timed(lambda: checksum.rows(block))

    return fetch_of(options, text, read)[1]


def streamed_batches(options, text):
    """Arrow as the connector streams it, fetchmany_arrow(arraysize), summed as it passes, none
    kept."""

    def read(cursor, checksum):
        moved = 0
        while (table := cursor.fetchmany_arrow(cursor.arraysize)).num_rows:
            checksum.timed(lambda: checksum.table(table))
            moved += table.nbytes
        return moved

    moved_bytes, moved = fetch_of(options, text, read)
    moved.bytes = moved_bytes
    return moved


def concurrent(options, texts):
    """Every query of `texts` in flight at once on one connection: the connector's connections
    are not for sharing between threads (its threadsafety is 1), so each runs on its own cursor
    with execute_async, the connector's way to submit several, and their rows are taken in turn."""
    connection = connect(options)
    cursors = [connection.cursor() for _ in texts]
    for text, cursor in zip(texts, cursors):
        cursor.execute_async(text)
    results = []
    for cursor in cursors:
        # Polled as the connector's example polls, more often: get_async_execution_result
        # itself sleeps 2 s between polls of a statement still running.
        while cursor.is_query_pending():
            time.sleep(0.005)
        cursor.get_async_execution_result()
        results.append(cursor.fetchall())
        cursor.close()
    connection.close()

    def summed():
        checksum = Checksum()
        for rows in results:
            checksum.rows(rows)
        return checksum

    return Moved(summed)


def select1(options, text, n):
    """`text` to its row, n times on one open connection: each latency from execute to the
    row, the statement closed after, untimed."""
    connection = connect(options)
    checksum = Checksum()
    latencies = []
    for _ in range(n):
        started = now_ms()
        cursor = connection.cursor()
        cursor.execute(text)
        rows = cursor.fetchall()
        latencies.append(now_ms() - started)
        checksum.rows(rows)
        cursor.close()
    connection.close()
    return Moved(lambda: checksum, latencies_ms=latencies)


def connect_select1_cold(options, text):
    connection = connect(options)
    cursor = connection.cursor()
    cursor.execute(text)
    rows = cursor.fetchall()
    cursor.close()
    connection.close()
    checksum = Checksum()
    checksum.rows(rows)
    return Moved(lambda: checksum)


def metadata(options, _):
    """Catalogs, schemas of samples, tables and columns of samples.tpch, 10 rounds on one
    connection."""
    connection = connect(options)

    def count(ask):
        cursor = connection.cursor()
        ask(cursor)
        n = len(cursor.fetchall())
        cursor.close()
        return n

    rows = 0
    latencies = []
    for _ in range(10):
        started = now_ms()
        rows += (
            count(lambda c: c.catalogs())
            + count(lambda c: c.schemas(catalog_name="samples"))
            + count(lambda c: c.tables(catalog_name="samples", schema_name="tpch"))
            + count(lambda c: c.columns(catalog_name="samples", schema_name="tpch"))
        )
        latencies.append(now_ms() - started)
    connection.close()
    checksum = Checksum()
    checksum.count = rows
    return Moved(lambda: checksum, latencies_ms=latencies)


# Each workload with its statements, as bench/workloads.ts gives them.
WORKLOADS = {
    "select-1-latency": lambda o, sql: select1(o, sql[0], 200),
    "connect-select-1-cold": lambda o, sql: connect_select1_cold(o, sql[0]),
    "rows-1m-x4-links": lambda o, sql: all_rows(o, sql[0]),
    "rows-1m-x4-inline": lambda o, sql: all_rows(o, sql[0]),
    "arrow-1m-x4-links": lambda o, sql: whole_table(o, sql[0]),
    "arrow-1m-x4-inline": lambda o, sql: whole_table(o, sql[0]),
    "concurrent-32": concurrent,
    "stream-10m-rows": lambda o, sql: streamed_rows(o, sql[0]),
    "stream-10m-arrow": lambda o, sql: streamed_batches(o, sql[0]),
    "lineitem-arrow-links": lambda o, sql: whole_table(o, sql[0]),
    "lineitem-rows-links": lambda o, sql: all_rows(o, sql[0]),
    "metadata": metadata,
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in WORKLOADS:
        sys.exit(f"usage: py_child.py <{'|'.join(WORKLOADS)}> <options> <sql>")
    name, options, texts = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    cpu = time.process_time()
    started = now_ms()
    moved = WORKLOADS[name](options, texts)
    wall_ms = now_ms() - started
    cpu_ms = (time.process_time() - cpu) * 1000
    # ru_maxrss is in KiB on Linux; read before the checksum, which is not the driver's work.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    checksum = moved.checksum()
    # A streamed result is summed within the timing: that time is the benchmark's, not the driver's.
    measurement = {
        "workload": name,
        "driver": "py",
        "wallMs": wall_ms - checksum.spent_ms,
        "cpuMs": cpu_ms - checksum.spent_ms,
        "peakRssMiB": peak_rss_mib,
        "rows": checksum.count,
        "bytes": moved.bytes,
        "checksum": str(checksum),
        **({"latenciesMs": moved.latencies_ms} if moved.latencies_ms is not None else {}),
        **({"fetchMs": moved.fetch_ms} if moved.fetch_ms is not None else {}),
    }
    sys.stdout.write(json.dumps(measurement) + "\n")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        # The error first: the runner reports the first stderr line that names one.
        sys.stderr.write(f"Error: {type(e).__name__}: {e}\n")
        traceback.print_exc()
        sys.exit(1)
