//! Databricks SQL habits: namespaces, DDL/DML, parameters, session time zone, errors.

mod common;

use common::Harness;
use serde_json::{json, Value};

async fn error_of(h: &Harness, sql: &str) -> (String, String) {
    let r = h.exec(sql, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["state"], "FAILED", "{sql}: {}", r.text);
    (
        r.body["status"]["sql_state"].as_str().unwrap().to_string(),
        r.body["status"]["error"]["message"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

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
    let (state, msg) = error_of(&h, "USE CATALOG nope").await;
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
        let (got, msg) = error_of(&h, sql).await;
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
        let (state, msg) = error_of(&h, sql).await;
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
    let (state, _) = error_of(&h, "SET not_a_conf = 1").await;
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
    let (state, _) = error_of(&h, "SELECT 1 USING DELTA").await;
    assert_eq!(state, "42601");
}
