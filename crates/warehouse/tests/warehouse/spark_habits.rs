//! Spark SQL habits DataFusion lacks: `date_add`/`date_sub`, qualified interval literals,
//! INT-typed integer literals, integer arithmetic that fails on overflow, result aliases that
//! keep their case, and CAST_OVERFLOW for numeric casts.

use crate::common::Harness;
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use serde_json::{json, Value};

fn field(cols: &[Value], key: &str) -> Vec<String> {
    cols.iter()
        .map(|c| c[key].as_str().unwrap_or("-").to_string())
        .collect()
}

#[tokio::test]
async fn date_add_and_date_sub() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT date_add(DATE'2024-02-28', 2) AS a, date_sub(DATE'2024-03-01', 1) AS b, \
         date_add('2024-12-31', 1) AS c, date_add(DATE'2024-01-01', -1) AS d, \
         date_sub(CAST(NULL AS DATE), 1) AS e",
        )
        .await;
    assert_eq!(field(&cols, "type_name"), ["DATE"; 5]);
    assert_eq!(arrow, vec![DataType::Date32; 5]);
    assert_eq!(
        rows,
        json!([["2024-03-01", "2024-02-29", "2025-01-01", "2023-12-31", null]])
    );
    let r = h
        .exec("SELECT date_add(DATE'2024-01-01', 1.5)", json!({}))
        .await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{}", r.text);
}

#[tokio::test]
async fn qualified_interval_literals() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 02:03:04' DAY TO SECOND, \
         INTERVAL '-3 04:30:20.123' DAY TO SECOND AS neg, INTERVAL '100' YEAR AS y, \
         INTERVAL '0' DAY AS zero, INTERVAL '27:15' HOUR TO MINUTE AS hm, \
         DATE'2024-01-31' + INTERVAL '0-1' YEAR TO MONTH AS shifted",
        )
        .await;
    assert_eq!(
        field(&cols, "name")[..2],
        [
            "INTERVAL '1-2' YEAR TO MONTH",
            "INTERVAL '1 02:03:04' DAY TO SECOND"
        ]
    );
    assert_eq!(
        field(&cols, "type_text"),
        [
            "INTERVAL YEAR TO MONTH",
            "INTERVAL DAY TO SECOND",
            "INTERVAL DAY TO SECOND",
            "INTERVAL YEAR TO MONTH",
            "INTERVAL DAY TO SECOND",
            "INTERVAL DAY TO SECOND",
            "DATE"
        ]
    );
    assert_eq!(
        field(&cols, "type_interval_type"),
        [
            "YEAR TO MONTH",
            "DAY TO SECOND",
            "DAY TO SECOND",
            "YEAR TO MONTH",
            "DAY TO SECOND",
            "DAY TO SECOND",
            "-"
        ]
    );
    let year_month = DataType::Interval(IntervalUnit::YearMonth);
    let day_time = DataType::Duration(TimeUnit::Microsecond);
    assert_eq!(
        arrow,
        vec![
            year_month.clone(),
            day_time.clone(),
            day_time.clone(),
            year_month,
            day_time.clone(),
            day_time,
            DataType::Date32
        ]
    );
    assert_eq!(
        rows,
        json!([[
            "INTERVAL '1-2' YEAR TO MONTH",
            "INTERVAL '1 02:03:04' DAY TO SECOND",
            "INTERVAL '-3 04:30:20.123' DAY TO SECOND",
            "INTERVAL '100-0' YEAR TO MONTH",
            "INTERVAL '0 00:00:00' DAY TO SECOND",
            "INTERVAL '1 03:15:00' DAY TO SECOND",
            "2024-02-29"
        ]])
    );
}

