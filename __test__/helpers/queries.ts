/** Queries more than one test file reads. */

/**
 * Many types with NULLs mixed in, nested ones too, one row per id below `rows`, in id order.
 * `day` is 2000-01-01 plus `id % 10000` days.
 */
export function mixedRows(rows: number): string {
  return `SELECT id,
  CASE WHEN id % 7 = 0 THEN NULL ELSE CAST(id % 100 AS TINYINT) END AS tiny,
  CASE WHEN id % 11 = 0 THEN NULL ELSE id * 1000003 END AS big,
  CAST(id AS DOUBLE) / 3 AS ratio,
  CASE WHEN id % 5 = 0 THEN NULL ELSE CAST(id AS DECIMAL(20,4)) / 7 END AS dec,
  CASE WHEN id % 3 = 0 THEN NULL ELSE concat('row-', CAST(id AS STRING)) END AS label,
  id % 2 = 0 AS even,
  DATE '2000-01-01' + CAST(id % 10000 AS INT) AS day,
  TIMESTAMP '2024-02-29 12:34:56.789123' AS ts,
  X'00FF10' AS bin,
  CASE WHEN id % 4 = 0 THEN NULL ELSE make_array(id, NULL, id + 1) END AS arr,
  MAP('k', id, 'n', NULL) AS m,
  NAMED_STRUCT('n', id, 's', CASE WHEN id % 6 = 0 THEN NULL ELSE CAST(id AS STRING) END) AS st,
  INTERVAL '1 02:03:04.567891' DAY TO SECOND AS dts,
  CAST(NULL AS INT) AS nothing
  FROM range(${rows}) ORDER BY id`;
}
