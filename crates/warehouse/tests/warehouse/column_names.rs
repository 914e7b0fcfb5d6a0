//! Result columns of unaliased SELECT items are named as Spark names them (`(1 + 1)`, not
//! DataFusion's `Int64(1) + Int64(1)`), while the rest of the query still resolves as before.

use crate::common::{column_names, Harness};
use serde_json::json;

async fn names(h: &Harness, sql: &str) -> Vec<String> {
    let r = h.exec(sql, json!({})).await;
    assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{sql}: {}", r.text);
    column_names(&r.body)
        .into_iter()
        .map(str::to_string)
        .collect()
}

async fn with_table() -> Harness {
    let h = Harness::start().await;
    for sql in [
        "CREATE TABLE t (x INT, a INT, b INT, name STRING)",
        "INSERT INTO t VALUES (1, 1, 1, 'ann'), (2, 3, 4, 'bob'), (NULL, 5, 5, NULL)",
    ] {
        let r = h.exec(sql, json!({})).await;
        assert_eq!(r.body["status"]["state"], "SUCCEEDED", "{sql}: {}", r.text);
    }
    h
}

#[tokio::test]
async fn literals() {
    let h = Harness::start().await;
    assert_eq!(
        names(
            &h,
            "SELECT 1, 'abc', NULL, true, false, 1.50, .5, 3000000000, -1, DATE '2024-1-1'"
        )
        .await,
        [
            "1",
            "abc",
            "NULL",
            "true",
            "false",
            "1.50",
            "0.5",
            "3000000000",
            "-1",
            "DATE '2024-01-01'"
        ]
    );
    // As recorded from Databricks.
    assert_eq!(
        names(&h, "SELECT CAST(NULL AS DOUBLE)").await,
        ["CAST(NULL AS DOUBLE)"]
    );
    assert_eq!(
        names(&h, "SELECT NULL UNION (SELECT 1) order by 1").await,
        ["NULL"]
    );
}

#[tokio::test]
async fn operators_are_parenthesised() {
    let h = with_table().await;
    assert_eq!(
        names(
            &h,
            "SELECT 1 + 1, x * 2, -x, x IS NULL, x IS NOT NULL, a = b, a < b, a >= b, \
             a = 1 AND b = 1, a = 1 OR NOT b = 1, a != b, (a + 1) * 2, x IN (1, 2), name || 'z' \
             FROM t"
        )
        .await,
        [
            "(1 + 1)",
            "(x * 2)",
            "(- x)",
            "(x IS NULL)",
            "(x IS NOT NULL)",
            "(a = b)",
            "(a < b)",
            "(a >= b)",
            "((a = 1) AND (b = 1))",
            "((a = 1) OR (NOT (b = 1)))",
            "(NOT (a = b))",
            "((a + 1) * 2)",
            "(x IN (1, 2))",
            "concat(name, z)"
        ]
    );
}

#[tokio::test]
async fn functions_columns_and_casts() {
    let h = with_table().await;
    assert_eq!(
        names(
            &h,
            "SELECT count(*), COUNT(x), sum(t.x), count(DISTINCT a), max(UPPER(name)) FROM t"
        )
        .await,
        [
            "count(1)",
            "count(x)",
            "sum(x)",
            "count(DISTINCT a)",
            "max(upper(name))"
        ]
    );
    assert_eq!(
        names(
            &h,
            "SELECT UPPER(name), CAST(x AS INT), CAST(x AS BIGINT), x::STRING, \
             CAST(a AS DECIMAL(10, 2)), t.a, name FROM t"
        )
        .await,
        [
            "upper(name)",
            "CAST(x AS INT)",
            "CAST(x AS BIGINT)",
            "CAST(x AS STRING)",
            "CAST(a AS DECIMAL(10,2))",
            "a",
            "name"
        ]
    );
    assert_eq!(
        names(&h, "SELECT current_date(), coalesce(x, 0) FROM t").await,
        ["current_date()", "coalesce(x, 0)"]
    );
}

