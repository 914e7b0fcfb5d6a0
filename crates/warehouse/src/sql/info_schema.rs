//! Unity Catalog's `information_schema` in every catalog: CATALOGS, SCHEMATA, TABLES, COLUMNS,
//! VIEWS, ROUTINES, TABLE_CONSTRAINTS, KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS, with
//! Databricks' column names and types, computed from the live catalog when a query reads them.
//! Each catalog is wrapped so that `<catalog>.information_schema` resolves while SHOW SCHEMAS
//! keeps listing the catalog's own schemas only.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use arrow_array::{ArrayRef, Int32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider, TableProvider};
use datafusion::datasource::{MemTable, TableType};
use datafusion::error::Result as DfResult;

use crate::sql::types;
use crate::table_meta::{TableKey, TableMetaStore};

pub const INFORMATION_SCHEMA: &str = "information_schema";

const VIEWS: &[&str] = &[
    "catalogs",
    "schemata",
    "tables",
    "columns",
    "views",
    "routines",
    "parameters",
    "table_constraints",
    "key_column_usage",
    "referential_constraints",
];

/// A catalog whose `information_schema` is computed.
#[derive(Debug)]
pub struct UcCatalog {
    inner: Arc<dyn CatalogProvider>,
    info: Arc<InfoSchema>,
}

impl UcCatalog {
    pub fn new(
        name: &str,
        inner: Arc<dyn CatalogProvider>,
        catalogs: Weak<dyn CatalogProviderList>,
        meta: Arc<TableMetaStore>,
    ) -> Self {
        UcCatalog {
            inner,
            info: Arc::new(InfoSchema {
                catalog: name.to_string(),
                catalogs,
                meta,
            }),
        }
    }
}

impl CatalogProvider for UcCatalog {
    fn schema_names(&self) -> Vec<String> {
        self.inner.schema_names()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if name.eq_ignore_ascii_case(INFORMATION_SCHEMA) {
            return Some(self.info.clone());
        }
        self.inner.schema(name)
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> DfResult<Option<Arc<dyn SchemaProvider>>> {
        self.inner.register_schema(name, schema)
    }

    fn deregister_schema(
        &self,
        name: &str,
        cascade: bool,
    ) -> DfResult<Option<Arc<dyn SchemaProvider>>> {
        self.inner.deregister_schema(name, cascade)
    }
}

#[derive(Debug)]
struct InfoSchema {
    catalog: String,
    catalogs: Weak<dyn CatalogProviderList>,
    meta: Arc<TableMetaStore>,
}

impl SchemaProvider for InfoSchema {
    fn table_names(&self) -> Vec<String> {
        VIEWS.iter().map(|v| v.to_string()).collect()
    }

    fn table<'a, 'b, 'c>(
        &'a self,
        name: &'b str,
    ) -> Pin<Box<dyn Future<Output = DfResult<Option<Arc<dyn TableProvider>>>> + Send + 'c>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            let name = name.to_ascii_lowercase();
            if !VIEWS.contains(&name.as_str()) {
                return Ok(None);
            }
            let Some(list) = self.catalogs.upgrade() else {
                return Ok(None);
            };
            let snapshot = Snapshot::take(list.as_ref(), &self.catalog, &self.meta).await;
            let table = match name.as_str() {
                "catalogs" => snapshot.catalogs(),
                "schemata" => snapshot.schemata(),
                "tables" => snapshot.tables(),
                "columns" => snapshot.columns(),
                "views" => snapshot.views(),
                "routines" => routines(),
                "parameters" => parameters(),
                "table_constraints" => snapshot.table_constraints(),
                "key_column_usage" => snapshot.key_column_usage(),
                _ => snapshot.referential_constraints(),
            };
            let provider = MemTable::try_new(table.schema(), vec![vec![table]])?;
            Ok(Some(Arc::new(provider) as Arc<dyn TableProvider>))
        })
    }

    fn table_type<'a, 'b, 'c>(
        &'a self,
        name: &'b str,
    ) -> Pin<Box<dyn Future<Output = DfResult<Option<TableType>>> + Send + 'c>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move { Ok(self.table_exist(name).then_some(TableType::View)) })
    }

    fn table_exist(&self, name: &str) -> bool {
        VIEWS.contains(&name.to_ascii_lowercase().as_str())
    }
}

