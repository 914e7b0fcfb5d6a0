/**
 * The drivers the benchmark compares, behind one small interface: each opens a session on the
 * local warehouse, runs a statement and reads its result in the ways the workloads need. Each is
 * used the way its own documentation shows for the job; a driver without a way to read a result
 * says why, and the report prints that instead of a figure. PY, the Python connector, runs in a
 * Python process of its own (bench/py_child.py, bench/python.ts) rather than behind this interface.
 */

import type { RecordBatch, Table } from 'apache-arrow';
import { type ConnectOptions, connect } from '#dist/index';

export const DRIVERS = ['native', 'ts', 'dropin', 'nk', 'nk-arrow', 'py'] as const;
export type Driver = (typeof DRIVERS)[number];
/** The drivers bench/child.ts runs in Node. */
export type NodeDriver = Exclude<Driver, 'py'>;

/** How a workload reads its results. */
export type Read = 'rows' | 'arrow' | 'metadata';

export interface Result {
  /** Every row, as objects. */
  all(): Promise<object[]>;
  /** The rows one at a time, as the driver streams them. */
  each(): AsyncIterable<object>;
  /** The whole result as one Arrow table. */
  table(): Promise<Table>;
  /** The result as Arrow record batches, as the driver streams them. */
  batches(): AsyncIterable<RecordBatch>;
  close(): Promise<void>;
}

export interface Session {
  execute(sql: string): Promise<Result>;
  /** Rows of the catalogs, the schemas of `samples`, and the tables and columns of samples.tpch. */
  metadata(): Promise<number>;
  close(): Promise<void>;
}

export interface DriverInfo {
  /** The column heading in the report. */
  label: string;
  /** Why the driver cannot read results one way, for the ways it cannot. */
  cannot: Partial<Record<Read, string>>;
}

export const DRIVER_INFO: Record<Driver, DriverInfo> = {
  native: { label: 'sluice native', cannot: {} },
  ts: { label: 'sluice ts', cannot: {} },
  dropin: {
    label: 'sluice drop-in',
    cannot: { arrow: 'the @databricks/sql API has no Arrow' },
  },
  nk: { label: 'NK', cannot: { arrow: 'no public Arrow API; see NK Arrow' } },
  'nk-arrow': {
    label: 'NK Arrow',
    cannot: { rows: 'Arrow IPC only; see NK', metadata: 'Arrow IPC only; see NK' },
  },
  py: { label: 'PY', cannot: {} },
};

const unsupported = (what: string) => (): never => {
  throw new Error(`this driver has no ${what}`);
};

/** Opens a session of `driver` on the warehouse `options` describes (sluice's connect options). */
export function open(driver: NodeDriver, options: ConnectOptions): Promise<Session> {
  switch (driver) {
    case 'native':
    case 'ts':
      return sluice({ ...options, backend: driver });
    case 'dropin':
    case 'nk':
      return dbsql(driver, options);
    case 'nk-arrow':
      return kernelArrow(options);
  }
}

async function sluice(options: ConnectOptions): Promise<Session> {
  const connection = await connect(options);
  return {
    async execute(sql) {
      const cursor = connection.cursor();
      await cursor.execute(sql);
      return {
        all: () => cursor.fetchall(),
        each: () => cursor,
        table: () => cursor.fetchArrow(),
        batches: () => cursor.arrowBatches(),
        close: () => cursor.close(),
      };
    },
    async metadata() {
      const tpch = { catalog: 'samples', schemaPattern: 'tpch' };
      return (
        (await connection.catalogs()).length +
        (await connection.schemas({ catalog: 'samples' })).length +
        (await connection.tables(tpch)).length +
        (await connection.columns(tpch)).length
      );
    },
    close: () => connection.close(),
  };
}

