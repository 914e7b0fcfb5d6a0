//! Databricks SQL habits: namespaces, DDL/DML, parameters, session time zone, errors.

use crate::common::{self, Harness};
use serde_json::{json, Value};

#[tokio::test]
async fn ddl_dml_and_three_part_names() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE SCHEMA IF NOT EXISTS main.jdbc_test_schema",
        json!({}),
    )
    .await;
    let r = h
        .exec(
            "CREATE TABLE IF NOT EXISTS main.jdbc_test_schema.t (id INT PRIMARY KEY, col1 VARCHAR(255), ts TIMESTAMP)",
            json!({"disposition": "EXTERNAL_LINKS", "format": "ARROW_STREAM", "result_compression": "LZ4_FRAME"}),
        )
        .await;
    assert_eq!(
        r.body["manifest"],
        json!({"format": "ARROW_STREAM", "schema": {"column_count": 0}, "total_chunk_count": 0,
               "total_row_count": 0, "total_byte_count": 0, "truncated": false, "result_compression": "LZ4_FRAME"})
    );
    assert_eq!(r.body["result"], json!({}));
    let r = h.succeed("INSERT INTO main.jdbc_test_schema.t (id, col1, ts) VALUES (1, 'a', '2021-01-01 00:00:00'), (2, 'b', NULL)", json!({})).await;
    let cols = &r.body["manifest"]["schema"]["columns"];
    assert_eq!(cols[0]["name"], "num_affected_rows");
    assert_eq!(cols[1]["name"], "num_inserted_rows");
    assert_eq!(r.body["result"]["data_array"], json!([["2", "2"]]));
    let rows = h
        .json_rows(
            "SELECT `id`, col1 FROM `main`.`jdbc_test_schema`.`t` ORDER BY id",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["1", "a"], ["2", "b"]]));
    h.succeed(
        "CREATE TABLE main.default.ctas AS SELECT id * 10 AS x FROM range(3)",
        json!({}),
    )
    .await;
    let rows = h
        .json_rows("SELECT x FROM ctas ORDER BY x", json!({}))
        .await;
    assert_eq!(rows, json!([["0"], ["10"], ["20"]]));
}

#[tokio::test]
async fn use_and_current_namespace() {
    let h = Harness::start().await;
    let sid = h.session().await;
    h.exec("CREATE SCHEMA main.other", json!({})).await;
    let rows = h
        .json_rows(
            "SELECT current_catalog(), current_schema()",
            json!({"session_id": sid}),
        )
        .await;
    assert_eq!(rows, json!([["main", "default"]]));
    h.succeed("USE SCHEMA other", json!({"session_id": sid}))
        .await;
    h.succeed("USE CATALOG samples", json!({"session_id": sid}))
        .await;
    h.succeed("USE SCHEMA tpch", json!({"session_id": sid}))
        .await;
    let rows = h
        .json_rows(
            "SELECT current_catalog(), current_schema()",
            json!({"session_id": sid}),
        )
        .await;
    assert_eq!(rows, json!([["samples", "tpch"]]));
    let (state, msg) = h.fail("USE CATALOG nope").await;
    assert_eq!(state, "42704", "{msg}");
}