/// One relation of the catalog, read once per query of a view.
struct Relation {
    key: TableKey,
    kind: TableType,
    schema: arrow_schema::SchemaRef,
    definition: Option<String>,
}

struct Snapshot {
    /// Every catalog's name (CATALOGS lists them all, as on Databricks).
    catalog_names: Vec<String>,
    catalog: String,
    schemas: Vec<String>,
    relations: Vec<Relation>,
    meta: Vec<(TableKey, crate::table_meta::TableMeta)>,
}

impl Snapshot {
    async fn take(list: &dyn CatalogProviderList, catalog: &str, meta: &TableMetaStore) -> Self {
        let mut catalog_names = list.catalog_names();
        catalog_names.sort();
        let mut schemas = Vec::new();
        let mut relations = Vec::new();
        if let Some(cat) = list.catalog(catalog) {
            schemas = cat.schema_names();
            schemas.sort();
            for s in &schemas {
                let Some(provider) = cat.schema(s) else {
                    continue;
                };
                let mut names = provider.table_names();
                names.sort();
                for t in names {
                    let Ok(Some(table)) = provider.table(&t).await else {
                        continue;
                    };
                    let definition = table
                        .downcast_ref::<datafusion::datasource::ViewTable>()
                        .and_then(|v| v.definition().cloned());
                    relations.push(Relation {
                        key: TableKey::new(catalog, s, &t),
                        kind: table.table_type(),
                        schema: table.schema(),
                        definition,
                    });
                }
            }
        }
        let meta = meta
            .all()
            .into_iter()
            .filter(|(k, _)| k.catalog == catalog)
            .collect();
        Snapshot {
            catalog_names,
            catalog: catalog.to_string(),
            schemas,
            relations,
            meta,
        }
    }

