package analytics.stack;

import java.io.IOException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark driver for the cluster tests, run as a process of its own: it counts on the cluster's
 * executors (SQL expressions only, so the executors need no class of ours), prints
 * {@code counted N groups}, then holds its executors until its stdin closes.
 *
 * <p>Usage: {@code java ... analytics.stack.SparkProbeJob spark://HOST:PORT MAX_CORES}
 */
public final class SparkProbeJob {
    private SparkProbeJob() {
    }

    public static void main(String[] args) throws IOException {
        SparkSession spark = SparkSession.builder()
                .master(args[0])
                .appName("stack-probe")
                // The executors reach the driver on loopback, where the cluster runs.
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                // Half a 1 GB worker each: one executor per worker.
                .config("spark.executor.memory", "512m")
                .config("spark.cores.max", args[1])
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        // Four tasks and a shuffle: every executor gets work.
        Row[] groups = (Row[]) spark.range(0, 100_000, 1, 4).selectExpr("id % 7 as k")
                .groupBy("k").count().collect();
        System.out.println("counted " + groups.length + " groups");
        System.out.flush();
        while (System.in.read() >= 0) {
            // Holds the executors until the test closes stdin or stops this process.
        }
        spark.stop();
    }
}