/** What this benchmark uses of the @databricks/sql API, which sluice's drop-in shares. */
interface DbsqlOperation {
  fetchAll(): Promise<object[]>;
  iterateRows(): AsyncIterable<object>;
  close(): Promise<unknown>;
}
interface DbsqlSession {
  executeStatement(sql: string): Promise<DbsqlOperation>;
  getCatalogs(): Promise<DbsqlOperation>;
  getSchemas(request: { catalogName: string }): Promise<DbsqlOperation>;
  getTables(request: { catalogName: string; schemaName: string }): Promise<DbsqlOperation>;
  getColumns(request: { catalogName: string; schemaName: string }): Promise<DbsqlOperation>;
  close(): Promise<unknown>;
}
interface DbsqlClient {
  openSession(): Promise<DbsqlSession>;
  close(): Promise<unknown>;
}

/** The warehouse as @databricks/sql's connect options: `host:port` in `host` (its kernel path ignores `port`). */
function dbsqlOptions(options: ConnectOptions) {
  return {
    host: new URL(options.host).host,
    path: options.httpPath,
    token: options.token as string,
    ...(options.caPem ? { customCaCert: options.caPem } : {}),
  };
}

/**
 * @databricks/sql 2.1 on its Rust kernel (`useKernel: true`), or sluice's drop-in for it: the
 * README's client, session and operation, `fetchAll()` for whole results and `iterateRows()` to stream.
 */
async function dbsql(driver: 'dropin' | 'nk', options: ConnectOptions): Promise<Session> {
  let client: DbsqlClient;
  if (driver === 'nk') {
    const { DBSQLClient } = await import('@databricks/sql');
    // Its logger writes to stdout, where the runner reads the measurement; telemetry is off.
    const nk = new DBSQLClient({ logger: { log: () => undefined } });
    client = await nk.connect({ ...dbsqlOptions(options), useKernel: true, telemetryEnabled: false } as Parameters<
      typeof nk.connect
    >[0]);
  } else {
    const { DBSQLClient } = await import('#dist/databricks-sql/index');
    client = await new DBSQLClient().connect(dbsqlOptions(options));
  }
  const session = await client.openSession();
  const count = async (operation: DbsqlOperation) => {
    const n = (await operation.fetchAll()).length;
    await operation.close();
    return n;
  };
  return {
    async execute(sql) {
      const operation = await session.executeStatement(sql);
      return {
        all: () => operation.fetchAll(),
        each: () => operation.iterateRows(),
        table: unsupported('Arrow table'),
        batches: unsupported('Arrow batches'),
        close: async () => {
          await operation.close();
        },
      };
    },
    async metadata() {
      const tpch = { catalogName: 'samples', schemaName: 'tpch' };
      return (
        (await count(await session.getCatalogs())) +
        (await count(await session.getSchemas({ catalogName: 'samples' }))) +
        (await count(await session.getTables(tpch))) +
        (await count(await session.getColumns(tpch)))
      );
    },
    async close() {
      await session.close();
      await client.close();
    },
  };
}

/**
 * NK's Arrow path: @databricks/sql's public API has none, so this is its kernel's napi binding,
 * which hands each batch over as an Arrow IPC stream, decoded here with apache-arrow.
 */
async function kernelArrow(options: ConnectOptions): Promise<Session> {
  const kernel = await import('@databricks/sql/native/kernel/index');
  const arrow = await import('apache-arrow');
  const connection = await kernel.openSession({
    hostName: new URL(options.host).host,
    httpPath: options.httpPath,
    token: options.token as string,
    telemetryEnabled: false,
    ...(options.caPem ? { customCaCert: Buffer.from(options.caPem) } : {}),
  });
  return {
    async execute(sql) {
      const statement = await connection.executeStatement(sql);
      async function* batches(): AsyncGenerator<RecordBatch> {
        for (let batch = await statement.fetchNextBatch(); batch; batch = await statement.fetchNextBatch()) {
          yield* arrow.tableFromIPC(batch.ipcBytes).batches;
        }
      }
      return {
        all: unsupported('row objects'),
        each: unsupported('row objects'),
        async table() {
          const all: RecordBatch[] = [];
          for await (const batch of batches()) all.push(batch);
          return all.length ? new arrow.Table(all) : arrow.tableFromIPC(statement.schema().ipcBytes);
        },
        batches,
        close: () => statement.close(),
      };
    },
    metadata: unsupported('metadata rows'),
    close: () => connection.close(),
  };
}