    fn created(&self, key: &TableKey) -> Option<i64> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, m)| m.created.timestamp_micros())
    }

    fn catalogs(&self) -> RecordBatch {
        let n = self.catalog_names.len();
        let mut t = Table::default();
        t.str(
            "catalog_name",
            false,
            self.catalog_names.iter().cloned().map(Some).collect(),
        );
        t.str("catalog_owner", true, vec![Some(OWNER.to_string()); n]);
        t.str("comment", true, vec![None; n]);
        t.ts("created", vec![None; n]);
        t.str("created_by", true, vec![Some(OWNER.to_string()); n]);
        t.ts("last_altered", vec![None; n]);
        t.str("last_altered_by", true, vec![Some(OWNER.to_string()); n]);
        t.batch()
    }

    fn schemata(&self) -> RecordBatch {
        let mut names = self.schemas.clone();
        names.push(INFORMATION_SCHEMA.to_string());
        names.sort();
        let n = names.len();
        let mut t = Table::default();
        t.str("catalog_name", false, vec![Some(self.catalog.clone()); n]);
        t.str("schema_name", false, names.into_iter().map(Some).collect());
        t.str("schema_owner", true, vec![Some(OWNER.to_string()); n]);
        t.str("comment", true, vec![None; n]);
        t.ts("created", vec![None; n]);
        t.str("created_by", true, vec![Some(OWNER.to_string()); n]);
        t.ts("last_altered", vec![None; n]);
        t.str("last_altered_by", true, vec![Some(OWNER.to_string()); n]);
        t.batch()
    }

    fn tables(&self) -> RecordBatch {
        let rels = &self.relations;
        let n = rels.len();
        let kind = |r: &Relation| match r.kind {
            TableType::View => "VIEW",
            _ => "MANAGED",
        };
        let created: Vec<Option<i64>> = rels.iter().map(|r| self.created(&r.key)).collect();
        let mut t = Table::default();
        self.key_columns(&mut t, "table", rels.iter().map(|r| &r.key));
        t.str(
            "table_type",
            false,
            rels.iter().map(|r| Some(kind(r).to_string())).collect(),
        );
        t.str(
            "is_insertable_into",
            false,
            rels.iter()
                .map(|r| Some(yes_no(r.kind != TableType::View)))
                .collect(),
        );
        t.str(
            "commit_action",
            false,
            vec![Some("PRESERVE".to_string()); n],
        );
        t.str("table_owner", false, vec![Some(OWNER.to_string()); n]);
        t.str("comment", true, vec![None; n]);
        t.ts("created", created.clone());
        t.str("created_by", false, vec![Some(OWNER.to_string()); n]);
        t.ts("last_altered", created);
        t.str("last_altered_by", false, vec![Some(OWNER.to_string()); n]);
        t.str(
            "data_source_format",
            false,
            rels.iter()
                .map(|r| {
                    Some(
                        if r.kind == TableType::View {
                            "UNKNOWN_DATA_SOURCE_FORMAT"
                        } else {
                            "DELTA"
                        }
                        .to_string(),
                    )
                })
                .collect(),
        );
        t.str("storage_sub_directory", true, vec![None; n]);
        t.str("storage_path", true, vec![None; n]);
        t.batch()
    }

    fn columns(&self) -> RecordBatch {
        let mut rows: Vec<(&TableKey, usize, &Field)> = Vec::new();
        for r in &self.relations {
            for (i, f) in r.schema.fields().iter().enumerate() {
                rows.push((&r.key, i, f.as_ref()));
            }
        }
        let n = rows.len();
        let dts: Vec<DataType> = rows
            .iter()
            .map(|(_, _, f)| types::canonical_type(f.data_type()))
            .collect();
        let numeric = |dt: &DataType| -> (Option<i32>, Option<i32>, Option<i32>) {
            match dt {
                DataType::Int8 => (Some(8), Some(2), Some(0)),
                DataType::Int16 => (Some(16), Some(2), Some(0)),
                DataType::Int32 => (Some(32), Some(2), Some(0)),
                DataType::Int64 => (Some(64), Some(2), Some(0)),
                DataType::Float32 => (Some(24), Some(2), None),
                DataType::Float64 => (Some(53), Some(2), None),
                DataType::Decimal128(p, s) => (Some(*p as i32), Some(10), Some(*s as i32)),
                _ => (None, None, None),
            }
        };
        let datetime = |dt: &DataType| match dt {
            DataType::Date32 => Some(0),
            DataType::Timestamp(..) => Some(6),
            DataType::Duration(_) => Some(3),
            DataType::Interval(_) => Some(0),
            _ => None,
        };
        let mut t = Table::default();
        self.key_columns(&mut t, "table", rows.iter().map(|(k, _, _)| *k));
        t.str(
            "column_name",
            false,
            rows.iter()
                .map(|(_, _, f)| Some(f.name().clone()))
                .collect(),
        );
        t.int(
            "ordinal_position",
            false,
            rows.iter().map(|(_, i, _)| Some(*i as i32 + 1)).collect(),
        );
        let meta_of = |key: &TableKey| self.meta.iter().find(|(k, _)| k == key).map(|(_, m)| m);
        let identity_of = |key: &TableKey, column: &str| {
            meta_of(key)
                .and_then(|m| m.identity.as_ref())
                .filter(|i| i.column == column)
        };
        // An identity column's default is its generator, which Databricks does not show.
        t.str(
            "column_default",
            true,
            rows.iter()
                .map(|(k, _, f)| {
                    let meta = meta_of(k)?;
                    if identity_of(k, f.name()).is_some() {
                        return None;
                    }
                    meta.default_of(f.name()).map(|e| e.to_string())
                })
                .collect(),
        );
        t.str(
            "is_nullable",
            false,
            rows.iter()
                .map(|(_, _, f)| Some(yes_no(f.is_nullable())))
                .collect(),
        );
        t.str(
            "full_data_type",
            false,
            dts.iter()
                .map(|d| Some(types::type_text(d).to_lowercase()))
                .collect(),
        );
        t.str(
            "data_type",
            false,
            dts.iter()
                .map(|d| Some(types::type_name(d).to_string()))
                .collect(),
        );
        t.int("character_maximum_length", true, vec![None; n]);
        t.str("character_octet_length", true, vec![None; n]);
        t.int(
            "numeric_precision",
            true,
            dts.iter().map(|d| numeric(d).0).collect(),
        );
        t.int(
            "numeric_precision_radix",
            true,
            dts.iter().map(|d| numeric(d).1).collect(),
        );
        t.int(
            "numeric_scale",
            true,
            dts.iter().map(|d| numeric(d).2).collect(),
        );
        t.int(
            "datetime_precision",
            true,
            dts.iter().map(datetime).collect(),
        );
        t.str("interval_type", true, vec![None; n]);
        t.int("interval_precision", true, vec![None; n]);
        t.int("maximum_cardinality", true, vec![None; n]);
        let identities: Vec<_> = rows
            .iter()
            .map(|(k, _, f)| identity_of(k, f.name()))
            .collect();
        t.str(
            "is_identity",
            false,
            identities
                .iter()
                .map(|i| Some(yes_no(i.is_some())))
                .collect(),
        );
        t.str(
            "identity_generation",
            true,
            identities
                .iter()
                .map(|i| i.map(|i| if i.always { "ALWAYS" } else { "BY DEFAULT" }.to_string()))
                .collect(),
        );
        t.str(
            "identity_start",
            true,
            identities
                .iter()
                .map(|i| i.map(|i| i.start.to_string()))
                .collect(),
        );
        t.str(
            "identity_increment",
            true,
            identities
                .iter()
                .map(|i| i.map(|i| i.increment.to_string()))
                .collect(),
        );
        t.str("identity_maximum", true, vec![None; n]);
        t.str("identity_minimum", true, vec![None; n]);
        t.str("identity_cycle", true, vec![None; n]);
        t.str(
            "is_system_time_period_start",
            false,
            vec![Some("NO".to_string()); n],
        );
        t.str(
            "is_system_time_period_end",
            false,
            vec![Some("NO".to_string()); n],
        );
        t.str(
            "system_time_period_timestamp_generation",
            true,
            vec![None; n],
        );
        t.str("is_updatable", false, vec![Some("YES".to_string()); n]);
        t.int("partition_index", true, vec![None; n]);
        t.str("comment", true, vec![None; n]);
        t.batch()
    }

    fn views(&self) -> RecordBatch {
        let views: Vec<&Relation> = self
            .relations
            .iter()
            .filter(|r| r.kind == TableType::View)
            .collect();
        let n = views.len();
        let mut t = Table::default();
        self.key_columns(&mut t, "table", views.iter().map(|r| &r.key));
        t.str(
            "view_definition",
            true,
            views.iter().map(|r| r.definition.clone()).collect(),
        );
        t.str("check_option", false, vec![Some("NONE".to_string()); n]);
        t.str("is_updatable", false, vec![Some("NO".to_string()); n]);
        t.str("is_insertable_into", false, vec![Some("NO".to_string()); n]);
        t.str("sql_path", true, vec![None; n]);
        t.str("is_materialized", false, vec![Some("FALSE".to_string()); n]);
        t.batch()
    }

    /// (constraint key, table, type, columns, referenced key) for every constraint.
    fn constraints(&self) -> Vec<Constraint<'_>> {
        let mut out = Vec::new();
        for (key, meta) in &self.meta {
            if let Some(pk) = &meta.primary_key {
                out.push(Constraint {
                    name: &pk.name,
                    table: key,
                    kind: "PRIMARY KEY",
                    columns: &pk.columns,
                    parent: None,
                });
            }
            for fk in &meta.foreign_keys {
                out.push(Constraint {
                    name: &fk.name,
                    table: key,
                    kind: "FOREIGN KEY",
                    columns: &fk.columns,
                    parent: Some((&fk.parent, &fk.parent_columns)),
                });
            }
        }
        out
    }

    fn table_constraints(&self) -> RecordBatch {
        let cs = self.constraints();
        let n = cs.len();
        let mut t = Table::default();
        self.constraint_name_columns(&mut t, &cs);
        self.key_columns(&mut t, "table", cs.iter().map(|c| c.table));
        t.str(
            "constraint_type",
            false,
            cs.iter().map(|c| Some(c.kind.to_string())).collect(),
        );
        t.str("is_deferrable", false, vec![Some("YES".to_string()); n]);
        t.str(
            "initially_deferred",
            false,
            vec![Some("YES".to_string()); n],
        );
        t.str("enforced", false, vec![Some("NO".to_string()); n]);
        t.str("comment", true, vec![None; n]);
        t.str("rely", false, vec![Some("NO".to_string()); n]);
        t.batch()
    }

    fn key_column_usage(&self) -> RecordBatch {
        let cs = self.constraints();
        let mut rows: Vec<(&Constraint, usize, &String)> = Vec::new();
        for c in &cs {
            for (i, col) in c.columns.iter().enumerate() {
                rows.push((c, i, col));
            }
        }
        let mut t = Table::default();
        let owners: Vec<Constraint> = rows.iter().map(|(c, _, _)| (*c).clone()).collect();
        self.constraint_name_columns(&mut t, &owners);
        self.key_columns(&mut t, "table", rows.iter().map(|(c, _, _)| c.table));
        t.str(
            "column_name",
            false,
            rows.iter()
                .map(|(_, _, col)| Some((*col).clone()))
                .collect(),
        );
        t.int(
            "ordinal_position",
            false,
            rows.iter().map(|(_, i, _)| Some(*i as i32 + 1)).collect(),
        );
        t.int(
            "position_in_unique_constraint",
            true,
            rows.iter()
                .map(|(c, i, _)| c.parent.map(|_| *i as i32 + 1))
                .collect(),
        );
        t.batch()
    }

    fn referential_constraints(&self) -> RecordBatch {
        let cs: Vec<Constraint> = self
            .constraints()
            .into_iter()
            .filter(|c| c.parent.is_some())
            .collect();
        let n = cs.len();
        let parent_pk = |c: &Constraint| -> (Option<String>, Option<String>, Option<String>) {
            let (p, _) = c.parent.expect("foreign keys have a parent");
            let name = self
                .meta
                .iter()
                .find(|(k, _)| k == p)
                .and_then(|(_, m)| m.primary_key.as_ref().map(|pk| pk.name.clone()));
            (Some(p.catalog.clone()), Some(p.schema.clone()), name)
        };
        let mut t = Table::default();
        self.constraint_name_columns(&mut t, &cs);
        t.str(
            "unique_constraint_catalog",
            false,
            cs.iter().map(|c| parent_pk(c).0).collect(),
        );
        t.str(
            "unique_constraint_schema",
            false,
            cs.iter().map(|c| parent_pk(c).1).collect(),
        );
        t.str(
            "unique_constraint_name",
            false,
            cs.iter().map(|c| parent_pk(c).2).collect(),
        );
        t.str("match_option", false, vec![Some("FULL".to_string()); n]);
        t.str("update_rule", false, vec![Some("NO ACTION".to_string()); n]);
        t.str("delete_rule", false, vec![Some("NO ACTION".to_string()); n]);
        t.batch()
    }

    fn constraint_name_columns(&self, t: &mut Table, cs: &[Constraint]) {
        t.str(
            "constraint_catalog",
            false,
            cs.iter().map(|c| Some(c.table.catalog.clone())).collect(),
        );
        t.str(
            "constraint_schema",
            false,
            cs.iter().map(|c| Some(c.table.schema.clone())).collect(),
        );
        t.str(
            "constraint_name",
            false,
            cs.iter().map(|c| Some(c.name.to_string())).collect(),
        );
    }

    /// `<prefix>_catalog`, `<prefix>_schema`, `<prefix>_name`.
    fn key_columns<'k>(
        &self,
        t: &mut Table,
        prefix: &str,
        keys: impl Iterator<Item = &'k TableKey>,
    ) {
        let keys: Vec<&TableKey> = keys.collect();
        t.str_owned(
            format!("{prefix}_catalog"),
            keys.iter().map(|k| Some(k.catalog.clone())).collect(),
        );
        t.str_owned(
            format!("{prefix}_schema"),
            keys.iter().map(|k| Some(k.schema.clone())).collect(),
        );
        t.str_owned(
            format!("{prefix}_name"),
            keys.iter().map(|k| Some(k.table.clone())).collect(),
        );
    }
}

