//! Metadata over SEA: the SHOW commands of protocol.md §6, run as ordinary statements, returned
//! as typed rows named like other drivers' results (TABLE_CAT, TABLE_SCHEM, ...). Patterns are
//! SQL LIKE patterns (`%`, `_`, `\` escapes), translated to the globs SHOW understands.

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use arrow_cast::cast::cast;
use arrow_schema::DataType;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::statement::ExecuteOptions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    pub table_cat: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRow {
    pub table_schem: String,
    pub table_catalog: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub table_cat: String,
    pub table_schem: String,
    pub table_name: String,
    pub table_type: String,
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRow {
    pub table_cat: String,
    pub table_schem: String,
    pub table_name: String,
    pub column_name: String,
    pub type_name: String,
    pub column_size: Option<i32>,
    pub decimal_digits: Option<i32>,
    pub num_prec_radix: Option<i32>,
    /// `YES` or `NO`.
    pub is_nullable: String,
    pub remarks: Option<String>,
    pub ordinal_position: Option<i32>,
    pub is_auto_increment: Option<String>,
    pub is_generated_column: Option<String>,
}

/// Backtick-quoted identifier.
fn identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A SQL LIKE pattern as the glob SHOW ... LIKE takes (`*` any run, `.` one character), quoted as
/// a string literal.
fn like(pattern: &str) -> String {
    let mut glob = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => glob.extend(chars.next()),
            '%' => glob.push('*'),
            '_' => glob.push('.'),
            other => glob.push(other),
        }
    }
    format!("'{}'", glob.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// "Every catalog" as callers spell it.
fn all(catalog: Option<&str>) -> bool {
    matches!(catalog, None | Some("%") | Some("*") | Some(""))
}

fn schemas_sql(catalog: Option<&str>, pattern: Option<&str>) -> String {
    let mut sql = match catalog {
        c if all(c) => "SHOW SCHEMAS IN ALL CATALOGS".to_string(),
        Some(c) => format!("SHOW SCHEMAS IN {}", identifier(c)),
        None => unreachable!("all() covers None"),
    };
    if let Some(p) = pattern {
        sql += &format!(" LIKE {}", like(p));
    }
    sql
}

fn tables_sql(catalog: Option<&str>, schema: Option<&str>, table: Option<&str>) -> String {
    let mut sql = match catalog {
        c if all(c) => "SHOW TABLES IN ALL CATALOGS".to_string(),
        Some(c) => format!("SHOW TABLES IN CATALOG {}", identifier(c)),
        None => unreachable!("all() covers None"),
    };
    if let Some(s) = schema {
        sql += &format!(" SCHEMA LIKE {}", like(s));
    }
    if let Some(t) = table {
        sql += &format!(" LIKE {}", like(t));
    }
    sql
}

fn columns_sql(
    catalog: &str,
    schema: Option<&str>,
    table: Option<&str>,
    column: Option<&str>,
) -> String {
    let mut sql = format!("SHOW COLUMNS IN CATALOG {}", identifier(catalog));
    if let Some(s) = schema {
        sql += &format!(" SCHEMA LIKE {}", like(s));
    }
    if let Some(t) = table {
        sql += &format!(" TABLE LIKE {}", like(t));
    }
    if let Some(c) = column {
        sql += &format!(" LIKE {}", like(c));
    }
    sql
}

/// One result column read by name, as text or as 32-bit integers.
struct Columns<'a>(&'a RecordBatch);

impl Columns<'_> {
    fn array(&self, name: &str, to: &DataType) -> Result<arrow_array::ArrayRef> {
        let column = self.0.column_by_name(name).ok_or_else(|| {
            Error::internal(format!("the metadata result has no column {name:?}"))
        })?;
        cast(column, to).map_err(|e| Error::internal(format!("metadata column {name:?}: {e}")))
    }

    fn text(&self, name: &str) -> Result<Vec<Option<String>>> {
        let array = self.array(name, &DataType::Utf8)?;
        let strings = array.as_string::<i32>();
        Ok((0..strings.len())
            .map(|i| strings.is_valid(i).then(|| strings.value(i).to_string()))
            .collect())
    }

    fn int(&self, name: &str) -> Result<Vec<Option<i32>>> {
        let array = self.array(name, &DataType::Int32)?;
        Ok(array.as_primitive::<Int32Type>().iter().collect())
    }
}

fn required(values: Vec<Option<String>>) -> impl Iterator<Item = String> {
    values.into_iter().map(Option::unwrap_or_default)
}

impl Connection {
    async fn show(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let statement = self.statement()?;
        statement.execute(sql, ExecuteOptions::default()).await?;
        let mut batches = Vec::new();
        while let Some(batch) = statement.next_batch().await? {
            batches.push(batch);
        }
        statement.close().await?;
        Ok(batches)
    }

    pub async fn catalogs(&self) -> Result<Vec<CatalogRow>> {
        let mut rows = Vec::new();
        for batch in self.show("SHOW CATALOGS").await? {
            rows.extend(
                required(Columns(&batch).text("catalog")?)
                    .map(|table_cat| CatalogRow { table_cat }),
            );
        }
        Ok(rows)
    }