#[tokio::test]
async fn integer_literals_are_int_unless_they_need_bigint() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT 1 AS one, -2147483648 AS min_int, 2147483648 AS big, 1 + 1 AS two, \
         1 + id AS widened, count(*) AS n, 65535 * 32768 AS product \
         FROM range(1) GROUP BY id ORDER BY n",
        )
        .await;
    // Arithmetic on INT literals is INT, as in Spark (overflow raises: see below).
    assert_eq!(
        field(&cols, "type_name"),
        ["INT", "INT", "LONG", "INT", "LONG", "LONG", "INT"]
    );
    assert_eq!(
        arrow,
        [
            DataType::Int32,
            DataType::Int32,
            DataType::Int64,
            DataType::Int32,
            DataType::Int64,
            DataType::Int64,
            DataType::Int32
        ]
    );
    assert_eq!(
        rows,
        json!([[
            "1",
            "-2147483648",
            "2147483648",
            "2",
            "1",
            "1",
            "2147450880"
        ]])
    );
    // As recorded from a real warehouse: both are INT.
    let (cols, _, _) = h.describe("SELECT NULL UNION (SELECT 1) ORDER BY 1").await;
    assert_eq!(field(&cols, "type_text"), ["INT"]);
    let (cols, _, _) = h
        .describe("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(id, s)")
        .await;
    assert_eq!(field(&cols, "type_text"), ["INT", "STRING"]);
    // A literal stored into a BIGINT column takes the column's type.
    h.exec("CREATE TABLE wide (v BIGINT)", json!({})).await;
    h.exec("INSERT INTO wide VALUES (1)", json!({})).await;
    let (cols, arrow, _) = h.describe("SELECT v FROM wide").await;
    assert_eq!(field(&cols, "type_text"), ["BIGINT"]);
    assert_eq!(arrow, [DataType::Int64]);
}

async fn assert_overflow(h: &Harness, sql: &str) {
    let r = h.exec(sql, json!({})).await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{sql}: {}", r.text);
    assert_eq!(r.body["status"]["sql_state"], "22003", "{sql}: {}", r.text);
    let msg = r.body["status"]["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with("[ARITHMETIC_OVERFLOW] "), "{sql}: {msg}");
    assert!(msg.ends_with(" SQLSTATE: 22003"), "{sql}: {msg}");
}

#[tokio::test]
async fn integer_arithmetic_overflow_fails() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE limits AS SELECT CAST(9223372036854775807 AS BIGINT) AS big_max, \
             CAST(-9223372036854775808 AS BIGINT) AS big_min, CAST(2147483647 AS INT) AS int_max, \
             CAST(-2147483648 AS INT) AS int_min, CAST(32767 AS SMALLINT) AS short_max, \
             CAST(127 AS TINYINT) AS byte_max",
        json!({}),
    )
    .await;
    h.exec("CREATE TABLE sink (v BIGINT)", json!({})).await;
    for sql in [
        // Literals.
        "SELECT 9223372036854775807 + 1",
        "SELECT -9223372036854775807 - 2",
        "SELECT 4611686018427387904 * 2",
        "SELECT 2147483647 + 1",
        "SELECT -2147483647 - 2",
        "SELECT 65536 * 65536",
        // Columns, in a projection.
        "SELECT big_max + 1 FROM limits",
        "SELECT big_min - 1 FROM limits",
        "SELECT big_max * 2 FROM limits",
        "SELECT -big_min FROM limits",
        "SELECT abs(big_min) FROM limits",
        "SELECT int_max + 1 FROM limits",
        "SELECT int_min - 1 FROM limits",
        "SELECT int_max * int_max FROM limits",
        "SELECT -int_min FROM limits",
        "SELECT short_max + short_max FROM limits",
        "SELECT byte_max + byte_max FROM limits",
        // Elsewhere in a query.
        "SELECT count(*) FROM limits WHERE big_max + 1 > 0",
        "SELECT sum(big_max * 2) FROM limits",
        "SELECT big_max FROM limits ORDER BY big_max + 1",
        "SELECT (SELECT max(int_max) + 1 FROM limits)",
        "INSERT INTO sink SELECT big_max + 1 FROM limits",
    ] {
        assert_overflow(&h, sql).await;
    }
    let rows = h.json_rows("SELECT count(*) FROM sink", json!({})).await;
    assert_eq!(rows, json!([["0"]]));
}