#[derive(Clone)]
struct Constraint<'a> {
    name: &'a str,
    table: &'a TableKey,
    kind: &'static str,
    columns: &'a [String],
    parent: Option<(&'a TableKey, &'a Vec<String>)>,
}

/// The local warehouse has no users; objects belong to the token's holder.
const OWNER: &str = "local-user";

fn yes_no(b: bool) -> String {
    if b { "YES" } else { "NO" }.to_string()
}

/// User-defined functions: the local warehouse has none, so ROUTINES is empty.
fn routines() -> RecordBatch {
    let mut t = Table::default();
    for name in [
        "specific_catalog",
        "specific_schema",
        "specific_name",
        "routine_catalog",
        "routine_schema",
        "routine_name",
        "routine_owner",
        "routine_type",
        "data_type",
        "full_data_type",
    ] {
        t.str(name, false, vec![]);
    }
    t.int("character_maximum_length", true, vec![]);
    t.int("character_octet_length", true, vec![]);
    t.int("numeric_precision", true, vec![]);
    t.int("numeric_precision_radix", true, vec![]);
    t.int("numeric_scale", true, vec![]);
    t.int("datetime_precision", true, vec![]);
    t.str("interval_type", true, vec![]);
    t.int("interval_precision", true, vec![]);
    t.int("maximum_cardinality", true, vec![]);
    for (name, nullable) in [
        ("routine_body", false),
        ("routine_definition", true),
        ("external_name", true),
        ("external_language", true),
        ("parameter_style", true),
        ("is_deterministic", false),
        ("sql_data_access", false),
        ("is_null_call", true),
        ("security_type", false),
        ("as_locator", false),
        ("comment", true),
    ] {
        t.str(name, nullable, vec![]);
    }
    t.ts("created", vec![]);
    t.str("created_by", false, vec![]);
    t.ts("last_altered", vec![]);
    t.str("last_altered_by", false, vec![]);
    t.batch()
}

