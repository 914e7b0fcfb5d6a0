//! `samples.tpch`: the eight TPC-H tables with the column names and types Databricks'
//! `samples.tpch` has, filled with deterministic pseudo-random data at a scale factor
//! (row counts follow the TPC-H ratios; the values only look like TPC-H data). The tables are
//! generated on first use, so start-up stays fast whatever the scale.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use arrow_array::{
    ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use datafusion::catalog::{MemTable, SchemaProvider, TableProvider};
use datafusion::common::{DataFusionError, Result as DfResult};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BATCH_ROWS: usize = 8192;
/// 1992-01-01 as days since the Unix epoch.
const START_DATE: i32 = 8035;
/// Order dates span 1992-01-01 .. 1998-08-02.
const DATE_SPAN: i32 = 2405;
/// 1995-06-17, TPC-H's "current date": what has shipped or arrived by then is done.
const CURRENT_DATE: i32 = START_DATE + 1263;

const NATIONS: [(&str, i64); 25] = [
    ("ALGERIA", 0),
    ("ARGENTINA", 1),
    ("BRAZIL", 1),
    ("CANADA", 1),
    ("EGYPT", 4),
    ("ETHIOPIA", 0),
    ("FRANCE", 3),
    ("GERMANY", 3),
    ("INDIA", 2),
    ("INDONESIA", 2),
    ("IRAN", 4),
    ("IRAQ", 4),
    ("JAPAN", 2),
    ("JORDAN", 4),
    ("KENYA", 0),
    ("MOROCCO", 0),
    ("MOZAMBIQUE", 0),
    ("PERU", 1),
    ("CHINA", 2),
    ("ROMANIA", 3),
    ("SAUDI ARABIA", 4),
    ("VIETNAM", 2),
    ("RUSSIA", 3),
    ("UNITED KINGDOM", 3),
    ("UNITED STATES", 1),
];
const REGIONS: [&str; 5] = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"];
const SEGMENTS: [&str; 5] = [
    "AUTOMOBILE",
    "BUILDING",
    "FURNITURE",
    "HOUSEHOLD",
    "MACHINERY",
];
const PRIORITIES: [&str; 5] = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"];
const INSTRUCTIONS: [&str; 4] = [
    "DELIVER IN PERSON",
    "COLLECT COD",
    "NONE",
    "TAKE BACK RETURN",
];
const MODES: [&str; 7] = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"];
const CONTAINERS: [&str; 8] = [
    "SM CASE",
    "SM BOX",
    "MED BAG",
    "MED BOX",
    "LG CASE",
    "LG BOX",
    "JUMBO PACK",
    "WRAP CASE",
];
const TYPES: [&str; 6] = [
    "STANDARD ANODIZED TIN",
    "SMALL PLATED BRASS",
    "MEDIUM BURNISHED COPPER",
    "LARGE BRUSHED STEEL",
    "ECONOMY POLISHED NICKEL",
    "PROMO BRUSHED TIN",
];
const COLORS: [&str; 10] = [
    "almond", "azure", "blush", "coral", "forest", "ivory", "lemon", "navy", "plum", "sienna",
];
const WORDS: [&str; 16] = [
    "furiously",
    "carefully",
    "quickly",
    "blithely",
    "final",
    "special",
    "regular",
    "pending",
    "ironic",
    "express",
    "deposits",
    "packages",
    "requests",
    "accounts",
    "theodolites",
    "pinto beans",
];

/// Column values under construction.
enum Values {
    Long(Vec<i64>),
    Int(Vec<i32>),
    Money(Vec<i128>),
    Date(Vec<i32>),
    Text(Vec<String>),
}

impl Values {
    fn data_type(&self) -> DataType {
        match self {
            Values::Long(_) => DataType::Int64,
            Values::Int(_) => DataType::Int32,
            Values::Money(_) => DataType::Decimal128(18, 2),
            Values::Date(_) => DataType::Date32,
            Values::Text(_) => DataType::Utf8,
        }
    }

    fn into_array(self) -> Result<ArrayRef, String> {
        Ok(match self {
            Values::Long(v) => Arc::new(Int64Array::from(v)),
            Values::Int(v) => Arc::new(Int32Array::from(v)),
            Values::Money(v) => Arc::new(
                Decimal128Array::from(v)
                    .with_precision_and_scale(18, 2)
                    .map_err(|e| e.to_string())?,
            ),
            Values::Date(v) => Arc::new(Date32Array::from(v)),
            Values::Text(v) => Arc::new(StringArray::from(v)),
        })
    }
}

type Tables = HashMap<String, Arc<dyn TableProvider>>;

