/**
 * Kysely's query compiler for Databricks SQL. Identifiers go in backticks (Databricks reads
 * `"x"` as a string literal: a silent wrong result), string literals escape backslashes and
 * quotes with a backslash (two adjacent literals `'it''s'` concatenate to `its` in Spark SQL),
 * values stay `?` parameters bound by the warehouse, and what Databricks lacks is refused with a
 * NotSupportedError naming it, instead of SQL that fails later or means something else.
 */

import {
  type AddColumnNode,
  type AlterTableColumnAlterationNode,
  type ColumnDefinitionNode,
  type CreateIndexNode,
  type CreateTableNode,
  type DataTypeNode,
  DefaultQueryCompiler,
  type DeleteQueryNode,
  type DropIndexNode,
  type FetchNode,
  type ForeignKeyConstraintNode,
  type InsertQueryNode,
  type LimitNode,
  type MergeQueryNode,
  type ModifyColumnNode,
  type OffsetNode,
  type OnConflictNode,
  type OnDuplicateKeyNode,
  type OperationNode,
  type OrActionNode,
  type OutputNode,
  RawNode,
  type ReferencesNode,
  type ReturningNode,
  type TopNode,
  type UniqueConstraintNode,
  type UpdateQueryNode,
  type WhenNode,
} from 'kysely';
import { NotSupportedError, programmingError } from '../errors';
import { databricksType } from './data-types';

function unsupported(what: string): NotSupportedError {
  return new NotSupportedError(`Databricks SQL does not support ${what}`, { code: 'NotSupported' });
}

/** Foreign keys are informational on Databricks: only NO ACTION is accepted. */
function checkReferentialAction(action: string | undefined, on: string): void {
  if (action !== undefined && action !== 'no action') {
    throw unsupported(`ON ${on} ${action.toUpperCase()} (foreign keys are informational; only NO ACTION is accepted)`);
  }
}

/**
 * Delta refuses a column DEFAULT unless the table has this feature
 * (WRONG_COLUMN_DEFAULTS_FOR_DELTA_FEATURE_NOT_ENABLED); Kysely's Migrator's own lock table has one.
 */
const COLUMN_DEFAULTS = "TBLPROPERTIES ('delta.feature.allowColumnDefaults' = 'supported')";

const isValue = (node: OperationNode): node is OperationNode & { value: unknown } => node.kind === 'ValueNode';

export class DatabricksQueryCompiler extends DefaultQueryCompiler {
  protected override getLeftIdentifierWrapper(): string {
    return '`';
  }

  protected override getRightIdentifierWrapper(): string {
    return '`';
  }

  /** Positional markers, bound by ordinal: Kysely's parameters are in order of appearance. */
  protected override getCurrentParameterPlaceholder(): string {
    return '?';
  }

  /** Inside a backtick identifier a backtick is written twice; nothing else needs escaping. */
  protected override sanitizeIdentifier(identifier: string): string {
    return identifier.replaceAll('`', '``');
  }

  /** Databricks string literals take backslash escapes, so both `\` and `'` are escaped with one. */
  protected override sanitizeStringLiteral(value: string): string {
    return value.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
  }

  protected override visitDataType(node: DataTypeNode): void {
    this.append(databricksType(node.dataType));
  }

  /** LIMIT and OFFSET as integer literals, checked here: they cannot be parameter markers. */
  private appendCount(node: OperationNode, clause: string): void {
    if (!isValue(node)) {
      this.visitNode(node);
      return;
    }
    const v = node.value;
    const ok = (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v >= 0n);
    if (!ok) {
      const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
      throw programmingError(`${clause} must be a non-negative integer, got ${shown}`);
    }
    this.append(String(v));
  }

  protected override visitLimit(node: LimitNode): void {
    this.append('limit ');
    this.appendCount(node.limit, 'LIMIT');
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append('offset ');
    this.appendCount(node.offset, 'OFFSET');
  }

  protected override visitColumnDefinition(node: ColumnDefinitionNode): void {
    if (node.unique) throw unsupported('UNIQUE constraints');
    if (node.identity) throw unsupported('IDENTITY (use autoIncrement() or generatedAlwaysAsIdentity())');
    if (node.unsigned) throw unsupported('UNSIGNED integers');
    if (node.nullsNotDistinct) throw unsupported('NULLS NOT DISTINCT');
    if (node.ifNotExists) throw unsupported('ADD COLUMN IF NOT EXISTS');
    if (!node.autoIncrement) {
      super.visitColumnDefinition(node);
      return;
    }
    if (node.generated) throw programmingError('a column cannot be both autoIncrement() and generated');
    // Auto-increment is an identity column that still takes explicit values, written right after
    // the type as Databricks documents it.
    const identity: ColumnDefinitionNode['generated'] = { kind: 'GeneratedNode', byDefault: true, identity: true };
    super.visitColumnDefinition({ ...node, autoIncrement: false, generated: identity });
  }