#[tokio::test]
async fn positional_and_named_parameters_are_typed() {
    let h = Harness::start().await;
    let rows = h
        .json_rows(
            "SELECT ? + 1 AS a, ? AS b, ? AS c, ? AS d",
            json!({"parameters": [
                {"type": "INT", "value": "2", "ordinal": 1},
                {"type": "DECIMAL(5,2)", "value": "123.45", "ordinal": 2},
                {"type": "STRING", "ordinal": 3},
                {"type": "LONG", "value": "9007199254740993", "ordinal": 4}
            ]}),
        )
        .await;
    assert_eq!(rows, json!([["3", "123.45", null, "9007199254740993"]]));
    let r = h
        .exec(
            "SELECT :name AS n, :flag AS f, :d AS d",
            json!({"parameters": [
                {"name": "name", "value": "x'; DROP TABLE t; --"},
                {"name": "flag", "type": "BOOLEAN", "value": "True"},
                {"name": "d", "type": "DATE", "value": "2024-02-29"}
            ]}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{}", r.text);
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["x'; DROP TABLE t; --", "true", "2024-02-29"]])
    );
    let cols = &r.body["manifest"]["schema"]["columns"];
    assert_eq!(cols[1]["type_name"], "BOOLEAN");
    assert_eq!(cols[2]["type_name"], "DATE");
    let r = h
        .exec(
            "SELECT ?",
            json!({"parameters": [{"type": "INT", "value": "1"}]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
    let r = h
        .exec(
            "SELECT ?",
            json!({"parameters": [{"type": "INT", "value": "abc", "ordinal": 1}]}),
        )
        .await;
    assert_eq!(r.status, 400);
    let rows = h.json_rows("SELECT ? IS NULL, ?",
        json!({"parameters": [{"type": "VOID", "value": null, "ordinal": 1}, {"type": "SHORT", "value": "7", "ordinal": 2}]}),
    )
    .await;
    assert_eq!(rows, json!([["true", "7"]]));
}

#[tokio::test]
async fn parameters_in_insert_values_keep_the_column_types() {
    let h = Harness::start().await;
    h.json_rows(
        "CREATE TABLE p (a BIGINT, b STRING, c DATE, d DECIMAL(10,2))",
        json!({}),
    )
    .await;
    let rows = h
        .json_rows(
            "INSERT INTO p VALUES (:a, :b, :c, :d), (:a, 'lit', NULL, :d)",
            json!({"parameters": [
                {"name": "a", "type": "INT", "value": "7"},
                {"name": "b", "value": "x'); DROP TABLE p; --"},
                {"name": "c", "type": "DATE", "value": "2024-02-29"},
                {"name": "d", "type": "DOUBLE", "value": "2.25"}
            ]}),
        )
        .await;
    assert_eq!(rows, json!([["2", "2"]]));
    h.json_rows(
        "INSERT INTO p VALUES (?, ?, NULL, ?)",
        json!({"parameters": [
            {"ordinal": 1, "type": "SMALLINT", "value": "8"},
            {"ordinal": 2, "value": "y"},
            {"ordinal": 3, "type": "DECIMAL(4,1)", "value": "1.5"}
        ]}),
    )
    .await;
    let (body, batches) = h.arrow("SELECT * FROM p ORDER BY a, b").await;
    let types: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect();
    assert_eq!(types, ["Int64", "Utf8", "Date32", "Decimal128(10, 2)"]);
    let names: Vec<&Value> = body["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["type_text"])
        .collect();
    assert_eq!(
        names,
        [
            &json!("BIGINT"),
            &json!("STRING"),
            &json!("DATE"),
            &json!("DECIMAL(10,2)")
        ]
    );
    let rows = h
        .json_rows("SELECT * FROM p ORDER BY a, b", json!({}))
        .await;
    assert_eq!(
        rows,
        json!([
            ["7", "lit", null, "2.25"],
            ["7", "x'); DROP TABLE p; --", "2024-02-29", "2.25"],
            ["8", "y", null, "1.50"]
        ])
    );
    let r = h
        .exec(
            "INSERT INTO p VALUES (:a, :missing, NULL, NULL)",
            json!({"parameters": [{"name": "a", "type": "INT", "value": "1"}]}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{}", r.text);
    assert_eq!(r.body["status"]["sql_state"], "42P02", "{}", r.text);
    assert!(r.text.contains("UNBOUND_SQL_PARAMETER") && r.text.contains("missing"));
}

#[tokio::test]
async fn session_time_zone_applies_to_timestamps() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/2.0/sql/sessions",
            json!({"warehouse_id": "x", "session_confs": {"TIMEZONE": "America/Los_Angeles"}}),
        )
        .await;
    let sid = r.body["session_id"].as_str().unwrap().to_string();
    let rows = h
        .json_rows(
            "SELECT CAST('2021-01-01 10:00:00' AS TIMESTAMP) AS ts",
            json!({"session_id": sid}),
        )
        .await;
    assert_eq!(rows, json!([["2021-01-01T10:00:00.000-08:00"]]));
    let (_, batches) = h
        .arrow("SELECT TIMESTAMP '2021-06-15 12:34:56.789' AS ts")
        .await;
    let f = batches[0].schema().field(0).clone();
    assert_eq!(
        f.data_type(),
        &arrow_schema::DataType::Timestamp(
            arrow_schema::TimeUnit::Microsecond,
            Some("Etc/UTC".into())
        )
    );
    let r = h
        .post(
            "/api/2.0/sql/sessions",
            json!({"session_confs": {"not_a_conf": "1"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error_code"], "INVALID_PARAMETER_VALUE");
}

#[tokio::test]
async fn sql_errors_carry_class_and_sqlstate() {
    let h = Harness::start().await;
    for (sql, state, class) in [
        ("SELEC 1", "42601", "PARSE_SYNTAX_ERROR"),
        (
            "SELECT * FROM no_such_table",
            "42P01",
            "TABLE_OR_VIEW_NOT_FOUND",
        ),
        (
            "SELECT no_such_col FROM range(1)",
            "42703",
            "UNRESOLVED_COLUMN",
        ),
        ("SELECT 1 / 0", "22012", "DIVIDE_BY_ZERO"),
        ("SELECT CAST('abc' AS INT)", "22018", "CAST_INVALID_INPUT"),
        ("SELECT no_such_fn(1)", "42883", "UNRESOLVED_ROUTINE"),
    ] {
        let (got, msg) = h.fail(sql).await;
        assert_eq!(got, state, "{sql}: {msg}");
        assert!(msg.contains(&format!("[{class}")), "{sql}: {msg}");
        assert!(msg.contains(&format!("SQLSTATE: {state}")), "{sql}: {msg}");
    }
}

#[tokio::test]
async fn writing_null_to_a_not_null_column_is_a_constraint_violation() {
    let h = Harness::start().await;
    h.succeed("CREATE TABLE nn (a INT NOT NULL, b STRING)", json!({}))
        .await;
    for sql in [
        "INSERT INTO nn VALUES (NULL, 'x')",
        "INSERT INTO nn SELECT CAST(NULL AS INT), 'y'",
    ] {
        let (state, msg) = h.fail(sql).await;
        assert_eq!(state, "23502", "{sql}: {msg}");
        assert!(
            msg.starts_with("[DELTA_NOT_NULL_CONSTRAINT_VIOLATED] NOT NULL constraint violated"),
            "{sql}: {msg}"
        );
    }
    h.succeed("INSERT INTO nn VALUES (1, NULL)", json!({}))
        .await;
    let rows = h.json_rows("SELECT a, b FROM nn", json!({})).await;
    assert_eq!(rows, json!([["1", null]]));
}

#[tokio::test]
async fn spark_conf_sets_and_array_alias() {
    let h = Harness::start().await;
    let r = h
        .succeed("SET spark.sql.ansi.enabled = true", json!({}))
        .await;
    assert_eq!(r.body["manifest"]["schema"], json!({"column_count": 0}));
    let rows = h.json_rows("SELECT array(1, 2) AS a", json!({})).await;
    assert_eq!(rows, json!([["[1,2]"]]));
    let (state, _) = h.fail("SET not_a_conf = 1").await;
    assert_eq!(state, "42000");
}

#[tokio::test]
async fn create_table_using_a_format() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE fmt_t (id INT, s STRING) USING DELTA",
        json!({}),
    )
    .await;
    h.exec("INSERT INTO fmt_t VALUES (1, 'using delta')", json!({}))
        .await;
    let rows = h.json_rows("SELECT s FROM fmt_t", json!({})).await;
    assert_eq!(rows, json!([["using delta"]]));
    let (state, _) = h.fail("SELECT 1 USING DELTA").await;
    assert_eq!(state, "42601");
}

#[tokio::test]
async fn create_drop_and_replace_tables() {
    let h = Harness::start().await;
    h.succeed("CREATE TABLE IF NOT EXISTS t (a INT)", json!({}))
        .await;
    h.succeed("INSERT INTO t VALUES (1), (2)", json!({})).await;
    // IF NOT EXISTS on an existing table changes nothing.
    h.succeed("CREATE TABLE IF NOT EXISTS t (b STRING)", json!({}))
        .await;
    assert_eq!(
        h.json_rows("SELECT * FROM t ORDER BY a", json!({})).await,
        json!([["1"], ["2"]])
    );
    let (state, _) = h.fail("CREATE TABLE t (b STRING)").await;
    assert_eq!(state, "42P07");
    h.succeed("CREATE OR REPLACE TABLE t (b STRING)", json!({}))
        .await;
    assert_eq!(h.json_rows("SELECT * FROM t", json!({})).await, json!(null));
    let r = h.succeed("SELECT * FROM t", json!({})).await;
    assert_eq!(common::column_names(&r.body), ["b"]);
    h.succeed("DROP TABLE t", json!({})).await;
    h.succeed("DROP TABLE IF EXISTS t", json!({})).await;
    let (state, _) = h.fail("DROP TABLE t").await;
    assert_eq!(state, "42P01");
}

#[tokio::test]
async fn alter_table_adds_drops_and_renames() {
    let h = Harness::start().await;
    h.succeed("CREATE TABLE people (id INT, name STRING)", json!({}))
        .await;
    h.succeed(
        "INSERT INTO people VALUES (1, 'ann'), (2, 'bob')",
        json!({}),
    )
    .await;
    h.succeed("ALTER TABLE people ADD COLUMN age INT", json!({}))
        .await;
    h.succeed(
        "ALTER TABLE people ADD COLUMNS (email STRING, score DECIMAL(5, 2))",
        json!({}),
    )
    .await;
    let (cols, _, rows) = h.describe("SELECT * FROM people ORDER BY id").await;
    let names: Vec<&str> = cols.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["id", "name", "age", "email", "score"]);
    assert_eq!(cols[4]["type_text"], "DECIMAL(5,2)");
    assert_eq!(
        rows,
        json!([
            ["1", "ann", null, null, null],
            ["2", "bob", null, null, null]
        ])
    );
    h.succeed(
        "INSERT INTO people VALUES (3, 'cy', 40, 'c@x', 1.5)",
        json!({}),
    )
    .await;
    h.succeed("ALTER TABLE people DROP COLUMN email", json!({}))
        .await;
    h.succeed(
        "ALTER TABLE people RENAME COLUMN name TO full_name",
        json!({}),
    )
    .await;
    h.succeed("ALTER TABLE people RENAME TO persons", json!({}))
        .await;
    assert_eq!(
        h.json_rows(
            "SELECT id, full_name, age, score FROM persons ORDER BY id",
            json!({})
        )
        .await,
        json!([
            ["1", "ann", null, null],
            ["2", "bob", null, null],
            ["3", "cy", "40", "1.50"]
        ])
    );
    let (state, _) = h.fail("SELECT * FROM people").await;
    assert_eq!(state, "42P01");
    let (state, _) = h.fail("ALTER TABLE persons DROP COLUMN nope").await;
    assert_eq!(state, "42703");
    let (state, _) = h.fail("ALTER TABLE persons ADD COLUMN age INT").await;
    assert_eq!(state, "42710");
    let (state, _) = h
        .fail("ALTER TABLE samples.tpch.nation ADD COLUMN x INT")
        .await;
    assert_eq!(state, "0A000");
}

#[tokio::test]
async fn information_schema_describes_catalogs_tables_columns_and_keys() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE main.default.parent (id BIGINT, CONSTRAINT parent_pk PRIMARY KEY (id))",
        json!({}),
    )
    .await;
    h.succeed(
        "CREATE TABLE main.default.child (id INT NOT NULL PRIMARY KEY, parent_id BIGINT, \
         amount DECIMAL(10, 2), CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))",
        json!({}),
    )
    .await;
    h.succeed(
        "CREATE VIEW main.default.v AS SELECT id FROM parent",
        json!({}),
    )
    .await;
    let rows = h
        .json_rows(
            "SELECT catalog_name FROM main.information_schema.catalogs ORDER BY 1",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["main"], ["samples"]]));
    let rows = h
        .json_rows(
            "SELECT catalog_name, schema_name FROM samples.information_schema.schemata ORDER BY 2",
            json!({}),
        )
        .await;
    assert_eq!(
        rows,
        json!([["samples", "information_schema"], ["samples", "tpch"]])
    );
    let rows = h
        .json_rows(
            "SELECT table_catalog, table_schema, table_name, table_type, data_source_format \
             FROM information_schema.tables WHERE table_schema = 'default' ORDER BY table_name",
            json!({}),
        )
        .await;
    assert_eq!(
        rows,
        json!([
            ["main", "default", "child", "MANAGED", "DELTA"],
            ["main", "default", "parent", "MANAGED", "DELTA"],
            ["main", "default", "v", "VIEW", "UNKNOWN_DATA_SOURCE_FORMAT"]
        ])
    );
    let (cols, arrow, rows) = h
        .describe(
            "SELECT column_name, ordinal_position, is_nullable, full_data_type, data_type, \
             numeric_precision, numeric_scale FROM main.information_schema.columns \
             WHERE table_name = 'child' ORDER BY ordinal_position",
        )
        .await;
    assert_eq!(cols[1]["type_name"], "INT");
    assert_eq!(arrow[1], arrow_schema::DataType::Int32);
    assert_eq!(
        rows,
        json!([
            ["id", "1", "NO", "int", "INT", "32", "0"],
            ["parent_id", "2", "YES", "bigint", "LONG", "64", "0"],
            ["amount", "3", "YES", "decimal(10,2)", "DECIMAL", "10", "2"]
        ])
    );
    let rows = h
        .json_rows(
            "SELECT count(*) FROM samples.information_schema.columns WHERE table_name = 'nation'",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["4"]]));
    let rows = h
        .json_rows(
            "SELECT constraint_name, table_name, constraint_type FROM information_schema.table_constraints ORDER BY 1",
            json!({}),
        )
        .await;
    assert_eq!(
        rows,
        json!([
            ["child_parent_fk", "child", "FOREIGN KEY"],
            ["child_pk", "child", "PRIMARY KEY"],
            ["parent_pk", "parent", "PRIMARY KEY"]
        ])
    );
    let rows = h
        .json_rows(
            "SELECT constraint_name, column_name, ordinal_position, position_in_unique_constraint \
             FROM information_schema.key_column_usage ORDER BY 1",
            json!({}),
        )
        .await;
    assert_eq!(
        rows,
        json!([
            ["child_parent_fk", "parent_id", "1", "1"],
            ["child_pk", "id", "1", null],
            ["parent_pk", "id", "1", null]
        ])
    );
    let rows = h
        .json_rows(
            "SELECT constraint_name, unique_constraint_name FROM information_schema.referential_constraints",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["child_parent_fk", "parent_pk"]]));
    let rows = h
        .json_rows(
            "SELECT table_name, view_definition FROM information_schema.views",
            json!({}),
        )
        .await;
    assert_eq!(rows[0][0], "v");
    assert!(rows[0][1]
        .as_str()
        .unwrap()
        .contains("SELECT id FROM parent"));
    let r = h
        .succeed("SELECT * FROM main.information_schema.routines", json!({}))
        .await;
    assert_eq!(r.body["manifest"]["total_row_count"], 0);
    let names = common::column_names(&r.body);
    assert_eq!(
        &names[..6],
        [
            "specific_catalog",
            "specific_schema",
            "specific_name",
            "routine_catalog",
            "routine_schema",
            "routine_name"
        ]
    );
    // The primary key makes its column NOT NULL; keys follow a renamed table; a dropped table's go.
    let (state, _) = h.fail("INSERT INTO child VALUES (NULL, 1, 1.0)").await;
    assert_eq!(state, "23502");
    h.succeed("ALTER TABLE parent RENAME TO mother", json!({}))
        .await;
    let rows = h
        .json_rows(
            "SHOW FOREIGN KEYS IN CATALOG main IN SCHEMA default IN TABLE child",
            json!({}),
        )
        .await;
    assert_eq!(rows[0][8], "mother");
    h.succeed("DROP TABLE child", json!({})).await;
    let rows = h
        .json_rows(
            "SELECT constraint_name FROM information_schema.table_constraints ORDER BY 1",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["parent_pk"]]));
    // SHOW SCHEMAS keeps listing the catalog's own schemas.
    let rows = h.json_rows("SHOW SCHEMAS IN samples", json!({})).await;
    assert_eq!(rows, json!([["tpch"]]));
    let (state, _) = h
        .fail("CREATE TABLE orphan (x INT, FOREIGN KEY (x) REFERENCES nowhere (id))")
        .await;
    assert_eq!(state, "42P01");
}