#[tokio::test]
async fn arithmetic_within_range_keeps_values_and_types() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT id + 9223372036854775806 AS near_max, -id AS neg, id * 3 - 1 AS lin, \
             CAST(id AS INT) * 2147483647 AS near_int_max, CAST(id AS SMALLINT) + CAST(1 AS SMALLINT) AS small, \
             CAST(id AS DECIMAL(10,2)) * CAST(2.5 AS DECIMAL(2,1)) AS dec, CAST(id AS DOUBLE) / 4 AS dbl, \
             DATE '2024-01-31' + INTERVAL '1' MONTH AS next_month, \
             TIMESTAMP_NTZ '2024-01-01 00:00:00' - INTERVAL '1' DAY AS prev_day \
             FROM range(2) WHERE id * 2 < 4 ORDER BY id",
        )
        .await;
    assert_eq!(
        field(&cols, "type_text"),
        [
            "BIGINT",
            "BIGINT",
            "BIGINT",
            "INT",
            "SMALLINT",
            "DECIMAL(13,3)",
            "DOUBLE",
            "DATE",
            "TIMESTAMP_NTZ"
        ]
    );
    assert_eq!(arrow[3], DataType::Int32);
    assert_eq!(arrow[4], DataType::Int16);
    assert_eq!(
        rows,
        json!([
            [
                "9223372036854775806",
                "0",
                "-1",
                "0",
                "1",
                "0.000",
                "0.0",
                "2024-02-29",
                "2023-12-31T00:00:00.000"
            ],
            [
                "9223372036854775807",
                "-1",
                "2",
                "2147483647",
                "2",
                "2.500",
                "0.25",
                "2024-02-29",
                "2023-12-31T00:00:00.000"
            ]
        ])
    );
}

#[tokio::test]
async fn integer_sum_overflow_fails() {
    let h = Harness::start().await;
    let r = h
        .exec(
            "SELECT sum(x) FROM VALUES (9223372036854775807), (1) AS t(x)",
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"]["state"], "FAILED", "{}", r.text);
    assert_eq!(r.body["status"]["sql_state"], "22003");
    assert_eq!(
        r.body["status"]["error"]["message"],
        "[ARITHMETIC_OVERFLOW] long overflow. Use 'try_add' to tolerate overflow and return NULL \
         instead. If necessary set \"ansi_mode\" to \"false\" to bypass this error. SQLSTATE: 22003"
    );
    let big = "VALUES (1, 9223372036854775807), (1, 1), (2, 5) AS t(k, x)";
    for sql in [
        "SELECT sum(x) FROM VALUES (-9223372036854775807), (-2) AS t(x)".to_string(),
        // Many rows, over partial and final aggregation.
        "SELECT sum(id + 9223372036854775000) FROM range(100000)".to_string(),
        "SELECT id % 7, sum(id + 9223372036854775000) FROM range(100000) GROUP BY 1".to_string(),
        format!("SELECT k, sum(x) FROM {big} GROUP BY k"),
        format!("SELECT sum(x) FROM {big} HAVING sum(x) > 0"),
        format!("SELECT sum(DISTINCT x) FROM {big}"),
        format!("SELECT sum(DISTINCT x), max(k), sum(k) FROM {big}"),
        format!("SELECT sum(x) OVER () FROM {big}"),
        format!("SELECT sum(x) OVER (PARTITION BY k ORDER BY x) FROM {big}"),
        format!(
            "SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM {big}"
        ),
        format!("SELECT sum(DISTINCT x) OVER (PARTITION BY k) FROM {big}"),
    ] {
        assert_overflow(&h, &sql).await;
    }
}

#[tokio::test]
async fn sum_within_range_keeps_values_and_types() {
    let h = Harness::start().await;
    let rows = h
        .json_rows(
            "SELECT id % 3, sum(id), sum(DISTINCT id % 5) FROM range(1000000) GROUP BY 1 ORDER BY 1",
            json!({}),
        )
        .await;
    assert_eq!(
        rows,
        json!([
            ["0", "166666833333", "10"],
            ["1", "166666166667", "10"],
            ["2", "166666500000", "10"]
        ])
    );
    h.succeed(
        "CREATE TABLE nums AS SELECT id AS l, CAST(id AS INT) AS i, CAST(id AS SMALLINT) AS s, \
         CAST(id AS TINYINT) AS b, CAST(id AS DECIMAL(10,2)) AS d, CAST(id AS DOUBLE) AS f \
         FROM range(100)",
        json!({}),
    )
    .await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT sum(l), sum(i), sum(s), sum(b), sum(d), sum(f), sum(DISTINCT l % 2), \
             sum(CAST(NULL AS BIGINT)), sum(CASE WHEN l < 0 THEN l END) FROM nums",
        )
        .await;
    assert_eq!(
        field(&cols, "type_text"),
        [
            "BIGINT",
            "BIGINT",
            "BIGINT",
            "BIGINT",
            "DECIMAL(20,2)",
            "DOUBLE",
            "BIGINT",
            "BIGINT",
            "BIGINT"
        ]
    );
    assert_eq!(arrow[0], DataType::Int64);
    assert_eq!(
        rows,
        json!([["4950", "4950", "4950", "4950", "4950.00", "4950.0", "1", null, null]])
    );
    let rows = h
        .json_rows(
            "SELECT i, sum(x) OVER (PARTITION BY k ORDER BY x), \
             sum(x) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), \
             sum(DISTINCT x) OVER (PARTITION BY k) \
             FROM VALUES (1, 1, 1), (2, 1, 9223372036854775806), (3, 2, NULL), (4, 2, -5), \
             (5, 2, -5) AS t(i, k, x) ORDER BY i",
            json!({}),
        )
        .await;
    let max = "9223372036854775807";
    assert_eq!(
        rows,
        json!([
            ["1", "1", "1", max],
            ["2", max, max, max],
            ["3", null, "9223372036854775806", "-5"],
            ["4", "-10", "-5", "-5"],
            ["5", "-10", "-10", "-5"]
        ])
    );
}

