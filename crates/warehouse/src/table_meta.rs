//! What Unity Catalog records about a table beyond its columns: informational PRIMARY KEY and
//! FOREIGN KEY constraints (never enforced, as on Databricks), its identity column and column
//! defaults as declared, and when it was created.
//! DataFusion's catalog keeps the tables; this keeps the rest, keyed by the same names.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use datafusion::sql::sqlparser::ast::Expr as SqlExpr;

/// `catalog.schema.table`, as the catalog spells them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableKey {
    pub catalog: String,
    pub schema: String,
    pub table: String,
}

impl TableKey {
    pub fn new(catalog: &str, schema: &str, table: &str) -> Self {
        TableKey {
            catalog: catalog.to_string(),
            schema: schema.to_string(),
            table: table.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub parent: TableKey,
    pub parent_columns: Vec<String>,
}

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY` on a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub column: String,
    /// ALWAYS: the column takes no explicit values.
    pub always: bool,
    pub start: i64,
    pub increment: i64,
}

#[derive(Debug, Clone)]
pub struct TableMeta {
    pub primary_key: Option<PrimaryKey>,
    pub foreign_keys: Vec<ForeignKey>,
    pub identity: Option<Identity>,
    /// Each column's default as written in its `DEFAULT <expr>` (the identity column's is the
    /// call that generates its values), put in place of the DEFAULT keyword in VALUES.
    pub defaults: Vec<(String, SqlExpr)>,
    pub created: DateTime<Utc>,
}

impl TableMeta {
    /// The declared default of `column`, if it has one.
    pub fn default_of(&self, column: &str) -> Option<&SqlExpr> {
        self.defaults
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, e)| e)
    }

    /// The identity column declared `GENERATED ALWAYS`, which takes no explicit values.
    pub fn always_identity(&self) -> Option<&Identity> {
        self.identity.as_ref().filter(|i| i.always)
    }
}

impl Default for TableMeta {
    fn default() -> Self {
        TableMeta {
            primary_key: None,
            foreign_keys: Vec::new(),
            identity: None,
            defaults: Vec::new(),
            created: Utc::now(),
        }
    }
}

#[derive(Debug, Default)]
pub struct TableMetaStore {
    tables: Mutex<BTreeMap<TableKey, TableMeta>>,
}

impl TableMetaStore {
    pub fn get(&self, key: &TableKey) -> Option<TableMeta> {
        self.lock().get(key).cloned()
    }

    pub fn set(&self, key: TableKey, meta: TableMeta) {
        self.lock().insert(key, meta);
    }

    pub fn remove(&self, key: &TableKey) {
        self.lock().remove(key);
    }

    /// Moves a table's record to its new name and points foreign keys at it there.
    pub fn rename(&self, from: &TableKey, to: TableKey) {
        let mut tables = self.lock();
        if let Some(meta) = tables.remove(from) {
            tables.insert(to.clone(), meta);
        }
        for meta in tables.values_mut() {
            for fk in &mut meta.foreign_keys {
                if &fk.parent == from {
                    fk.parent = to.clone();
                }
            }
        }
    }

    /// Every record, in name order.
    pub fn all(&self) -> Vec<(TableKey, TableMeta)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<TableKey, TableMeta>> {
        self.tables.lock().unwrap_or_else(|p| p.into_inner())
    }
}
