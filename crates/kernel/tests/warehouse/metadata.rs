//! Metadata through the SHOW commands, mapped to typed rows.

use sluice_kernel::{Connection, ErrorCode};
use sluice_warehouse::WarehouseConfig;

use crate::common::*;

#[tokio::test]
async fn catalogs_schemas_tables_and_columns_with_patterns() {
    let wh = start(WarehouseConfig {
        tpch_scale: 0.001,
        ..base()
    })
    .await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();

    let catalogs: Vec<String> = conn
        .catalogs()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.table_cat)
        .collect();
    assert!(
        catalogs.contains(&"samples".to_string()) && catalogs.contains(&"main".to_string()),
        "{catalogs:?}"
    );

    let schemas = conn.schemas(Some("samples"), None).await.unwrap();
    assert!(
        schemas
            .iter()
            .any(|s| s.table_schem == "tpch" && s.table_catalog == "samples"),
        "{schemas:?}"
    );
    let everywhere = conn.schemas(None, Some("def%")).await.unwrap();
    assert!(
        everywhere.iter().all(|s| s.table_schem.starts_with("def")),
        "{everywhere:?}"
    );
    assert!(
        everywhere.iter().any(|s| s.table_catalog == "main"),
        "{everywhere:?}"
    );

    let tables = conn
        .tables(Some("samples"), Some("tp%"), Some("na_ion"), &[])
        .await
        .unwrap();
    assert_eq!(tables.len(), 1, "{tables:?}");
    assert_eq!(
        (
            tables[0].table_cat.as_str(),
            tables[0].table_schem.as_str(),
            tables[0].table_name.as_str(),
            tables[0].table_type.as_str()
        ),
        ("samples", "tpch", "nation", "TABLE")
    );
    let views = conn
        .tables(Some("samples"), None, None, &["VIEW".into()])
        .await
        .unwrap();
    assert!(views.is_empty(), "{views:?}");
    let all_tables = conn
        .tables(None, Some("tpch"), None, &["table".into()])
        .await
        .unwrap();
    assert_eq!(
        all_tables.len(),
        8,
        "the eight TPC-H tables: {all_tables:?}"
    );

    let columns = conn
        .columns("samples", Some("tpch"), Some("nation"), None)
        .await
        .unwrap();
    let names: Vec<&str> = columns.iter().map(|c| c.column_name.as_str()).collect();
    assert_eq!(names, ["n_nationkey", "n_name", "n_regionkey", "n_comment"]);
    assert_eq!(columns[0].type_name, "BIGINT");
    assert_eq!(columns[0].is_nullable, "YES");
    let keys = conn
        .columns("samples", Some("tpch"), Some("%"), Some("%\\_nationkey"))
        .await
        .unwrap();
    assert!(
        keys.len() >= 3 && keys.iter().all(|c| c.column_name.ends_with("_nationkey")),
        "{keys:?}"
    );

    let err = conn.columns("%", None, None, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    wh.shutdown().await;
}