  /** A table with column defaults gets the Delta feature they need, unless it sets properties itself. */
  protected override visitCreateTable(node: CreateTableNode): void {
    const defaults = !node.selectQuery && node.columns.some((c) => c.defaultTo !== undefined);
    const ownProperties = node.endModifiers?.some(
      (m) => m.kind === 'RawNode' && /tblproperties/i.test((m as RawNode).sqlFragments.join('')),
    );
    if (!defaults || ownProperties) {
      super.visitCreateTable(node);
      return;
    }
    super.visitCreateTable({
      ...node,
      endModifiers: [...(node.endModifiers ?? []), RawNode.createWithSql(COLUMN_DEFAULTS)],
    });
  }

  protected override visitReferences(node: ReferencesNode): void {
    checkReferentialAction(node.onDelete, 'DELETE');
    checkReferentialAction(node.onUpdate, 'UPDATE');
    super.visitReferences(node);
  }

  protected override visitForeignKeyConstraint(node: ForeignKeyConstraintNode): void {
    checkReferentialAction(node.onDelete, 'DELETE');
    checkReferentialAction(node.onUpdate, 'UPDATE');
    super.visitForeignKeyConstraint(node);
  }

  protected override visitUniqueConstraint(_node: UniqueConstraintNode): void {
    throw unsupported('UNIQUE constraints');
  }

  protected override visitCreateIndex(_node: CreateIndexNode): void {
    throw unsupported('CREATE INDEX (Delta tables have no indexes; see CLUSTER BY or Z-ORDER)');
  }

  protected override visitDropIndex(_node: DropIndexNode): void {
    throw unsupported('DROP INDEX (Delta tables have no indexes)');
  }

  protected override visitModifyColumn(_node: ModifyColumnNode): void {
    throw unsupported('MODIFY COLUMN (use alterColumn)');
  }

  /**
   * One alteration per ALTER TABLE, except that several added columns become one
   * `ADD COLUMNS (...)`: Databricks has no comma-separated list of alterations.
   */
  protected override compileColumnAlterations(columnAlterations: readonly AlterTableColumnAlterationNode[]): void {
    if (columnAlterations.length === 1) {
      super.compileColumnAlterations(columnAlterations);
      return;
    }
    if (!columnAlterations.every((a) => a.kind === 'AddColumnNode')) {
      throw unsupported('several column alterations in one ALTER TABLE, other than adding columns');
    }
    this.append('add columns (');
    this.compileList((columnAlterations as readonly AddColumnNode[]).map((a) => a.column));
    this.append(')');
  }

  protected override visitReturning(_node: ReturningNode): void {
    throw unsupported('RETURNING (run a SELECT after the statement)');
  }

  protected override visitOutput(_node: OutputNode): void {
    throw unsupported('OUTPUT');
  }

  protected override visitOnConflict(_node: OnConflictNode): void {
    throw unsupported('ON CONFLICT (use mergeInto for upserts)');
  }

  protected override visitOnDuplicateKey(_node: OnDuplicateKeyNode): void {
    throw unsupported('ON DUPLICATE KEY UPDATE (use mergeInto for upserts)');
  }

  protected override visitOrAction(node: OrActionNode): void {
    throw unsupported(`INSERT ${node.action.toUpperCase()}`);
  }

  protected override visitTop(_node: TopNode): void {
    throw unsupported('TOP (use limit)');
  }

  protected override visitFetch(_node: FetchNode): void {
    throw unsupported('FETCH NEXT (use limit)');
  }

  protected override compileDistinctOn(_selections: readonly OperationNode[]): void {
    throw unsupported('DISTINCT ON');
  }

  protected override visitInsertQuery(node: InsertQueryNode): void {
    if (node.replace) throw unsupported('REPLACE INTO (use mergeInto)');
    if (node.ignore) throw unsupported('INSERT IGNORE');
    if (node.defaultValues) throw unsupported('INSERT ... DEFAULT VALUES (give at least one column)');
    super.visitInsertQuery(node);
  }

  protected override visitUpdateQuery(node: UpdateQueryNode): void {
    if (node.from || node.joins) throw unsupported('UPDATE ... FROM or joins in an UPDATE (use mergeInto)');
    if (node.table?.kind === 'ListNode') throw unsupported('UPDATE of several tables (use mergeInto)');
    if (node.limit || node.orderBy) throw unsupported('LIMIT or ORDER BY in an UPDATE');
    super.visitUpdateQuery(node);
  }

  protected override visitDeleteQuery(node: DeleteQueryNode): void {
    if (node.using || node.joins) throw unsupported('DELETE ... USING or joins in a DELETE (use mergeInto)');
    if (node.from.froms.length !== 1) throw unsupported('DELETE from several tables');
    if (node.limit || node.orderBy) throw unsupported('LIMIT or ORDER BY in a DELETE');
    super.visitDeleteQuery(node);
  }

  protected override visitMergeQuery(node: MergeQueryNode): void {
    if (!node.whens?.length) throw programmingError('MERGE INTO needs at least one WHEN clause');
    super.visitMergeQuery(node);
  }

  protected override visitWhen(node: WhenNode): void {
    const result = node.result;
    if (result?.kind === 'RawNode' && (result as RawNode).sqlFragments.join('').trim().toLowerCase() === 'do nothing') {
      throw unsupported('THEN DO NOTHING in MERGE (leave the WHEN clause out: unmatched rows are left alone)');
    }
    super.visitWhen(node);
  }
}
