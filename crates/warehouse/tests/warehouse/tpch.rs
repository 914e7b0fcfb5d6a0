//! `samples.tpch` tables, the Databricks column types, mounted files, metadata commands.

use std::time::Instant;

use crate::common::{column_names, Harness};
use serde_json::{json, Value};
use sluice_warehouse::WarehouseConfig;

#[tokio::test]
async fn tpch_tables_exist_with_databricks_types() {
    let t = Instant::now();
    let h = Harness::start().await;
    eprintln!("startup with tpch scale 0.01 took {:?}", t.elapsed());
    let counts = h.json_rows(
        "SELECT (SELECT count(*) FROM samples.tpch.region) AS r, (SELECT count(*) FROM samples.tpch.nation) AS n, \
         (SELECT count(*) FROM samples.tpch.orders) AS o, (SELECT count(*) FROM samples.tpch.customer) AS c",
        json!({}),
    )
    .await;
    assert_eq!(counts, json!([["5", "25", "15000", "1500"]]));
    let lines: u64 = h
        .json_rows("SELECT count(*) FROM samples.tpch.lineitem", json!({}))
        .await[0][0]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((45_000..=75_000).contains(&lines), "{lines}");
    let r = h
        .exec("SELECT * FROM samples.tpch.lineitem LIMIT 1", json!({}))
        .await;
    let cols = r.body["manifest"]["schema"]["columns"].as_array().unwrap();
    let text: Vec<&str> = cols
        .iter()
        .map(|c| c["type_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        text,
        vec![
            "BIGINT",
            "BIGINT",
            "BIGINT",
            "INT",
            "DECIMAL(18,2)",
            "DECIMAL(18,2)",
            "DECIMAL(18,2)",
            "DECIMAL(18,2)",
            "STRING",
            "STRING",
            "DATE",
            "DATE",
            "DATE",
            "STRING",
            "STRING",
            "STRING"
        ]
    );
    assert_eq!(cols[0]["name"], "l_orderkey");
    let q1 = h.json_rows(
        "SELECT l_returnflag, l_linestatus, sum(l_quantity), count(*) FROM samples.tpch.lineitem \
         WHERE l_shipdate <= DATE '1998-09-02' GROUP BY l_returnflag, l_linestatus ORDER BY 1, 2",
        json!({}),
    )
    .await;
    let groups: Vec<(&str, &str)> = q1
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap(), r[1].as_str().unwrap()))
        .collect();
    assert_eq!(groups, [("A", "F"), ("N", "F"), ("N", "O"), ("R", "F")]);
    // TPC-H's status rules against the "current date" 1995-06-17, row by row.
    let broken = h
        .json_rows(
            "SELECT count(*) FROM samples.tpch.lineitem WHERE \
             (l_linestatus = 'F') <> (l_shipdate <= DATE '1995-06-17') \
             OR (l_returnflag = 'N') <> (l_receiptdate > DATE '1995-06-17')",
            json!({}),
        )
        .await;
    assert_eq!(broken, json!([["0"]]));
    let orders = h
        .json_rows(
            "SELECT o_orderstatus, min(f), max(f) FROM samples.tpch.orders JOIN \
             (SELECT l_orderkey, avg(CASE WHEN l_linestatus = 'F' THEN 1.0 ELSE 0.0 END) AS f \
              FROM samples.tpch.lineitem GROUP BY l_orderkey) ON o_orderkey = l_orderkey \
             GROUP BY o_orderstatus ORDER BY 1",
            json!({}),
        )
        .await;
    let by_status: Vec<(&str, f64, f64)> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let f = |v: &Value| v.as_str().unwrap().parse::<f64>().unwrap();
            (r[0].as_str().unwrap(), f(&r[1]), f(&r[2]))
        })
        .collect();
    assert_eq!(by_status.len(), 3, "{by_status:?}");
    assert_eq!(
        (by_status[0].0, by_status[0].1, by_status[0].2),
        ("F", 1.0, 1.0)
    );
    assert_eq!(
        (by_status[1].0, by_status[1].1, by_status[1].2),
        ("O", 0.0, 0.0)
    );
    assert_eq!(by_status[2].0, "P");
    assert!(
        by_status[2].1 > 0.0 && by_status[2].2 < 1.0,
        "{by_status:?}"
    );
}