#[tokio::test]
async fn show_keys_and_functions_as_jdbc_sends_them() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE orders (id INT, region STRING, CONSTRAINT orders_pk PRIMARY KEY (id, region))",
        json!({}),
    )
    .await;
    h.succeed(
        "CREATE TABLE items (order_id INT, order_region STRING, \
         CONSTRAINT items_orders FOREIGN KEY (order_id, order_region) REFERENCES main.default.orders)",
        json!({}),
    )
    .await;
    let r = h
        .succeed(
            "SHOW KEYS IN CATALOG main IN SCHEMA default IN TABLE orders",
            json!({}),
        )
        .await;
    assert_eq!(
        common::column_names(&r.body),
        [
            "catalogName",
            "namespace",
            "tableName",
            "col_name",
            "keySeq",
            "constraintName"
        ]
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([
            ["main", "default", "orders", "id", "1", "orders_pk"],
            ["main", "default", "orders", "region", "2", "orders_pk"]
        ])
    );
    let r = h
        .succeed(
            "SHOW FOREIGN KEYS IN CATALOG `main` IN SCHEMA `default` IN TABLE `items`",
            json!({}),
        )
        .await;
    assert_eq!(
        common::column_names(&r.body),
        [
            "catalogName",
            "namespace",
            "tableName",
            "col_name",
            "keySeq",
            "constraintName",
            "parentCatalogName",
            "parentNamespace",
            "parentTableName",
            "parentColName"
        ]
    );
    assert_eq!(
        r.body["result"]["data_array"],
        json!([
            [
                "main",
                "default",
                "items",
                "order_id",
                "1",
                "items_orders",
                "main",
                "default",
                "orders",
                "id"
            ],
            [
                "main",
                "default",
                "items",
                "order_region",
                "2",
                "items_orders",
                "main",
                "default",
                "orders",
                "region"
            ]
        ])
    );
    let r = h
        .succeed(
            "SHOW KEYS IN CATALOG main IN SCHEMA default IN TABLE items",
            json!({}),
        )
        .await;
    assert_eq!(r.body["manifest"]["total_row_count"], 0);
    let (state, _) = h
        .fail("SHOW KEYS IN CATALOG main IN SCHEMA default IN TABLE nope")
        .await;
    assert_eq!(state, "42P01");
    let r = h
        .succeed(
            "SHOW FUNCTIONS IN CATALOG main SCHEMA LIKE 'default' LIKE '%'",
            json!({}),
        )
        .await;
    assert_eq!(r.body["manifest"]["total_row_count"], 0);
    assert_eq!(
        common::column_names(&r.body),
        [
            "catalogName",
            "namespace",
            "functionName",
            "remarks",
            "functionType",
            "specificName"
        ]
    );
    let (state, _) = h.fail("SHOW FUNCTIONS IN CATALOG nope").await;
    assert_eq!(state, "42704");
}

