//! Metadata rows for JavaScript, named like other drivers' results.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::connection::NativeConnection;
use crate::error::IntoNapi;

#[napi(object)]
pub struct CatalogRow {
    #[napi(js_name = "TABLE_CAT")]
    pub table_cat: String,
}

#[napi(object)]
pub struct SchemaRow {
    #[napi(js_name = "TABLE_SCHEM")]
    pub table_schem: String,
    #[napi(js_name = "TABLE_CATALOG")]
    pub table_catalog: String,
}

#[napi(object)]
pub struct TableRow {
    #[napi(js_name = "TABLE_CAT")]
    pub table_cat: String,
    #[napi(js_name = "TABLE_SCHEM")]
    pub table_schem: String,
    #[napi(js_name = "TABLE_NAME")]
    pub table_name: String,
    #[napi(js_name = "TABLE_TYPE")]
    pub table_type: String,
    #[napi(js_name = "REMARKS")]
    pub remarks: Option<String>,
}

#[napi(object)]
pub struct ColumnRow {
    #[napi(js_name = "TABLE_CAT")]
    pub table_cat: String,
    #[napi(js_name = "TABLE_SCHEM")]
    pub table_schem: String,
    #[napi(js_name = "TABLE_NAME")]
    pub table_name: String,
    #[napi(js_name = "COLUMN_NAME")]
    pub column_name: String,
    #[napi(js_name = "TYPE_NAME")]
    pub type_name: String,
    #[napi(js_name = "COLUMN_SIZE")]
    pub column_size: Option<i32>,
    #[napi(js_name = "DECIMAL_DIGITS")]
    pub decimal_digits: Option<i32>,
    #[napi(js_name = "NUM_PREC_RADIX")]
    pub num_prec_radix: Option<i32>,
    #[napi(js_name = "IS_NULLABLE")]
    pub is_nullable: String,
    #[napi(js_name = "REMARKS")]
    pub remarks: Option<String>,
    #[napi(js_name = "ORDINAL_POSITION")]
    pub ordinal_position: Option<i32>,
    #[napi(js_name = "IS_AUTO_INCREMENT")]
    pub is_auto_increment: Option<String>,
    #[napi(js_name = "IS_GENERATEDCOLUMN")]
    pub is_generated_column: Option<String>,
}

#[napi]
impl NativeConnection {
    #[napi]
    pub async fn catalogs(&self) -> Result<Vec<CatalogRow>> {
        let rows = self.kernel().catalogs().await.napi()?;
        Ok(rows
            .into_iter()
            .map(|r| CatalogRow {
                table_cat: r.table_cat,
            })
            .collect())
    }

    /// Schemas of `catalog` (every catalog when absent) matching a LIKE pattern.
    #[napi]
    pub async fn schemas(
        &self,
        catalog: Option<String>,
        schema_pattern: Option<String>,
    ) -> Result<Vec<SchemaRow>> {
        let rows = self
            .kernel()
            .schemas(catalog.as_deref(), schema_pattern.as_deref())
            .await
            .napi()?;
        Ok(rows
            .into_iter()
            .map(|r| SchemaRow {
                table_schem: r.table_schem,
                table_catalog: r.table_catalog,
            })
            .collect())
    }

    #[napi]
    pub async fn tables(
        &self,
        catalog: Option<String>,
        schema_pattern: Option<String>,
        table_pattern: Option<String>,
        table_types: Option<Vec<String>>,
    ) -> Result<Vec<TableRow>> {
        let rows = self
            .kernel()
            .tables(
                catalog.as_deref(),
                schema_pattern.as_deref(),
                table_pattern.as_deref(),
                &table_types.unwrap_or_default(),
            )
            .await
            .napi()?;
        Ok(rows
            .into_iter()
            .map(|r| TableRow {
                table_cat: r.table_cat,
                table_schem: r.table_schem,
                table_name: r.table_name,
                table_type: r.table_type,
                remarks: r.remarks,
            })
            .collect())
    }

    #[napi]
    pub async fn columns(
        &self,
        catalog: String,
        schema_pattern: Option<String>,
        table_pattern: Option<String>,
        column_pattern: Option<String>,
    ) -> Result<Vec<ColumnRow>> {
        let rows = self
            .kernel()
            .columns(
                &catalog,
                schema_pattern.as_deref(),
                table_pattern.as_deref(),
                column_pattern.as_deref(),
            )
            .await
            .napi()?;
        Ok(rows
            .into_iter()
            .map(|r| ColumnRow {
                table_cat: r.table_cat,
                table_schem: r.table_schem,
                table_name: r.table_name,
                column_name: r.column_name,
                type_name: r.type_name,
                column_size: r.column_size,
                decimal_digits: r.decimal_digits,
                num_prec_radix: r.num_prec_radix,
                is_nullable: r.is_nullable,
                remarks: r.remarks,
                ordinal_position: r.ordinal_position,
                is_auto_increment: r.is_auto_increment,
                is_generated_column: r.is_generated_column,
            })
            .collect())
    }
}
