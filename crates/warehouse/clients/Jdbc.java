// Runs the official JDBC driver (com.databricks:databricks-jdbc 3.4) against a local warehouse,
// in its default mode (Thrift first, then SEA after the KP001 rejection) and with
// UseThriftClient=0 (SEA). Prints one PASS/FAIL line per check; exits non-zero if any failed.
// Arguments: the warehouse's host, port, http path, token and CA PEM path.

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class Jdbc {
  static int failures = 0;

  public static void main(String[] a) throws Exception {
    String host = a[0], port = a[1], path = a[2], token = a[3];
    String trustStore = trustStoreFor(Path.of(a[4]));
    String base = "jdbc:databricks://" + host + ":" + port + "/default;transportMode=http;ssl=1;AuthMech=3;UID=token;PWD=" + token
        + ";httpPath=" + path + ";CheckCertRevocation=0;SSLTrustStore=" + trustStore + ";SSLTrustStorePwd=changeit;SSLTrustStoreType=JKS";
    run("default mode", base);
    run("UseThriftClient=0", base + ";UseThriftClient=0");
    System.exit(failures == 0 ? 0 : 1);
  }

  /** A JKS trust store holding the warehouse's CA, next to the PEM. */
  static String trustStoreFor(Path pem) throws Exception {
    X509Certificate ca;
    try (var in = Files.newInputStream(pem)) {
      ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(null, null);
    ks.setCertificateEntry("sluice-warehouse", ca);
    Path out = pem.resolveSibling("ca.jks");
    try (var o = Files.newOutputStream(out)) {
      ks.store(o, "changeit".toCharArray());
    }
    return out.toString();
  }

  static void run(String name, String url) {
    try (Connection c = DriverManager.getConnection(url)) {
      String detail = exercise(c);
      System.out.println("PASS jdbc " + name + ": " + detail);
    } catch (Throwable e) {
      failures++;
      System.out.println("FAIL jdbc " + name + ": " + e);
      e.printStackTrace(System.err);
    }
  }

  static String exercise(Connection c) throws Exception {
    try (Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT 1 AS one, CAST(12345678901234567.89 AS DECIMAL(38,2)) AS d")) {
        r.next();
        check(r.getInt(1) == 1 && r.getBigDecimal(2).toPlainString().equals("12345678901234567.89"), "literals");
      }
      s.execute("CREATE OR REPLACE TABLE jdbc_parent (id INT, CONSTRAINT jdbc_parent_pk PRIMARY KEY (id))");
      s.execute("CREATE OR REPLACE TABLE jdbc_child (id INT, pid INT, CONSTRAINT jdbc_child_fk FOREIGN KEY (pid) REFERENCES jdbc_parent (id))");
    }
    c.setCatalog("main");
    c.setSchema("default");
    DatabaseMetaData md = c.getMetaData();
    List<String> pk = column(md.getPrimaryKeys("main", "default", "jdbc_parent"), "COLUMN_NAME");
    check(pk.equals(List.of("id")), "getPrimaryKeys " + pk);
    List<String> fk = column(md.getImportedKeys("main", "default", "jdbc_child"), "PKTABLE_NAME");
    check(fk.equals(List.of("jdbc_parent")), "getImportedKeys " + fk);
    List<String> xref = column(md.getCrossReference("main", "default", "jdbc_parent", "main", "default", "jdbc_child"), "FK_NAME");
    check(xref.equals(List.of("jdbc_child_fk")), "getCrossReference " + xref);
    List<String> tables = column(md.getTables("samples", "tpch", "%", null), "TABLE_NAME");
    check(tables.contains("nation"), "getTables " + tables);
    List<String> cols = column(md.getColumns("samples", "tpch", "nation", "%"), "COLUMN_NAME");
    check(cols.size() == 4, "getColumns " + cols);
    List<String> fns = column(md.getFunctions("main", "default", "%"), "FUNCTION_NAME");
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE jdbc_child");
      s.execute("DROP TABLE jdbc_parent");
    }
    return "pk " + pk + ", fk " + fk + ", " + tables.size() + " tables, " + fns.size() + " functions";
  }

  static List<String> column(ResultSet r, String name) throws Exception {
    List<String> out = new ArrayList<>();
    try (r) {
      while (r.next()) out.add(r.getString(name));
    }
    return out;
  }

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }
}
