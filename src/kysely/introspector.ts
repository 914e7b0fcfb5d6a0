/**
 * Kysely's introspector for Databricks: schemas, tables and columns of the session's catalog,
 * from Unity Catalog's `information_schema`, or from the SHOW metadata commands where a catalog
 * has none (`hive_metastore`), chosen per call in `auto` mode by trying the first.
 */

import {
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
import { SluiceError } from '../errors';
import { Metadata } from '../metadata';

export type IntrospectionSource = 'auto' | 'information_schema' | 'show';

type Row = Record<string, unknown>;

interface ColumnRow {
  table_schema: string;
  table_name: string;
  table_type: string | null;
  column_name: string;
  full_data_type: string | null;
  data_type: string | null;
  is_nullable: string | null;
  is_identity: string | null;
  column_default: string | null;
  comment: string | null;
}

/** The catalog has no information_schema (hive_metastore): the SHOW commands answer instead. */
function noInformationSchema(e: unknown): boolean {
  return (
    e instanceof SluiceError &&
    (e.sqlState === '42P01' || /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND/.test(e.message)) &&
    /information_schema/i.test(e.message)
  );
}

/** Code-point order, as the warehouse's ORDER BY sorts names. */
const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const isInternal = (name: string) => name === DEFAULT_MIGRATION_TABLE || name === DEFAULT_MIGRATION_LOCK_TABLE;

/** Views of every kind Databricks lists (VIEW, MATERIALIZED_VIEW, METRIC_VIEW). */
const isView = (type: unknown) => typeof type === 'string' && /VIEW/i.test(type);

/** Groups column rows, in order, into tables. */
function tablesOf(
  rows: { schema: string; table: string; tableType: unknown; column: ColumnMetadata | null }[],
): TableMetadata[] {
  const tables = new Map<string, TableMetadata & { columns: ColumnMetadata[] }>();
  for (const r of rows) {
    const key = JSON.stringify([r.schema, r.table]);
    let table = tables.get(key);
    if (!table) {
      table = { name: r.table, schema: r.schema, isView: isView(r.tableType), columns: [] };
      tables.set(key, table);
    }
    if (r.column) table.columns.push(r.column);
  }
  return [...tables.values()];
}

export class DatabricksIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(
    db: Kysely<unknown>,
    private readonly source: IntrospectionSource,
  ) {
    // Plugins (CamelCasePlugin, ...) must not rename the catalog's own column names.
    this.#db = db.withoutPlugins();
  }

  /** Runs the information_schema reading, or the SHOW one where the catalog has none. */
  private async either<T>(fromInformationSchema: () => Promise<T>, fromShow: () => Promise<T>): Promise<T> {
    if (this.source === 'show') return fromShow();
    if (this.source === 'information_schema') return fromInformationSchema();
    try {
      return await fromInformationSchema();
    } catch (e) {
      if (noInformationSchema(e)) return fromShow();
      throw e;
    }
  }

  /** sluice's metadata calls, their SHOW statements run through this Kysely instance. */
  private metadata(): Metadata {
    return new Metadata(async (text) => (await sql.raw<Row>(text).execute(this.#db)).rows);
  }

  private async catalog(): Promise<string> {
    const [row] = (await sql<{ c: string }>`SELECT current_catalog() AS c`.execute(this.#db)).rows;
    return row.c;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    return this.either(
      async () => {
        const rows = await sql<{
          schema_name: string;
        }>`SELECT schema_name FROM information_schema.schemata ORDER BY schema_name`.execute(this.#db);
        return rows.rows.map((r) => ({ name: r.schema_name }));
      },
      async () => {
        const catalog = await this.catalog();
        return (await this.metadata().schemas({ catalog }))
          .map((r) => ({ name: r.TABLE_SCHEM }))
          .sort((a, b) => order(a.name, b.name));
      },
    );
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const tables = await this.either(
      () => this.tablesFromInformationSchema(),
      () => this.tablesFromShow(),
    );
    return tables.filter(
      (t) => t.schema !== 'information_schema' && (options.withInternalKyselyTables || !isInternal(t.name)),
    );
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }

  private async tablesFromInformationSchema(): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      SELECT c.table_schema, c.table_name, t.table_type, c.column_name, c.full_data_type, c.data_type,
             c.is_nullable, c.is_identity, c.column_default, c.comment
      FROM information_schema.columns AS c
      JOIN information_schema.tables AS t ON c.table_schema = t.table_schema AND c.table_name = t.table_name
      WHERE c.table_schema <> 'information_schema'
      ORDER BY c.table_schema, c.table_name, c.ordinal_position`.execute(this.#db);
    return tablesOf(
      rows.map((r) => ({
        schema: r.table_schema,
        table: r.table_name,
        tableType: r.table_type,
        column: {
          name: r.column_name,
          dataType: r.full_data_type ?? r.data_type ?? '',
          isNullable: r.is_nullable !== 'NO',
          isAutoIncrementing: r.is_identity === 'YES',
          hasDefaultValue: r.column_default !== null || r.is_identity === 'YES',
          ...(r.comment ? { comment: r.comment } : {}),
        },
      })),
    );
  }

  /** SHOW TABLES and SHOW COLUMNS of the current catalog (no defaults there: none reported). */
  private async tablesFromShow(): Promise<TableMetadata[]> {
    const catalog = await this.catalog();
    const tableRows = await this.metadata().tables({ catalog });
    // Sorted by position: grouping by table below then keeps each table's columns in order.
    const columnRows = (await this.metadata().columns({ catalog })).sort(
      (a, b) => (a.ORDINAL_POSITION ?? 0) - (b.ORDINAL_POSITION ?? 0),
    );
    const columns = new Map<string, ColumnMetadata[]>();
    for (const c of columnRows) {
      const key = JSON.stringify([c.TABLE_SCHEM, c.TABLE_NAME]);
      const list = columns.get(key) ?? [];
      const identity = c.IS_AUTO_INCREMENT === 'YES';
      list.push({
        name: c.COLUMN_NAME,
        dataType: c.TYPE_NAME,
        isNullable: c.IS_NULLABLE !== 'NO',
        isAutoIncrementing: identity,
        hasDefaultValue: identity,
        ...(c.REMARKS ? { comment: c.REMARKS } : {}),
      });
      columns.set(key, list);
    }
    return tableRows
      .map((t) => ({
        name: t.TABLE_NAME,
        schema: t.TABLE_SCHEM,
        isView: isView(t.TABLE_TYPE),
        columns: columns.get(JSON.stringify([t.TABLE_SCHEM, t.TABLE_NAME])) ?? [],
      }))
      .sort((a, b) => order(a.schema, b.schema) || order(a.name, b.name));
  }
}