#[tokio::test]
async fn case_like_and_typed_literals() {
    let h = with_table().await;
    assert_eq!(
        names(
            &h,
            "SELECT CASE WHEN x > 1 THEN 1 ELSE 0 END, CASE WHEN x = 1 THEN 'one' WHEN x = 2 \
             THEN 'two' END, CASE x WHEN 1 THEN 'a' ELSE 'b' END, name LIKE 'a%', \
             name NOT LIKE 'a%' FROM t"
        )
        .await,
        [
            "CASE WHEN (x > 1) THEN 1 ELSE 0 END",
            "CASE WHEN (x = 1) THEN one WHEN (x = 2) THEN two END",
            "CASE WHEN (x = 1) THEN a ELSE b END",
            "name LIKE a%",
            "(NOT name LIKE a%)"
        ]
    );
    assert_eq!(
        names(
            &h,
            "SELECT 1e3, 1.5E2, 2.5e-3, 1e7, 1.5e-4, 12345e20, TIMESTAMP '2024-01-01 00:00:00', \
             TIMESTAMP '2024-01-02', CAST(name AS VARCHAR(10)), CAST(name AS CHAR(3)) FROM t"
        )
        .await,
        [
            "1000.0",
            "150.0",
            "0.0025",
            "1.0E7",
            "1.5E-4",
            "1.2345E24",
            "TIMESTAMP '2024-01-01 00:00:00'",
            "TIMESTAMP '2024-01-02 00:00:00'",
            "CAST(name AS STRING)",
            "CAST(name AS STRING)"
        ]
    );
}

#[tokio::test]
async fn repeated_names_are_allowed() {
    let h = with_table().await;
    let r = h
        .succeed(
            "SELECT 1, 1, x, x, a AS y, b AS y FROM t ORDER BY a",
            json!({}),
        )
        .await;
    assert_eq!(column_names(&r.body), ["1", "1", "x", "x", "y", "y"]);
    assert_eq!(
        r.body["result"]["data_array"][1],
        json!(["1", "1", "2", "2", "3", "4"])
    );
    assert_eq!(
        names(&h, "SELECT 1, 1 UNION ALL SELECT 2, 2").await,
        ["1", "1"]
    );
}

#[tokio::test]
async fn queries_still_resolve_around_the_names() {
    let h = with_table().await;
    assert_eq!(
        h.json_rows(
            "SELECT a + b, count(*) FROM t GROUP BY a + b ORDER BY a + b DESC",
            json!({})
        )
        .await,
        json!([["10", "1"], ["7", "1"], ["2", "1"]])
    );
    assert_eq!(
        names(
            &h,
            "SELECT a + b, count(*) FROM t GROUP BY a + b ORDER BY 1"
        )
        .await,
        ["(a + b)", "count(1)"]
    );
    assert_eq!(
        h.json_rows(
            "WITH c AS (SELECT a + 1 AS n FROM t) SELECT n * 2 FROM c ORDER BY n * 2",
            json!({})
        )
        .await,
        json!([["4"], ["8"], ["12"]])
    );
    assert_eq!(
        names(&h, "WITH c AS (SELECT a + 1 FROM t) SELECT * FROM c")
            .await
            .len(),
        1
    );
    assert_eq!(
        names(
            &h,
            "SELECT * FROM (SELECT a, a + 1 AS n FROM t) s WHERE n > 2"
        )
        .await,
        ["a", "n"]
    );
    assert_eq!(
        names(&h, "SELECT x + 1 FROM t UNION SELECT a FROM t ORDER BY 1").await,
        ["(x + 1)"]
    );
    assert_eq!(
        names(&h, "SELECT *, a * 2 FROM t").await,
        ["x", "a", "b", "name", "(a * 2)"]
    );
    assert_eq!(
        names(&h, "SELECT (SELECT max(a) FROM t) + 1, sum(a) FROM t").await[1],
        "sum(a)"
    );
}

#[tokio::test]
async fn parameters_inserts_and_describe() {
    let h = with_table().await;
    h.succeed(
        "SELECT a + :p FROM t WHERE a = :p",
        json!({"parameters": [{"name": "p", "value": "1", "type": "INT"}]}),
    )
    .await;
    h.succeed(
        "INSERT INTO t SELECT a + 1, 1, 1, upper(name) FROM t",
        json!({}),
    )
    .await;
    let described = h
        .json_rows("DESCRIBE QUERY SELECT 1 + 1, a AS Big FROM t", json!({}))
        .await;
    assert_eq!(described[0][0], "(1 + 1)");
    assert_eq!(described[1][0], "Big");
}

#[tokio::test]
async fn create_table_as_select_names_columns_the_same_way() {
    let h = with_table().await;
    h.succeed(
        "CREATE TABLE c AS SELECT a + 1, upper(name), x FROM t",
        json!({}),
    )
    .await;
    assert_eq!(
        names(&h, "SELECT * FROM c").await,
        ["(a + 1)", "upper(name)", "x"]
    );
    assert_eq!(
        h.json_rows("SELECT `(a + 1)` FROM c WHERE x = 2", json!({}))
            .await,
        json!([["4"]])
    );
}
