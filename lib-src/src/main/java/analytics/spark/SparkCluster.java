package analytics.spark;

import analytics.core.Backoff;
import analytics.core.ExitCode;
import analytics.core.Failures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster as the consumer's driver meets it (client mode, the driver in
 * this JVM): is the master there, does it run this driver's Spark version, can it give the
 * job an executor, and what the executors need shipped ({@link ClusterJars}). Each question
 * is answered in one line instead of Spark's own waits ("Initial job has not accepted any
 * resources", repeated without end).
 */
public final class SparkCluster {
    private SparkCluster() {
    }

    /** How long the driver waits for its first executor before it says why there is none. */
    public static final Duration EXECUTOR_WAIT = Duration.ofSeconds(45);

    /** Where the master's web UI is: its host, this port (the master's own setting's name). */
    static final String UI_PORT = "spark.master.ui.port";
    static final int DEFAULT_UI_PORT = 8080;

    private static final Pattern MASTER = Pattern.compile("spark://([^:/]+):(\\d+)/?");
    private static final Pattern VERSION =
            Pattern.compile("class=\"version[^\"]*\"[^>]*>\\s*([0-9][^<\\s]*)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Host and port of a {@code spark://HOST:PORT} master URL. */
    public record Master(String host, int port) {
        public static Master of(String url) {
            Matcher m = MASTER.matcher(url);
            if (!m.matches()) {
                throw new Failures.UserFacing(ExitCode.USAGE, "Invalid value for option "
                        + "'--master': '" + url + "' is not spark://HOST:PORT");
            }
            return new Master(m.group(1), Integer.parseInt(m.group(2)));
        }

        String url() {
            return "spark://" + host + ":" + port;
        }

        boolean loopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** What the master's web UI says: its version, and its alive workers' free resources. */
    record State(String version, int aliveWorkers, int maxFreeCores, long maxFreeMemoryMb) {
    }

    /**
     * Waits, as long as {@code attempts} allow, until the master accepts a connection; then
     * reads its web UI and refuses a cluster of another Spark version or without room for one
     * executor. A web UI that does not answer is said in one line and the run goes on (the
     * executor wait still catches a cluster that cannot serve).
     *
     * @throws Failures.UserFacing exit {@link ExitCode#UNREACHABLE}, naming the culprit
     */
    public static void await(String masterUrl, Map<String, String> conf,
                             Backoff.Attempts attempts, PrintStream err, String prefix) {
        Master master = Master.of(masterUrl);
        while (true) {
            Optional<String> failure = connect(master);
            if (failure.isEmpty()) {
                break;
            }
            Optional<Duration> wait = attempts.failed();
            if (wait.isEmpty()) {
                throw new Failures.UserFacing(ExitCode.UNREACHABLE, "Spark master at "
                        + master.url() + " not reachable " + attempts.summary() + ": "
                        + failure.get());
            }
            err.printf("%swaiting for the Spark master at %s (attempt %d: %s); retrying in %s%n",
                    prefix, master.url(), attempts.attempt(), failure.get(),
                    Backoff.format(wait.get()));
            if (!attempts.sleep(wait.get())) {
                throw new IllegalStateException("interrupted while waiting for the Spark master");
            }
        }
        String ui = uiUrl(master, conf);
        State state;
        try {
            state = state(ui);
        } catch (IOException | RuntimeException e) {
            err.println(prefix + "cannot read the Spark master's web UI at " + ui + " ("
                    + Failures.reason(e) + "): its version and free resources are not checked "
                    + "(--conf " + UI_PORT + "=N names its port)");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the Spark master's UI");
        }
        String driver = org.apache.spark.package$.MODULE$.SPARK_VERSION();
        if (state.version() != null && !state.version().equals(driver)) {
            throw new Failures.UserFacing(ExitCode.UNREACHABLE, "the Spark cluster at "
                    + master.url() + " runs Spark " + state.version() + ", this consumer Spark "
                    + driver + ": driver and cluster must run the same version (run a "
                    + driver + " cluster, or submit the job with that cluster's spark-submit)");
        }
        Optional<String> noRoom = noRoom(state, conf);
        if (noRoom.isPresent()) {
            throw new Failures.UserFacing(ExitCode.UNREACHABLE, "the Spark cluster at "
                    + master.url() + " cannot give this job an executor: " + noRoom.get());
        }
    }

    /** Why no executor fits on the cluster as the master describes it; empty when one does. */
    static Optional<String> noRoom(State s, Map<String, String> conf) {
        long needMb = memoryMb(conf.getOrDefault("spark.executor.memory", "1g"));
        int needCores = Integer.parseInt(conf.getOrDefault("spark.executor.cores", "1"));
        if (s.aliveWorkers() == 0) {
            return Optional.of("it has no alive worker (start one: ./jbang stack up "
                    + "--spark-workers N)");
        }
        if (s.maxFreeCores() < needCores || s.maxFreeMemoryMb() < needMb) {
            return Optional.of(String.format(Locale.ROOT, "an executor needs %d core%s and "
                            + "%d MB (--executor-memory), and the most any of its %d alive "
                            + "worker%s has free is %d core%s and %d MB (lower "
                            + "--executor-memory, or free or add workers)",
                    needCores, needCores == 1 ? "" : "s", needMb, s.aliveWorkers(),
                    s.aliveWorkers() == 1 ? "" : "s", s.maxFreeCores(),
                    s.maxFreeCores() == 1 ? "" : "s", s.maxFreeMemoryMb()));
        }
        return Optional.empty();
    }

    /** The executor memory of a Spark size ({@code 512m}, {@code 2g}; bare numbers are MB). */
    static long memoryMb(String size) {
        String t = size.strip().toLowerCase(Locale.ROOT).replaceAll("b$", "");
        long n = Long.parseLong(t.replaceAll("[kmgt]$", ""));
        return switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> Math.max(1, n / 1024);
            case 'g' -> n * 1024;
            case 't' -> n * 1024 * 1024;
            default -> n;
        };
    }

    private static Optional<String> connect(Master master) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(master.host(), master.port()), 3000);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e instanceof java.net.SocketTimeoutException
                    ? "no answer in time" : Failures.message(e));
        }
    }

    static String uiUrl(Master master, Map<String, String> conf) {
        return "http://" + master.host() + ":" + conf.getOrDefault(UI_PORT,
                Integer.toString(DEFAULT_UI_PORT));
    }

    /** The master's version (from its page) and its alive workers (from its JSON). */
    static State state(String ui) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String page = get(http, ui + "/");
        Matcher v = VERSION.matcher(page);
        JsonNode json = JSON.readTree(get(http, ui + "/json/"));
        int alive = 0;
        int cores = 0;
        long memory = 0;
        for (JsonNode w : json.path("workers")) {
            if (w.path("state").asText().equals("ALIVE")) {
                alive++;
                cores = Math.max(cores, w.path("coresfree").asInt());
                memory = Math.max(memory, w.path("memoryfree").asLong());
            }
        }
        return new State(v.find() ? v.group(1) : null, alive, cores, memory);
    }

    private static String get(HttpClient http, String url)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + " from " + url);
        }
        return r.body();
    }

    /**
     * Readies {@code b} for where the job runs and returns it. In local mode the driver is on
     * loopback ({@code SPARK_LOCAL_IP} wins). On a cluster, the master is awaited and checked
     * ({@link #await}), then the executors get every class and jar they need
     * ({@link #configure}). Last, the user's {@code --conf} settings, which win.
     */
    public static SparkSession.Builder target(SparkSession.Builder b,
                                              SparkSubmitOptions.Settings spark, Class<?> job,
                                              Backoff.Attempts wait, PrintStream err,
                                              String prefix) {
        if (spark.local()) {
            String ip = System.getenv().getOrDefault("SPARK_LOCAL_IP", "127.0.0.1");
            b.config("spark.driver.host", ip).config("spark.driver.bindAddress", ip);
        } else {
            await(spark.master(), spark.conf(), wait, err, prefix);
            configure(b, spark.master(), spark.conf(), spark.packages(), job, err, prefix);
        }
        spark.conf().forEach(b::config);
        return b;
    }

    /**
     * Configures a session for the cluster: the executors get the connectors (resolved from
     * Maven with their dependencies, as {@code spark-submit --packages} does) and the jar of
     * {@code mainClass} (this script and the library), unless spark-submit ships them itself;
     * the driver is reachable from the executors (loopback for a master on loopback).
     */
    public static void configure(SparkSession.Builder b, String masterUrl,
                                 Map<String, String> conf, List<String> packages,
                                 Class<?> mainClass, PrintStream err, String prefix) {
        Master master = Master.of(masterUrl);
        if (!conf.containsKey("spark.driver.host")) {
            String local = System.getenv("SPARK_LOCAL_IP");
            if (master.loopback()) {
                b.config("spark.driver.host", "127.0.0.1");
                b.config("spark.driver.bindAddress", "127.0.0.1");
            } else if (local != null && !local.isBlank()) {
                b.config("spark.driver.host", local);
            }
        }
        if (SparkSettings.underSparkSubmit()) {
            return;
        }
        List<String> jars = new ArrayList<>();
        String given = conf.get("spark.jars");
        if (given != null && !given.isBlank()) {
            jars.add(given);
        }
        jars.addAll(ClusterJars.resolve(packages, err, prefix));
        jars.add(ClusterJars.jarOf(mainClass).toString());
        b.config("spark.jars", String.join(",", jars));
    }

    /** On a cluster, waits {@link #EXECUTOR_WAIT} for the job's first executor (below). */
    public static void awaitExecutor(SparkSession session, SparkSubmitOptions.Settings spark) {
        if (!spark.local()) {
            awaitExecutor(session, spark.master(), spark.conf(), EXECUTOR_WAIT);
        }
    }

    /**
     * Waits for the job's first executor; when none comes within {@code wait}, stops the
     * context and says why (what the master offers against what the job asks).
     */
    public static void awaitExecutor(SparkSession spark, String masterUrl,
                                     Map<String, String> conf, Duration wait) {
        SparkContext sc = spark.sparkContext();
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            // The driver is one of the executors the tracker lists.
            if (sc.statusTracker().getExecutorInfos().length > 1) {
                return;
            }
            if (!Backoff.pause(Duration.ofMillis(200), () -> false)) {
                return;
            }
        }
        Master master = Master.of(masterUrl);
        String why;
        try {
            why = noRoom(state(uiUrl(master, conf)), conf).orElse("the master gave it none");
        } catch (IOException | RuntimeException e) {
            why = "the master gave it none (its web UI says why)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        spark.stop();
        throw new Failures.UserFacing(ExitCode.UNREACHABLE, "the Spark cluster at " + master.url()
                + " gave this job no executor within " + wait.toSeconds() + " s: " + why);
    }

    /** Where the session runs, for the start line: "local[2]" or "spark://h:7077 (2 executors)". */
    public static String describe(SparkSession spark) {
        SparkContext sc = spark.sparkContext();
        if (sc.isLocal()) {
            return sc.master();
        }
        int n = sc.statusTracker().getExecutorInfos().length - 1;
        return sc.master() + " (" + n + " executor" + (n == 1 ? "" : "s") + ")";
    }

    /**
     * After a stop, the tasks of the batch it interrupted are still being killed; stopping the
     * context under them makes Spark log "ERROR Exception in statusUpdate" with a stack trace.
     * Waits (bounded) until no job and no task runs.
     */
    public static void awaitNoRunningTasks(SparkSession spark, Duration atMost) {
        var tracker = spark.sparkContext().statusTracker();
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            int running = 0;
            for (var executor : tracker.getExecutorInfos()) {
                running += executor.numRunningTasks();
            }
            if (running == 0 && tracker.getActiveJobIds().length == 0) {
                return;
            }
            if (!Backoff.pause(Duration.ofMillis(50), () -> false)) {
                return;
            }
        }
    }
}