#[tokio::test]
async fn set_catalog_and_schema_change_the_session_namespace() {
    let h = Harness::start().await;
    let sid = h.session().await;
    h.succeed("SET CATALOG samples", json!({"session_id": sid}))
        .await;
    h.succeed("SET SCHEMA tpch", json!({"session_id": sid}))
        .await;
    let rows = h
        .json_rows(
            "SELECT current_catalog(), current_schema(), count(*) FROM nation",
            json!({"session_id": sid}),
        )
        .await;
    assert_eq!(rows[0][0], "samples");
    assert_eq!(rows[0][1], "tpch");
    let (state, _) = h.fail("SET CATALOG nope").await;
    assert_eq!(state, "42704");
}

#[tokio::test]
async fn merge_binds_positional_and_named_parameters() {
    let h = Harness::start().await;
    h.succeed("CREATE TABLE pt (id INT, v STRING, n BIGINT)", json!({}))
        .await;
    h.succeed(
        "INSERT INTO pt VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)",
        json!({}),
    )
    .await;
    h.succeed("CREATE TABLE ps (id INT, v STRING)", json!({}))
        .await;
    h.succeed(
        "INSERT INTO ps VALUES (1, 'A'), (2, 'B'), (5, 'E'), (6, 'F')",
        json!({}),
    )
    .await;
    // Markers in the ON and AND predicates, UPDATE SET values and INSERT VALUES, numbered in
    // source order although the warehouse repeats each clause in every column.
    let r = h
        .succeed(
            "MERGE INTO pt t USING ps s ON t.id = s.id AND s.id < ? \
             WHEN MATCHED AND s.v = ? THEN DELETE \
             WHEN MATCHED THEN UPDATE SET v = ?, n = t.n + ? \
             WHEN NOT MATCHED AND s.id = ? THEN INSERT (id, v, n) VALUES (s.id, ?, ?)",
            json!({"parameters": [
                {"ordinal": 1, "type": "INT", "value": "100"},
                {"ordinal": 2, "value": "B"},
                {"ordinal": 3, "value": "upd'); DROP TABLE pt; --"},
                {"ordinal": 4, "type": "BIGINT", "value": "5"},
                {"ordinal": 5, "type": "INT", "value": "5"},
                {"ordinal": 6, "value": "new"},
                {"ordinal": 7, "type": "BIGINT", "value": "50"}
            ]}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["3", "1", "1", "1"]])
    );
    assert_eq!(
        h.json_rows("SELECT * FROM pt", json!({})).await,
        json!([
            ["1", "upd'); DROP TABLE pt; --", "15"],
            ["3", "c", "30"],
            ["5", "new", "50"]
        ])
    );
    // Named markers; `:lim` repeats, `:tag` appears in both an UPDATE and an INSERT.
    let r = h
        .succeed(
            "MERGE INTO pt t USING ps s ON t.id = s.id AND t.id < :lim \
             WHEN MATCHED AND t.n > :lim THEN UPDATE SET v = :tag, n = :n \
             WHEN NOT MATCHED AND s.id <> :skip THEN INSERT VALUES (s.id, :tag, :n)",
            json!({"parameters": [
                {"name": "lim", "type": "INT", "value": "4"},
                {"name": "tag", "value": "named"},
                {"name": "n", "type": "BIGINT", "value": "7"},
                {"name": "skip", "type": "INT", "value": "6"}
            ]}),
        )
        .await;
    // id 1 (n 15 > 4) is updated; 2 is unmatched and inserted; 5 and 6 are beyond :lim, so
    // unmatched: 5 is inserted again, 6 skipped.
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["3", "1", "0", "2"]])
    );
    assert_eq!(
        h.json_rows("SELECT * FROM pt ORDER BY id, v", json!({}))
            .await,
        json!([
            ["1", "named", "7"],
            ["2", "named", "7"],
            ["3", "c", "30"],
            ["5", "named", "7"],
            ["5", "new", "50"]
        ])
    );
    // A named marker without a value is Databricks' UNBOUND_SQL_PARAMETER.
    let r = h
        .exec(
            "MERGE INTO pt t USING ps s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = :missing",
            json!({"parameters": [{"name": "other", "value": "x"}]}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{}", r.text);
    assert_eq!(r.body["status"]["sql_state"], "42P02", "{}", r.text);
}

#[tokio::test]
async fn merge_updates_deletes_and_inserts_with_databricks_counts() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE target (id INT, v STRING, n BIGINT)",
        json!({}),
    )
    .await;
    h.succeed(
        "INSERT INTO target VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30), (4, 'd', 40)",
        json!({}),
    )
    .await;
    h.succeed(
        "CREATE TABLE source (id INT, v STRING, op STRING)",
        json!({}),
    )
    .await;
    h.succeed(
        "INSERT INTO source VALUES (1, 'A', 'upd'), (2, 'B', 'del'), (5, 'E', 'ins'), (6, 'F', 'skip')",
        json!({}),
    )
    .await;
    let r = h
        .succeed(
            "MERGE INTO target t USING source s ON t.id = s.id \
             WHEN MATCHED AND s.op = 'del' THEN DELETE \
             WHEN MATCHED THEN UPDATE SET v = s.v, t.n = t.n + 1 \
             WHEN NOT MATCHED AND s.op = 'ins' THEN INSERT (id, v) VALUES (s.id, s.v) \
             WHEN NOT MATCHED BY SOURCE AND t.id = 4 THEN UPDATE SET n = 0",
            json!({}),
        )
        .await;
    assert_eq!(
        common::column_names(&r.body),
        [
            "num_affected_rows",
            "num_updated_rows",
            "num_deleted_rows",
            "num_inserted_rows"
        ]
    );
    let types: Vec<&str> = r.body["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type_name"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["LONG"; 4]);
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["4", "2", "1", "1"]])
    );
    // Target rows keep their order; inserted rows follow.
    assert_eq!(
        h.json_rows("SELECT * FROM target", json!({})).await,
        json!([
            ["1", "A", "11"],
            ["3", "c", "30"],
            ["4", "d", "0"],
            ["5", "E", null]
        ])
    );
    // A subquery source, INSERT without a column list, NOT MATCHED BY SOURCE ... DELETE.
    let r = h
        .succeed(
            "MERGE INTO target USING (SELECT 9 AS k) AS src ON target.id = src.k \
             WHEN NOT MATCHED THEN INSERT VALUES (src.k, 'nine', 9) \
             WHEN NOT MATCHED BY SOURCE AND target.n IS NULL THEN DELETE",
            json!({}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["2", "0", "1", "1"]])
    );
    assert_eq!(
        h.json_rows("SELECT id FROM target", json!({})).await,
        json!([["1"], ["3"], ["4"], ["9"]])
    );
    // Databricks' `UPDATE SET *` and `INSERT *` take every column from the source.
    h.succeed("CREATE TABLE upd (id INT, v STRING, n BIGINT)", json!({}))
        .await;
    h.succeed(
        "INSERT INTO upd VALUES (3, 'three', 3), (7, 'seven', 7)",
        json!({}),
    )
    .await;
    let r = h
        .succeed(
            "MERGE INTO target USING upd ON target.id = upd.id \
             WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
            json!({}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["2", "1", "0", "1"]])
    );
    assert_eq!(
        h.json_rows("SELECT * FROM target WHERE id IN (3, 7)", json!({}))
            .await,
        json!([["3", "three", "3"], ["7", "seven", "7"]])
    );
    // Two source rows updating one target row is an error, and the table is unchanged.
    h.succeed("INSERT INTO source VALUES (1, 'again', 'upd')", json!({}))
        .await;
    let (state, msg) = h.fail("MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
    )
    .await;
    assert_eq!(state, "21506", "{msg}");
    assert!(msg.contains("DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE"));
    assert_eq!(
        h.json_rows("SELECT v FROM target WHERE id = 1", json!({}))
            .await,
        json!([["A"]])
    );
    let (state, _) = h
        .fail("MERGE INTO nope USING source s ON nope.id = s.id WHEN MATCHED THEN DELETE")
        .await;
    assert_eq!(state, "42P01");
}