    /// Schemas of `catalog` (every catalog when `None`, `%` or `*`) matching `pattern`.
    pub async fn schemas(
        &self,
        catalog: Option<&str>,
        pattern: Option<&str>,
    ) -> Result<Vec<SchemaRow>> {
        let mut rows = Vec::new();
        for batch in self.show(&schemas_sql(catalog, pattern)).await? {
            let c = Columns(&batch);
            let names = c.text("databaseName")?;
            // SHOW SCHEMAS IN <catalog> has no catalog column: it is the one asked for.
            let catalogs = if all(catalog) {
                c.text("catalog")?
            } else {
                vec![catalog.map(str::to_string); names.len()]
            };
            rows.extend(required(names).zip(required(catalogs)).map(
                |(table_schem, table_catalog)| SchemaRow {
                    table_schem,
                    table_catalog,
                },
            ));
        }
        Ok(rows)
    }

    /// Tables and views; `table_types` (case-insensitive, e.g. `TABLE`, `VIEW`) filters when not empty.
    pub async fn tables(
        &self,
        catalog: Option<&str>,
        schema_pattern: Option<&str>,
        table_pattern: Option<&str>,
        table_types: &[String],
    ) -> Result<Vec<TableRow>> {
        let mut rows = Vec::new();
        for batch in self
            .show(&tables_sql(catalog, schema_pattern, table_pattern))
            .await?
        {
            let c = Columns(&batch);
            let (cats, schems, names, types, remarks) = (
                c.text("catalogName")?,
                c.text("namespace")?,
                c.text("tableName")?,
                c.text("tableType")?,
                c.text("remarks")?,
            );
            for ((((table_cat, table_schem), table_name), table_type), remarks) in required(cats)
                .zip(required(schems))
                .zip(required(names))
                .zip(required(types))
                .zip(remarks)
            {
                if table_types.is_empty()
                    || table_types
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(&table_type))
                {
                    rows.push(TableRow {
                        table_cat,
                        table_schem,
                        table_name,
                        table_type,
                        remarks: remarks.filter(|r| !r.is_empty()),
                    });
                }
            }
        }
        Ok(rows)
    }

    /// Columns of the tables in `catalog` (required: servers cannot list columns of every catalog).
    pub async fn columns(
        &self,
        catalog: &str,
        schema_pattern: Option<&str>,
        table_pattern: Option<&str>,
        column_pattern: Option<&str>,
    ) -> Result<Vec<ColumnRow>> {
        if all(Some(catalog)) {
            return Err(Error::invalid_argument("columns() needs a catalog name"));
        }
        let mut rows = Vec::new();
        let sql = columns_sql(catalog, schema_pattern, table_pattern, column_pattern);
        for batch in self.show(&sql).await? {
            let c = Columns(&batch);
            let mut cats = required(c.text("catalogName")?);
            let mut schems = required(c.text("namespace")?);
            let mut tables = required(c.text("tableName")?);
            let mut names = required(c.text("col_name")?);
            let mut types = required(c.text("columnType")?);
            let (sizes, digits, radix) = (
                c.int("columnSize")?,
                c.int("decimalDigits")?,
                c.int("radix")?,
            );
            let (nullable, remarks) = (c.text("isNullable")?, c.text("remarks")?);
            let (positions, auto, generated) = (
                c.int("ordinalPosition")?,
                c.text("isAutoIncrement")?,
                c.text("isGenerated")?,
            );
            for i in 0..batch.num_rows() {
                let is_nullable = match nullable[i].as_deref() {
                    Some("false") | Some("NO") => "NO",
                    _ => "YES",
                };
                rows.push(ColumnRow {
                    table_cat: cats.next().unwrap_or_default(),
                    table_schem: schems.next().unwrap_or_default(),
                    table_name: tables.next().unwrap_or_default(),
                    column_name: names.next().unwrap_or_default(),
                    type_name: types.next().unwrap_or_default(),
                    column_size: sizes[i],
                    decimal_digits: digits[i],
                    num_prec_radix: radix[i],
                    is_nullable: is_nullable.to_string(),
                    remarks: remarks[i].clone().filter(|r| !r.is_empty()),
                    ordinal_position: positions[i],
                    is_auto_increment: auto[i].clone(),
                    is_generated_column: generated[i].clone(),
                });
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_become_show_globs() {
        assert_eq!(like("tp%"), "'tp*'");
        assert_eq!(like("na_ion"), "'na.ion'");
        assert_eq!(like(r"a\_b\%c"), "'a_b%c'");
        assert_eq!(like("it's"), r"'it\'s'");
    }

    #[test]
    fn sql_texts_match_what_drivers_send() {
        assert_eq!(
            schemas_sql(Some("main"), Some("jdbc%")),
            "SHOW SCHEMAS IN `main` LIKE 'jdbc*'"
        );
        assert_eq!(schemas_sql(Some("%"), None), "SHOW SCHEMAS IN ALL CATALOGS");
        assert_eq!(
            tables_sql(Some("main"), Some("s"), Some("t%")),
            "SHOW TABLES IN CATALOG `main` SCHEMA LIKE 's' LIKE 't*'"
        );
        assert_eq!(tables_sql(None, None, None), "SHOW TABLES IN ALL CATALOGS");
        assert_eq!(
            columns_sql("we`ird", Some("s"), Some("t"), Some("c%")),
            "SHOW COLUMNS IN CATALOG `we``ird` SCHEMA LIKE 's' TABLE LIKE 't' LIKE 'c*'"
        );
    }
}
