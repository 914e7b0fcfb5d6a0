-- npm run demo: the sluice CLI against the embedded local warehouse, one table per statement.

-- Spark range()
SELECT id, id * id AS square, id % 2 = 0 AS even FROM range(5);

-- An aggregate over range()
SELECT id % 3 AS bucket, count(*) AS n, sum(id) AS total, avg(id) AS mean
FROM range(1000) GROUP BY id % 3 ORDER BY bucket;

-- Types and NULL
SELECT CAST(9007199254740993 AS BIGINT) AS big, CAST('12345.67' AS DECIMAL(10,2)) AS price,
       DATE '2024-02-29' AS day, 'héllo' AS text, NULL AS nothing;

-- TPC-H pricing summary (samples.tpch.lineitem)
SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty
FROM samples.tpch.lineitem GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus;