#[tokio::test]
async fn unquoted_aliases_keep_their_case_and_lookups_ignore_it() {
    let h = Harness::start().await;
    let (cols, _, rows) = h
        .describe(
            "SELECT 1 AS Foo, id AS MyId, 2 AS `Quoted`, 3 AS lower FROM range(2) \
         WHERE ID >= 0 ORDER BY myid DESC",
        )
        .await;
    assert_eq!(field(&cols, "name"), ["Foo", "MyId", "Quoted", "lower"]);
    assert_eq!(rows, json!([["1", "1", "2", "3"], ["1", "0", "2", "3"]]));
    h.exec("CREATE TABLE Mixed (Amount INT)", json!({})).await;
    h.exec("INSERT INTO MIXED VALUES (5)", json!({})).await;
    let (cols, _, rows) = h.describe("SELECT AMOUNT AS Total FROM mixed").await;
    assert_eq!(field(&cols, "name"), ["Total"]);
    assert_eq!(rows, json!([["5"]]));
}

#[tokio::test]
async fn interval_column_types_in_create_table() {
    let h = Harness::start().await;
    h.succeed(
        "CREATE TABLE iv (y INTERVAL YEAR, ym INTERVAL YEAR TO MONTH, d INTERVAL DAY, \
             hs INTERVAL HOUR TO SECOND, `Quoted` INTERVAL MINUTE TO SECOND) USING DELTA",
        json!({}),
    )
    .await;
    h.exec(
        "INSERT INTO iv VALUES (INTERVAL '2' YEAR, INTERVAL '1-6' YEAR TO MONTH, \
         INTERVAL '3' DAY, INTERVAL '27:15:20.456' HOUR TO SECOND, INTERVAL '0' SECOND)",
        json!({}),
    )
    .await;
    let (cols, arrow, rows) = h.describe("SELECT * FROM iv").await;
    assert_eq!(
        field(&cols, "type_interval_type"),
        [
            "YEAR TO MONTH",
            "YEAR TO MONTH",
            "DAY TO SECOND",
            "DAY TO SECOND",
            "DAY TO SECOND"
        ]
    );
    let year_month = DataType::Interval(IntervalUnit::YearMonth);
    let day_time = DataType::Duration(TimeUnit::Microsecond);
    assert_eq!(
        arrow,
        vec![
            year_month.clone(),
            year_month,
            day_time.clone(),
            day_time.clone(),
            day_time
        ]
    );
    assert_eq!(
        rows,
        json!([[
            "INTERVAL '2-0' YEAR TO MONTH",
            "INTERVAL '1-6' YEAR TO MONTH",
            "INTERVAL '3 00:00:00' DAY TO SECOND",
            "INTERVAL '1 03:15:20.456' DAY TO SECOND",
            "INTERVAL '0 00:00:00' DAY TO SECOND"
        ]])
    );
}