#[tokio::test]
async fn show_commands_have_the_recorded_columns() {
    let h = Harness::start().await;
    h.exec("CREATE SCHEMA main.jdbc_test_schema", json!({}))
        .await;
    h.exec("CREATE TABLE main.jdbc_test_schema.catalog_and_schema_test_table (id INT, d DECIMAL(10,2), s STRING)", json!({})).await;

    let r = h.exec("SHOW CATALOGS", json!({})).await;
    assert_eq!(
        r.body["manifest"]["schema"]["columns"][0]["name"],
        "catalog"
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["main"], ["samples"]])
    );

    let r = h.exec("SHOW SCHEMAS IN main LIKE 'jdbc*'", json!({})).await;
    assert_eq!(
        r.body["manifest"]["schema"]["columns"][0]["name"],
        "databaseName"
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["jdbc_test_schema"]])
    );

    let r = h
        .exec(
            "SHOW TABLES IN CATALOG main SCHEMA LIKE 'jdbc.test.schema' LIKE '*'",
            json!({}),
        )
        .await;
    let names = column_names(&r.body);
    assert_eq!(
        names,
        vec![
            "namespace",
            "tableName",
            "isTemporary",
            "information",
            "catalogName",
            "tableType",
            "remarks"
        ]
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([[
            "jdbc_test_schema",
            "catalog_and_schema_test_table",
            "false",
            "",
            "main",
            "TABLE",
            ""
        ]])
    );
    let r = h
        .exec(
            "SHOW TABLES IN ALL CATALOGS SCHEMA LIKE 'tp*' LIKE 'line*|region'",
            json!({}),
        )
        .await;
    assert_eq!(r.body["result"]["row_count"], 2, "{}", r.text);

    let r = h
        .exec(
            "SHOW COLUMNS IN CATALOG `main` SCHEMA LIKE 'jdbc*' TABLE LIKE 'catalog*' LIKE 'd'",
            json!({}),
        )
        .await;
    let names = column_names(&r.body);
    assert_eq!(
        names,
        vec![
            "col_name",
            "catalogName",
            "namespace",
            "tableName",
            "columnType",
            "columnSize",
            "decimalDigits",
            "radix",
            "isNullable",
            "remarks",
            "ordinalPosition",
            "isAutoIncrement",
            "isGenerated"
        ]
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([[
            "d",
            "main",
            "jdbc_test_schema",
            "catalog_and_schema_test_table",
            "DECIMAL(10,2)",
            "10",
            "2",
            "10",
            "true",
            "",
            "1",
            "NO",
            "NO"
        ]])
    );
    let r = h.exec("SHOW CATALOGS LIKE 'sam*'", json!({})).await;
    assert_eq!(r.body["result"]["data_array"], json!([["samples"]]));

    let r = h
        .exec(
            "DESCRIBE QUERY SELECT id, CAST(id AS DECIMAL(10,2)) AS d FROM range(1)",
            json!({}),
        )
        .await;
    let names = column_names(&r.body);
    assert_eq!(names, vec!["col_name", "data_type", "comment"]);
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["id", "BIGINT", null], ["d", "DECIMAL(10,2)", null]])
    );
}

#[tokio::test]
async fn csv_files_mount_as_tables() {
    let dir = std::env::temp_dir().join(format!("sluice-wh-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "id,name\n1,ada\n2,grace\n").unwrap();
    let h = Harness::with(WarehouseConfig {
        tables: vec![("people".into(), csv)],
        ..Default::default()
    })
    .await;
    let rows = h
        .json_rows(
            "SELECT name FROM main.default.people ORDER BY id",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["ada"], ["grace"]]));
    let bad = sluice_warehouse::Warehouse::start(WarehouseConfig {
        tables: vec![("x".into(), dir.join("x.txt"))],
        ..Default::default()
    })
    .await;
    assert!(bad.is_err());
    let _ = std::fs::remove_dir_all(dir);
}
