//! Parameters are bound by the server: every type and NULL round-trips, and hostile text
//! arrives as data.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::Array;
use sluice_kernel::wire::ParameterItem;
use sluice_kernel::{Connection, ErrorCode, ExecuteOptions};

use crate::common::*;

fn named(name: &str, type_name: &str, value: Option<&str>) -> ParameterItem {
    ParameterItem {
        name: Some(name.into()),
        ordinal: None,
        type_name: Some(type_name.into()),
        value: value.map(str::to_string),
    }
}

fn positional(ordinal: u32, type_name: &str, value: Option<&str>) -> ParameterItem {
    ParameterItem {
        name: None,
        ordinal: Some(ordinal),
        type_name: Some(type_name.into()),
        value: value.map(str::to_string),
    }
}

async fn one_row(
    conn: &Connection,
    sql: &str,
    parameters: Vec<ParameterItem>,
) -> arrow_array::RecordBatch {
    let statement = conn.statement().unwrap();
    statement
        .execute(
            sql,
            ExecuteOptions {
                parameters,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let batch = statement.next_batch().await.unwrap().expect("one batch");
    assert_eq!(batch.num_rows(), 1);
    batch
}

#[tokio::test]
async fn every_parameter_type_and_null_round_trips() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let hostile = "'; DROP TABLE x; --\0 and a NUL";
    let batch = one_row(
        &conn,
        "SELECT :i AS i, :big AS big, :d AS d, :s AS s, :b AS b, :dec AS dec, :day AS day, :ts AS ts, :bin AS bin, :nothing AS nothing",
        vec![
            named("i", "INT", Some("-42")),
            named("big", "BIGINT", Some("9223372036854775807")),
            named("d", "DOUBLE", Some("2.5")),
            named("s", "STRING", Some(hostile)),
            named("b", "BOOLEAN", Some("true")),
            named("dec", "DECIMAL(10,2)", Some("12345.67")),
            named("day", "DATE", Some("2024-02-29")),
            named("ts", "TIMESTAMP", Some("2024-02-29T12:34:56.789Z")),
            named("bin", "BINARY", Some("00ff10")),
            named("nothing", "VOID", None),
        ],
    )
    .await;
    assert_eq!(batch.column(0).as_primitive::<Int32Type>().value(0), -42);
    assert_eq!(
        batch.column(1).as_primitive::<Int64Type>().value(0),
        i64::MAX
    );
    assert_eq!(batch.column(2).as_primitive::<Float64Type>().value(0), 2.5);
    assert_eq!(batch.column(3).as_string::<i32>().value(0), hostile);
    assert!(batch.column(4).as_boolean().value(0));
    let dec = batch
        .column(5)
        .as_primitive::<arrow_array::types::Decimal128Type>();
    assert_eq!((dec.value(0), dec.scale()), (1234567, 2));
    let day = batch
        .column(6)
        .as_primitive::<arrow_array::types::Date32Type>()
        .value(0);
    assert_eq!(day, 19782);
    let ts = batch
        .column(7)
        .as_primitive::<arrow_array::types::TimestampMicrosecondType>()
        .value(0);
    assert_eq!(ts, 1_709_210_096_789_000);
    assert_eq!(
        batch.column(8).as_binary::<i32>().value(0),
        &[0x00, 0xff, 0x10]
    );
    // A NULL bound as VOID comes back as Arrow's Null type, whose nulls are logical only.
    assert!(
        batch
            .column(9)
            .logical_nulls()
            .is_some_and(|n| n.is_null(0)),
        "{:?}",
        batch.column(9).data_type()
    );
    wh.shutdown().await;
}

#[tokio::test]
async fn positional_parameters_bind_in_order_and_text_is_never_spliced() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let batch = one_row(
        &conn,
        "SELECT ? AS a, ? AS b, ? AS c",
        vec![
            positional(1, "STRING", Some("first ?")),
            positional(2, "INT", Some("2")),
            positional(3, "STRING", Some(":named")),
        ],
    )
    .await;
    assert_eq!(batch.column(0).as_string::<i32>().value(0), "first ?");
    assert_eq!(batch.column(1).as_primitive::<Int32Type>().value(0), 2);
    assert_eq!(batch.column(2).as_string::<i32>().value(0), ":named");
    wh.shutdown().await;
}

#[tokio::test]
async fn a_value_that_does_not_fit_its_type_is_an_error() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let statement = conn.statement().unwrap();
    let err = statement
        .execute(
            "SELECT :n AS n",
            ExecuteOptions {
                parameters: vec![named("n", "INT", Some("not a number"))],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.code, ErrorCode::InvalidArgument | ErrorCode::SqlError),
        "{err}"
    );
    wh.shutdown().await;
}

#[tokio::test]
async fn the_sql_text_arrives_byte_identical() {
    let wh = start(base()).await;
    let conn = Connection::open(token_config(&wh)).await.unwrap();
    let sql = "SELECT 'quote '' \"double\" back\\slash\ttab \u{0} nul ✓ 🎉' AS s -- comment ; DROP TABLE x";
    wh.admin().reset_counters();
    let statement = conn.statement().unwrap();
    let _ = statement.execute(sql, ExecuteOptions::default()).await;
    assert_eq!(wh.counters().recent_statements, vec![sql.to_string()]);
    wh.shutdown().await;
}