#[tokio::test]
async fn numeric_cast_overflow_is_cast_overflow() {
    let h = Harness::start().await;
    h.exec("CREATE TABLE big (v BIGINT)", json!({})).await;
    h.exec("INSERT INTO big VALUES (3000000000)", json!({}))
        .await;
    for sql in [
        "SELECT CAST(3000000000 AS INT)",
        "SELECT CAST(v AS INT) FROM big",
        "SELECT CAST(v AS SMALLINT) FROM big",
        "SELECT CAST(3.0e10 AS INT)",
    ] {
        let r = h.exec(sql, json!({})).await;
        let error = &r.body["status"]["error"];
        assert_eq!(r.body["status"]["state"], "FAILED", "{sql}: {}", r.text);
        assert_eq!(r.body["status"]["sql_state"], "22003", "{sql}: {}", r.text);
        let message = error["message"].as_str().unwrap();
        assert!(
            message.starts_with("[CAST_OVERFLOW] The value "),
            "{sql}: {message}"
        );
    }
    let r = h.exec("SELECT CAST(3000000000 AS INT)", json!({})).await;
    assert_eq!(
        r.body["status"]["error"]["message"],
        "[CAST_OVERFLOW] The value 3000000000L of the type \"BIGINT\" cannot be cast to \"INT\" \
         due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. \
         SQLSTATE: 22003"
    );
    let r = h.exec("SELECT CAST('abc' AS INT)", json!({})).await;
    assert_eq!(r.body["status"]["sql_state"], "22018", "{}", r.text);
    assert_eq!(
        h.json_rows("SELECT try_cast(v AS INT) FROM big", json!({}))
            .await,
        json!([[null]])
    );
}

#[tokio::test]
async fn fractional_literals_are_exact_decimals() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT 12345678901234567.89 AS lit, CAST(12345678901234567.89 AS DECIMAL(38,2)) AS wide, \
             id * 0.5 AS half, 1.5e3 AS dbl, 0.1 + 0.2 AS sum, 1.7976931348623157E308 AS max \
             FROM range(3, 4)",
        )
        .await;
    assert_eq!(
        field(&cols, "type_text"),
        [
            "DECIMAL(19,2)",
            "DECIMAL(38,2)",
            "DECIMAL(22,1)",
            "DOUBLE",
            "DECIMAL(2,1)",
            "DOUBLE"
        ]
    );
    assert_eq!(arrow[0], DataType::Decimal128(19, 2));
    assert_eq!(
        rows[0].as_array().unwrap()[..5],
        json!([
            "12345678901234567.89",
            "12345678901234567.89",
            "1.5",
            "1500.0",
            "0.3"
        ])
        .as_array()
        .unwrap()[..]
    );
    assert_eq!(rows[0][5].as_str().unwrap().parse::<f64>(), Ok(f64::MAX));
}

