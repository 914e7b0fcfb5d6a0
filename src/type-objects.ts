/**
 * PEP 249 type objects. A `description` type code is a SQL type name; Python compares it with
 * `==`, which JavaScript cannot overload, so each object answers `equals(typeCode)` instead.
 */

export class TypeObject {
  /** The type codes (as `description` reports them) this object stands for. */
  readonly typeCodes: readonly string[];

  constructor(
    readonly name: string,
    typeCodes: readonly string[],
  ) {
    this.typeCodes = Object.freeze([...typeCodes]);
  }

  /** True when `typeCode`, a `description` type code, belongs to this type. */
  equals(typeCode: unknown): boolean {
    return typeof typeCode === 'string' && this.typeCodes.includes(typeCode);
  }
}

export const STRING = new TypeObject('STRING', ['STRING', 'CHAR', 'VARCHAR', 'VARIANT']);
export const BINARY = new TypeObject('BINARY', ['BINARY']);
export const NUMBER = new TypeObject('NUMBER', ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL']);
export const DATETIME = new TypeObject('DATETIME', ['DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ']);
/** Databricks has no row ids: no type code matches. */
export const ROWID = new TypeObject('ROWID', []);