const NAMES: [&str; 8] = [
    "customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier",
];

/// The `samples.tpch` schema; generates every table on the first lookup.
#[derive(Debug)]
pub struct TpchSchema {
    scale: f64,
    tables: OnceLock<Result<Tables, String>>,
}

impl TpchSchema {
    pub fn new(scale: f64) -> Self {
        Self {
            scale,
            tables: OnceLock::new(),
        }
    }

    fn tables(&self) -> Result<&Tables, DataFusionError> {
        self.tables
            .get_or_init(|| generate(self.scale))
            .as_ref()
            .map_err(|e| DataFusionError::Execution(format!("samples.tpch: {e}")))
    }
}

impl SchemaProvider for TpchSchema {
    fn table_names(&self) -> Vec<String> {
        NAMES.iter().map(|n| n.to_string()).collect()
    }

    fn table<'a, 'b, 'c>(
        &'a self,
        name: &'b str,
    ) -> Pin<Box<dyn Future<Output = DfResult<Option<Arc<dyn TableProvider>>>> + Send + 'c>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            if !self.table_exist(name) {
                return Ok(None);
            }
            Ok(self.tables()?.get(name).cloned())
        })
    }

    fn table_exist(&self, name: &str) -> bool {
        NAMES.contains(&name)
    }
}