#[tokio::test]
async fn suffixed_numeric_literals_have_their_types() {
    let h = Harness::start().await;
    let (cols, _, rows) = h
        .describe("SELECT 1L, 2S, 3Y, 2.25D, 1.5BD, 1L + 1 AS s, 0.5F AS f")
        .await;
    assert_eq!(
        field(&cols, "type_name"),
        ["LONG", "SHORT", "BYTE", "DOUBLE", "DECIMAL", "LONG", "FLOAT"]
    );
    assert_eq!(cols[4]["type_text"], "DECIMAL(2,1)");
    assert_eq!(field(&cols, "name")[..5], ["1", "2", "3", "2.25", "1.5"]);
    assert_eq!(rows, json!([["1", "2", "3", "2.25", "1.5", "2", "0.5"]]));
}

#[tokio::test]
async fn string_literals_take_backslash_escapes() {
    let h = Harness::start().await;
    let rows = h
        .json_rows(
            r"SELECT 'it\'s', 'a\\b', length('a\\b'), 'tab\there', 'x''y'",
            json!({}),
        )
        .await;
    assert_eq!(rows, json!([["it's", r"a\b", "3", "tab\there", "x'y"]]));
}

#[tokio::test]
async fn timestamps_span_years_one_to_9999() {
    let h = Harness::start().await;
    let (cols, arrow, rows) = h
        .describe(
            "SELECT TIMESTAMP '0001-01-01 00:00:00' AS lo, TIMESTAMP '9999-12-31 23:59:59.999999' AS hi, \
             CAST('1500-06-15 12:00:00' AS TIMESTAMP) AS mid, TIMESTAMP_NTZ '0100-01-01 00:00:00' AS ntz",
        )
        .await;
    assert_eq!(
        field(&cols, "type_name"),
        ["TIMESTAMP", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP_NTZ"]
    );
    assert!(matches!(
        arrow[0],
        DataType::Timestamp(TimeUnit::Microsecond, Some(_))
    ));
    assert_eq!(rows[0][0], "0001-01-01T00:00:00.000Z");
    assert_eq!(rows[0][1], "9999-12-31T23:59:59.999Z");
    assert_eq!(rows[0][2], "1500-06-15T12:00:00.000Z");
    h.succeed("CREATE TABLE old (ts TIMESTAMP)", json!({}))
        .await;
    h.succeed(
        "INSERT INTO old VALUES (TIMESTAMP '0001-01-01 00:00:00')",
        json!({}),
    )
    .await;
    let rows = h
        .json_rows("SELECT EXTRACT(YEAR FROM ts) FROM old", json!({}))
        .await;
    assert_eq!(rows, json!([["1"]]));
}

#[tokio::test]
async fn int_parameters_stay_int_in_arithmetic() {
    let h = Harness::start().await;
    let (cols, _, _) = h.describe("SELECT 1").await;
    assert_eq!(cols[0]["type_name"], "INT");
    let r = h
        .succeed(
            "SELECT :p + 1 AS x, :p * 2 AS y",
            json!({"parameters": [{"name": "p", "value": "41", "type": "INT"}]}),
        )
        .await;
    let types: Vec<&str> = r.body["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type_name"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["INT", "INT"]);
    assert_eq!(r.body["result"]["data_array"], json!([["42", "82"]]));
}

#[tokio::test]
async fn scans_keep_row_order() {
    let h = Harness::start().await;
    let rows = h
        .json_rows(
            "SELECT id * 2 AS x, id FROM range(200000) WHERE id % 1000 = 0",
            json!({}),
        )
        .await;
    let ids: Vec<i64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[1].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 200);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    h.succeed(
        "CREATE TABLE seq AS SELECT id FROM range(100000)",
        json!({}),
    )
    .await;
    h.succeed(
        "INSERT INTO seq SELECT id + 100000 FROM range(100000)",
        json!({}),
    )
    .await;
    let (_, batches) = h.arrow("SELECT id + 0 AS id FROM seq").await;
    let mut last = -1i64;
    for b in &batches {
        let a = b
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap();
        for v in a.values() {
            assert!(*v > last, "{v} after {last}");
            last = *v;
        }
    }
    assert_eq!(last, 199_999);
}