/// Parameters of user-defined functions: none (see ROUTINES).
fn parameters() -> RecordBatch {
    let mut t = Table::default();
    for name in ["specific_catalog", "specific_schema", "specific_name"] {
        t.str(name, false, vec![]);
    }
    t.int("ordinal_position", false, vec![]);
    for name in [
        "parameter_mode",
        "is_result",
        "as_locator",
        "parameter_name",
        "data_type",
        "full_data_type",
    ] {
        t.str(name, true, vec![]);
    }
    t.int("character_maximum_length", true, vec![]);
    t.int("numeric_precision", true, vec![]);
    t.int("numeric_scale", true, vec![]);
    t.str("parameter_default", true, vec![]);
    t.str("comment", true, vec![]);
    t.batch()
}

/// A result table under construction: one typed column at a time.
#[derive(Default)]
struct Table {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Table {
    fn str(&mut self, name: &str, nullable: bool, values: Vec<Option<String>>) {
        self.fields.push(Field::new(name, DataType::Utf8, nullable));
        self.arrays.push(Arc::new(StringArray::from(values)));
    }

    fn str_owned(&mut self, name: String, values: Vec<Option<String>>) {
        self.fields.push(Field::new(name, DataType::Utf8, false));
        self.arrays.push(Arc::new(StringArray::from(values)));
    }

    fn int(&mut self, name: &str, nullable: bool, values: Vec<Option<i32>>) {
        self.fields
            .push(Field::new(name, DataType::Int32, nullable));
        self.arrays.push(Arc::new(Int32Array::from(values)));
    }

    fn ts(&mut self, name: &str, values: Vec<Option<i64>>) {
        let tz: Arc<str> = Arc::from("UTC");
        self.fields.push(Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some(tz.clone())),
            true,
        ));
        self.arrays.push(Arc::new(
            TimestampMicrosecondArray::from(values).with_timezone(tz),
        ));
    }

    fn batch(self) -> RecordBatch {
        RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays)
            .expect("columns match their fields")
    }
}