fn table(out: &mut Tables, name: &str, cols: Vec<(&str, Values)>) -> Result<(), String> {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, v)| Field::new(*n, v.data_type(), true))
        .collect();
    let arrow_schema = Arc::new(Schema::new(fields));
    let arrays = cols
        .into_iter()
        .map(|(_, v)| v.into_array())
        .collect::<Result<Vec<_>, _>>()?;
    let all = RecordBatch::try_new(arrow_schema.clone(), arrays).map_err(|e| e.to_string())?;
    let batches: Vec<RecordBatch> = (0..all.num_rows())
        .step_by(BATCH_ROWS)
        .map(|off| all.slice(off, BATCH_ROWS.min(all.num_rows() - off)))
        .collect();
    let mem = MemTable::try_new(arrow_schema, vec![batches]).map_err(|e| e.to_string())?;
    out.insert(name.to_string(), Arc::new(mem));
    Ok(())
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn comment(rng: &mut StdRng) -> String {
    let n = rng.random_range(3..8);
    (0..n)
        .map(|_| pick(rng, &WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn phone(rng: &mut StdRng, nation: i64) -> String {
    format!(
        "{}-{}-{}-{}",
        nation + 10,
        rng.random_range(100..1000),
        rng.random_range(100..1000),
        rng.random_range(1000..10000)
    )
}

fn scaled(base: f64, scale: f64) -> usize {
    ((base * scale).round() as usize).max(1)
}

fn generate(scale: f64) -> Result<Tables, String> {
    let mut out = Tables::new();
    let schema = &mut out;
    let mut rng = StdRng::seed_from_u64(19920101);
    let customers = scaled(150_000.0, scale);
    let parts = scaled(200_000.0, scale);
    let suppliers = scaled(10_000.0, scale);
    let orders = scaled(1_500_000.0, scale);

    table(
        schema,
        "region",
        vec![
            ("r_regionkey", Values::Long((0..5).collect())),
            (
                "r_name",
                Values::Text(REGIONS.iter().map(|s| s.to_string()).collect()),
            ),
            (
                "r_comment",
                Values::Text((0..5).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;
    table(
        schema,
        "nation",
        vec![
            ("n_nationkey", Values::Long((0..25).collect())),
            (
                "n_name",
                Values::Text(NATIONS.iter().map(|(n, _)| n.to_string()).collect()),
            ),
            (
                "n_regionkey",
                Values::Long(NATIONS.iter().map(|(_, r)| *r).collect()),
            ),
            (
                "n_comment",
                Values::Text((0..25).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;

    let sup_nation: Vec<i64> = (0..suppliers).map(|_| rng.random_range(0..25)).collect();
    table(
        schema,
        "supplier",
        vec![
            ("s_suppkey", Values::Long((1..=suppliers as i64).collect())),
            (
                "s_name",
                Values::Text(
                    (1..=suppliers)
                        .map(|i| format!("Supplier#{i:09}"))
                        .collect(),
                ),
            ),
            (
                "s_address",
                Values::Text((0..suppliers).map(|_| comment(&mut rng)).collect()),
            ),
            ("s_nationkey", Values::Long(sup_nation.clone())),
            (
                "s_phone",
                Values::Text(sup_nation.iter().map(|n| phone(&mut rng, *n)).collect()),
            ),
            (
                "s_acctbal",
                Values::Money(
                    (0..suppliers)
                        .map(|_| rng.random_range(-99_999..1_000_000))
                        .collect(),
                ),
            ),
            (
                "s_comment",
                Values::Text((0..suppliers).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;

    let cust_nation: Vec<i64> = (0..customers).map(|_| rng.random_range(0..25)).collect();
    table(
        schema,
        "customer",
        vec![
            ("c_custkey", Values::Long((1..=customers as i64).collect())),
            (
                "c_name",
                Values::Text(
                    (1..=customers)
                        .map(|i| format!("Customer#{i:09}"))
                        .collect(),
                ),
            ),
            (
                "c_address",
                Values::Text((0..customers).map(|_| comment(&mut rng)).collect()),
            ),
            ("c_nationkey", Values::Long(cust_nation.clone())),
            (
                "c_phone",
                Values::Text(cust_nation.iter().map(|n| phone(&mut rng, *n)).collect()),
            ),
            (
                "c_acctbal",
                Values::Money(
                    (0..customers)
                        .map(|_| rng.random_range(-99_999..1_000_000))
                        .collect(),
                ),
            ),
            (
                "c_mktsegment",
                Values::Text(
                    (0..customers)
                        .map(|_| pick(&mut rng, &SEGMENTS).to_string())
                        .collect(),
                ),
            ),
            (
                "c_comment",
                Values::Text((0..customers).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;

    let prices: Vec<i128> = (1..=parts as i128)
        .map(|k| 90_000 + (k / 10) % 20_001 + 100 * (k % 1_000))
        .collect();
    table(
        schema,
        "part",
        vec![
            ("p_partkey", Values::Long((1..=parts as i64).collect())),
            (
                "p_name",
                Values::Text(
                    (0..parts)
                        .map(|_| format!("{} {}", pick(&mut rng, &COLORS), pick(&mut rng, &COLORS)))
                        .collect(),
                ),
            ),
            (
                "p_mfgr",
                Values::Text(
                    (0..parts)
                        .map(|_| format!("Manufacturer#{}", rng.random_range(1..6)))
                        .collect(),
                ),
            ),
            (
                "p_brand",
                Values::Text(
                    (0..parts)
                        .map(|_| {
                            format!("Brand#{}{}", rng.random_range(1..6), rng.random_range(1..6))
                        })
                        .collect(),
                ),
            ),
            (
                "p_type",
                Values::Text(
                    (0..parts)
                        .map(|_| pick(&mut rng, &TYPES).to_string())
                        .collect(),
                ),
            ),
            (
                "p_size",
                Values::Int((0..parts).map(|_| rng.random_range(1..51)).collect()),
            ),
            (
                "p_container",
                Values::Text(
                    (0..parts)
                        .map(|_| pick(&mut rng, &CONTAINERS).to_string())
                        .collect(),
                ),
            ),
            ("p_retailprice", Values::Money(prices.clone())),
            (
                "p_comment",
                Values::Text((0..parts).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;

    let ps_rows = parts * 4;
    table(
        schema,
        "partsupp",
        vec![
            (
                "ps_partkey",
                Values::Long((0..ps_rows).map(|i| (i / 4 + 1) as i64).collect()),
            ),
            (
                "ps_suppkey",
                Values::Long(
                    (0..ps_rows)
                        .map(|i| ((i / 4 + i % 4 * (suppliers / 4 + 1)) % suppliers + 1) as i64)
                        .collect(),
                ),
            ),
            (
                "ps_availqty",
                Values::Int((0..ps_rows).map(|_| rng.random_range(1..10_000)).collect()),
            ),
            (
                "ps_supplycost",
                Values::Money(
                    (0..ps_rows)
                        .map(|_| rng.random_range(100..100_001))
                        .collect(),
                ),
            ),
            (
                "ps_comment",
                Values::Text((0..ps_rows).map(|_| comment(&mut rng)).collect()),
            ),
        ],
    )?;

    let mut o = OrderCols::default();
    let mut l = LineCols::default();
    for i in 0..orders {
        let key = (i / 8 * 32 + i % 8 + 1) as i64;
        let date = START_DATE + rng.random_range(0..DATE_SPAN - 151);
        let lines = rng.random_range(1..8);
        let mut total = 0i128;
        let mut shipped = 0;
        for n in 1..=lines {
            let part = rng.random_range(1..=parts as i64);
            let qty: i128 = rng.random_range(1..51);
            let price = qty * prices[(part - 1) as usize];
            let discount: i128 = rng.random_range(0..11);
            let tax: i128 = rng.random_range(0..9);
            total += price * (100 - discount) / 100 * (100 + tax) / 100;
            let ship = date + rng.random_range(1..122);
            let receipt = ship + rng.random_range(1..31);
            // TPC-H: a line is finished (F) once shipped by the current date, and returned (R or
            // A) only once received by then; lines shipped but still in transit are N/F.
            let finished = ship <= CURRENT_DATE;
            let received = receipt <= CURRENT_DATE;
            shipped += finished as usize;
            l.orderkey.push(key);
            l.partkey.push(part);
            l.suppkey.push(rng.random_range(1..=suppliers as i64));
            l.linenumber.push(n);
            l.quantity.push(qty * 100);
            l.price.push(price);
            l.discount.push(discount);
            l.tax.push(tax);
            l.returnflag.push(
                if received {
                    pick(&mut rng, &["R", "A"])
                } else {
                    "N"
                }
                .to_string(),
            );
            l.linestatus
                .push(if finished { "F" } else { "O" }.to_string());
            l.shipdate.push(ship);
            l.commitdate.push(date + rng.random_range(30..91));
            l.receiptdate.push(receipt);
            l.instruct.push(pick(&mut rng, &INSTRUCTIONS).to_string());
            l.mode.push(pick(&mut rng, &MODES).to_string());
            l.comment.push(comment(&mut rng));
        }
        o.key.push(key);
        o.cust.push(rng.random_range(1..=customers as i64));
        o.status.push(
            match shipped {
                s if s == lines as usize => "F",
                0 => "O",
                _ => "P",
            }
            .to_string(),
        );
        o.total.push(total);
        o.date.push(date);
        o.priority.push(pick(&mut rng, &PRIORITIES).to_string());
        o.clerk.push(format!(
            "Clerk#{:09}",
            rng.random_range(1..=(scaled(1000.0, scale) as i64))
        ));
        o.comment.push(comment(&mut rng));
    }
    let n_orders = o.key.len();
    table(
        schema,
        "orders",
        vec![
            ("o_orderkey", Values::Long(o.key)),
            ("o_custkey", Values::Long(o.cust)),
            ("o_orderstatus", Values::Text(o.status)),
            ("o_totalprice", Values::Money(o.total)),
            ("o_orderdate", Values::Date(o.date)),
            ("o_orderpriority", Values::Text(o.priority)),
            ("o_clerk", Values::Text(o.clerk)),
            ("o_shippriority", Values::Int(vec![0; n_orders])),
            ("o_comment", Values::Text(o.comment)),
        ],
    )?;
    table(
        schema,
        "lineitem",
        vec![
            ("l_orderkey", Values::Long(l.orderkey)),
            ("l_partkey", Values::Long(l.partkey)),
            ("l_suppkey", Values::Long(l.suppkey)),
            ("l_linenumber", Values::Int(l.linenumber)),
            ("l_quantity", Values::Money(l.quantity)),
            ("l_extendedprice", Values::Money(l.price)),
            ("l_discount", Values::Money(l.discount)),
            ("l_tax", Values::Money(l.tax)),
            ("l_returnflag", Values::Text(l.returnflag)),
            ("l_linestatus", Values::Text(l.linestatus)),
            ("l_shipdate", Values::Date(l.shipdate)),
            ("l_commitdate", Values::Date(l.commitdate)),
            ("l_receiptdate", Values::Date(l.receiptdate)),
            ("l_shipinstruct", Values::Text(l.instruct)),
            ("l_shipmode", Values::Text(l.mode)),
            ("l_comment", Values::Text(l.comment)),
        ],
    )?;
    Ok(out)
}

#[derive(Default)]
struct OrderCols {
    key: Vec<i64>,
    cust: Vec<i64>,
    status: Vec<String>,
    total: Vec<i128>,
    date: Vec<i32>,
    priority: Vec<String>,
    clerk: Vec<String>,
    comment: Vec<String>,
}

#[derive(Default)]
struct LineCols {
    orderkey: Vec<i64>,
    partkey: Vec<i64>,
    suppkey: Vec<i64>,
    linenumber: Vec<i32>,
    quantity: Vec<i128>,
    price: Vec<i128>,
    discount: Vec<i128>,
    tax: Vec<i128>,
    returnflag: Vec<String>,
    linestatus: Vec<String>,
    shipdate: Vec<i32>,
    commitdate: Vec<i32>,
    receiptdate: Vec<i32>,
    instruct: Vec<String>,
    mode: Vec<String>,
    comment: Vec<String>,
}
