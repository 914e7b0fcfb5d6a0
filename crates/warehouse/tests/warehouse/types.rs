//! Every type of protocol.md §10: manifest names, Arrow types, JSON_ARRAY renderings.

use std::sync::Arc;

use crate::common::Harness;
use arrow_schema::{DataType, Field, Fields, IntervalUnit, TimeUnit};
use serde_json::{json, Value};

/// Manifest columns, Arrow types and the first JSON row.
async fn describe(h: &Harness, sql: &str) -> (Vec<Value>, Vec<DataType>, Value) {
    let (cols, arrow, rows) = h.describe(sql).await;
    (cols, arrow, rows[0].clone())
}

fn names(cols: &[Value]) -> Vec<(String, String)> {
    cols.iter()
        .map(|c| {
            (
                c["type_name"].as_str().unwrap().to_string(),
                c["type_text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn small_numbers_floats_and_binary() {
    let h = Harness::start().await;
    let (cols, arrow, row) = describe(
        &h,
        "SELECT CAST(1 AS TINYINT) AS a, CAST(2 AS SMALLINT) AS b, CAST(1.5 AS FLOAT) AS c, \
         X'6869' AS d, CAST(-12.345 AS DECIMAL(38,3)) AS e",
    )
    .await;
    assert_eq!(
        names(&cols),
        vec![
            ("BYTE".into(), "TINYINT".into()),
            ("SHORT".into(), "SMALLINT".into()),
            ("FLOAT".into(), "FLOAT".into()),
            ("BINARY".into(), "BINARY".into()),
            ("DECIMAL".into(), "DECIMAL(38,3)".into()),
        ]
    );
    assert_eq!(
        arrow,
        vec![
            DataType::Int8,
            DataType::Int16,
            DataType::Float32,
            DataType::Binary,
            DataType::Decimal128(38, 3)
        ]
    );
    assert_eq!(row, json!(["1", "2", "1.5", "aGk=", "-12.345"]));
}

#[tokio::test]
async fn intervals() {
    let h = Harness::start().await;
    let (cols, arrow, row) = describe(
        &h,
        "SELECT INTERVAL '100' YEAR AS ym, INTERVAL '3' DAY + INTERVAL '4' HOUR + INTERVAL '30' MINUTE \
         + INTERVAL '20.123' SECOND AS dt",
    )
    .await;
    assert_eq!(cols[0]["type_name"], "INTERVAL");
    assert_eq!(cols[0]["type_text"], "INTERVAL YEAR TO MONTH");
    assert_eq!(cols[0]["type_interval_type"], "YEAR TO MONTH");
    assert_eq!(cols[1]["type_text"], "INTERVAL DAY TO SECOND");
    assert_eq!(cols[1]["type_interval_type"], "DAY TO SECOND");
    assert_eq!(
        arrow,
        vec![
            DataType::Interval(IntervalUnit::YearMonth),
            DataType::Duration(TimeUnit::Microsecond)
        ]
    );
    let (_, batches) = h
        .arrow("SELECT INTERVAL '3' DAY + INTERVAL '4' HOUR + INTERVAL '30' MINUTE + INTERVAL '20.123' SECOND AS dt")
        .await;
    let micros = batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<arrow_array::DurationMicrosecondArray>()
        .unwrap()
        .value(0);
    assert_eq!(micros, 275_420_123_000);
    assert_eq!(
        row,
        json!([
            "INTERVAL '100-0' YEAR TO MONTH",
            "INTERVAL '3 04:30:20.123' DAY TO SECOND"
        ])
    );
}

#[tokio::test]
async fn nested_types() {
    let h = Harness::start().await;
    let (cols, arrow, row) = describe(
        &h,
        "SELECT make_array(1, 2, 3) AS a, named_struct('street', 'Main', 'zip', 12345) AS s, \
         map(['k'], ['v']) AS m",
    )
    .await;
    assert_eq!(
        names(&cols),
        vec![
            ("ARRAY".into(), "ARRAY<INT>".into()),
            ("STRUCT".into(), "STRUCT<street: STRING, zip: INT>".into()),
            ("MAP".into(), "MAP<STRING, STRING>".into()),
        ]
    );
    assert!(matches!(arrow[0], DataType::List(_)));
    assert!(matches!(arrow[1], DataType::Struct(_)));
    assert!(matches!(arrow[2], DataType::Map(..)));
    assert_eq!(
        row,
        json!([
            "[1,2,3]",
            "{\"street\":\"Main\",\"zip\":12345}",
            "{\"k\":\"v\"}"
        ])
    );
}

fn list(element: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", element, true)))
}

fn map(key: DataType, value: DataType) -> DataType {
    let entries = Fields::from(vec![
        Field::new("key", key, false),
        Field::new("value", value, true),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    )
}

fn structure(fields: &[(&str, DataType)]) -> DataType {
    DataType::Struct(
        fields
            .iter()
            .map(|(name, t)| Field::new(*name, t.clone(), true))
            .collect(),
    )
}

async fn run_ok(h: &Harness, sql: &str) {
    let r = h.exec(sql, json!({})).await;
    assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{sql}: {}", r.text);
}

#[tokio::test]
async fn nested_column_types_in_create_table() {
    let h = Harness::start().await;
    run_ok(
        &h,
        "CREATE TABLE nested (a ARRAY<INT>, m MAP<STRING, INT>, \
         s STRUCT<street: STRING, Zip: INT>, \
         n ARRAY<STRUCT<k: BIGINT, v: ARRAY<DECIMAL(5,2)>>>, mm MAP<INT, ARRAY<STRING>>)",
    )
    .await;
    run_ok(
        &h,
        "INSERT INTO nested VALUES (array(1, 2), map('a', 1), named_struct('street', 'Main', 'Zip', 12345), \
         array(named_struct('k', 5, 'v', array(1.5, 2))), map(7, array('x', NULL))), \
         (NULL, NULL, NULL, NULL, NULL)",
    )
    .await;
    run_ok(
        &h,
        "INSERT INTO nested SELECT array(3), map('b', 2, 'c', NULL), \
         named_struct('street', NULL, 'Zip', 1), array(), map(8, array())",
    )
    .await;
    let (cols, arrow, rows) = h.describe("SELECT * FROM nested").await;
    assert_eq!(
        names(&cols),
        vec![
            ("ARRAY".into(), "ARRAY<INT>".into()),
            ("MAP".into(), "MAP<STRING, INT>".into()),
            ("STRUCT".into(), "STRUCT<street: STRING, Zip: INT>".into()),
            (
                "ARRAY".into(),
                "ARRAY<STRUCT<k: BIGINT, v: ARRAY<DECIMAL(5,2)>>>".into()
            ),
            ("MAP".into(), "MAP<INT, ARRAY<STRING>>".into()),
        ]
    );
    assert_eq!(
        arrow,
        vec![
            list(DataType::Int32),
            map(DataType::Utf8, DataType::Int32),
            structure(&[("street", DataType::Utf8), ("Zip", DataType::Int32)]),
            list(structure(&[
                ("k", DataType::Int64),
                ("v", list(DataType::Decimal128(5, 2)))
            ])),
            map(DataType::Int32, list(DataType::Utf8)),
        ]
    );
    assert_eq!(
        rows,
        json!([
            [
                "[1,2]",
                "{\"a\":1}",
                "{\"street\":\"Main\",\"Zip\":12345}",
                "[{\"k\":5,\"v\":[1.50,2.00]}]",
                "{\"7\":[\"x\",null]}"
            ],
            [null, null, null, null, null],
            [
                "[3]",
                "{\"b\":2,\"c\":null}",
                "{\"street\":null,\"Zip\":1}",
                "[]",
                "{\"8\":[]}"
            ]
        ])
    );
}

#[tokio::test]
async fn nested_types_in_casts_ctas_and_metadata() {
    let h = Harness::start().await;
    let (cols, arrow, row) = describe(
        &h,
        "SELECT CAST(array(1, 2) AS ARRAY<BIGINT>) AS a, CAST(map('k', 1) AS MAP<STRING, DOUBLE>) AS m, \
         CAST(named_struct('x', 1) AS STRUCT<x: STRING>) AS s",
    )
    .await;
    assert_eq!(
        names(&cols),
        vec![
            ("ARRAY".into(), "ARRAY<BIGINT>".into()),
            ("MAP".into(), "MAP<STRING, DOUBLE>".into()),
            ("STRUCT".into(), "STRUCT<x: STRING>".into()),
        ]
    );
    assert_eq!(
        arrow,
        vec![
            list(DataType::Int64),
            map(DataType::Utf8, DataType::Float64),
            structure(&[("x", DataType::Utf8)]),
        ]
    );
    assert_eq!(row, json!(["[1,2]", "{\"k\":1.0}", "{\"x\":\"1\"}"]));

    run_ok(
        &h,
        "CREATE TABLE typed (id INT, tags ARRAY<STRING>, attrs MAP<STRING, STRING>, \
         address STRUCT<street: STRING, city: STRING, zip: INT>)",
    )
    .await;
    run_ok(&h, "CREATE TABLE copied AS SELECT * FROM typed").await;
    let rows = h
        .json_rows(
            "SHOW COLUMNS IN CATALOG main SCHEMA LIKE 'default' TABLE LIKE 'copied'",
            json!({}),
        )
        .await;
    let types: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[4].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "INT",
            "ARRAY<STRING>",
            "MAP<STRING, STRING>",
            "STRUCT<street: STRING, city: STRING, zip: INT>"
        ]
    );
    let rows = h
        .json_rows("DESCRIBE QUERY SELECT tags, address FROM typed", json!({}))
        .await;
    assert_eq!(
        rows,
        json!([
            ["tags", "ARRAY<STRING>", null],
            [
                "address",
                "STRUCT<street: STRING, city: STRING, zip: INT>",
                null
            ]
        ])
    );
}

#[tokio::test]
async fn map_type_syntax_is_checked() {
    let h = Harness::start().await;
    let r = h.exec("CREATE TABLE bad (m MAP<STRING>)", json!({})).await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{}", r.text);
    assert_eq!(r.body["status"]["sql_state"], "42601", "{}", r.text);
}

#[tokio::test]
async fn timestamps_render_with_the_session_offset() {
    let h = Harness::start().await;
    let r = h
        .post(
            "/api/2.0/sql/sessions",
            json!({"session_confs": {"timezone": "America/Los_Angeles"}}),
        )
        .await;
    let sid = r.body["session_id"].as_str().unwrap();
    let r = h
        .exec(
            "SELECT TIMESTAMP '2021-01-01 10:00:00' AS a, TIMESTAMP '2021-06-15 12:34:56.789' AS b, CAST(NULL AS TIMESTAMP) AS c",
            json!({"session_id": sid, "disposition": "INLINE", "format": "JSON_ARRAY"}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([[
            "2021-01-01T10:00:00.000-08:00",
            "2021-06-15T12:34:56.789-07:00",
            null
        ]])
    );
    let r = h
        .exec(
            "SELECT TIMESTAMP '2021-01-01 10:00:00' AS a",
            json!({"session_id": sid, "disposition": "INLINE_OR_EXTERNAL_LINKS", "format": "ARROW_STREAM"}),
        )
        .await;
    let batches = h.collect_arrow(&r.body).await;
    assert_eq!(
        batches[0].schema().field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("America/Los_Angeles".into()))
    );
    h.succeed("SET TIME ZONE 'Asia/Tokyo'", json!({"session_id": sid}))
        .await;
    let r = h
        .exec(
            "SELECT TIMESTAMP '2021-01-01 10:00:00' AS a",
            json!({"session_id": sid, "disposition": "INLINE", "format": "JSON_ARRAY"}),
        )
        .await;
    assert_eq!(
        r.body["result"]["data_array"],
        json!([["2021-01-01T10:00:00.000+09:00"]])
    );
}

#[tokio::test]
async fn empty_select_keeps_its_schema() {
    let h = Harness::start().await;
    let r = h
        .exec(
            "SELECT id FROM range(10) WHERE id < 0",
            json!({"disposition": "INLINE_OR_EXTERNAL_LINKS", "format": "ARROW_STREAM", "result_compression": "LZ4_FRAME"}),
        )
        .await;
    let m = &r.body["manifest"];
    assert_eq!(m["schema"]["column_count"], 1);
    assert_eq!(m["total_chunk_count"], 0);
    assert_eq!(m["total_row_count"], 0);
    assert_eq!(m["total_byte_count"], 0);
    assert!(m.get("chunks").is_none());
    assert_eq!(r.body["result"], json!({}));
}