#[tokio::test]
async fn concurrent_inserts_and_updates_lose_no_rows() {
    let h = std::sync::Arc::new(Harness::start().await);
    h.succeed("CREATE TABLE c (k INT, v INT)", json!({})).await;
    // Each UPDATE works from the rows it read; an INSERT committed meanwhile must survive.
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let h = h.clone();
            tokio::spawn(async move {
                let sql = if i % 4 == 0 {
                    "UPDATE c SET v = v + 1".to_string()
                } else {
                    format!("INSERT INTO c VALUES ({i}, 0)")
                };
                h.succeed(&sql, json!({})).await;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        h.json_rows("SELECT count(*), count(DISTINCT k) FROM c", json!({}))
            .await,
        json!([["30", "30"]])
    );
}

#[tokio::test]
async fn hive_metastore_has_no_information_schema() {
    let h = Harness::with(sluice_warehouse::WarehouseConfig {
        hive_metastore: true,
        ..Default::default()
    })
    .await;
    h.succeed(
        "CREATE TABLE hive_metastore.default.legacy (a INT)",
        json!({}),
    )
    .await;
    let (state, msg) = h
        .fail("SELECT * FROM hive_metastore.information_schema.tables")
        .await;
    assert_eq!(state, "42P01", "{msg}");
    assert!(msg.contains("information_schema"), "{msg}");
    let rows = h
        .json_rows("SHOW TABLES IN hive_metastore.default", json!({}))
        .await;
    assert_eq!(rows[0][1], "legacy", "{rows}");
    assert_eq!(
        h.json_rows("SHOW CATALOGS", json!({})).await,
        json!([["hive_metastore"], ["main"], ["samples"]])
    );
}
