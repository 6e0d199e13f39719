package analytics.testkit;

import analytics.core.Defaults;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real local cluster for tests: {@code ./jbang stack up --kafka-nodes N --spark-workers W}
 * on a storage folder and free ports of its own (no Mongo server: take the one of the
 * {@link TestStack}). Every Kafka node, the Spark master, each worker and each executor is a
 * process of its own; a test may {@code kill -9} any of them and bring them back with
 * {@link #up()}. {@link #close()} stops everything, whatever happened.
 *
 * <pre>{@code
 * try (TestCluster cluster = TestCluster.builder().kafkaNodes(3).sparkWorkers(2)
 *         .storage(tmp.resolve("cluster")).start()) {
 *     String brokers = cluster.bootstrap();          // localhost:P1,localhost:P2,localhost:P3
 *     String master = cluster.sparkMaster();         // spark://127.0.0.1:P
 *     cluster.kill(cluster.kafkaPid(2));             // kill -9 of node 2
 *     cluster.up();                                  // node 2 back, caught up
 *     int added = cluster.addWorker();               // worker 3 joins the running cluster
 *     cluster.stopWorker(1);                         // worker 1 and its executors stop
 * }
 * }</pre>
 */
public final class TestCluster implements AutoCloseable {
    /** One core per worker, a small heap: the cluster shares the machine with the tests. */
    public static final class Builder {
        private int kafkaNodes = 3;
        private int sparkWorkers = 2;
        private int maxWorkers = 4;
        private int workerCores = 1;
        private String workerMemory = "1g";
        private String sparkVersion = Defaults.SPARK_VERSION;
        private Path storage;
        private Duration timeout = Duration.ofMinutes(5);

        public Builder kafkaNodes(int n) {
            kafkaNodes = n;
            return this;
        }

        /** Workers at start; 0 for Kafka alone. */
        public Builder sparkWorkers(int n) {
            sparkWorkers = n;
            return this;
        }

        /** How many workers {@link #addWorker} may reach (web UI ports are reserved). */
        public Builder maxWorkers(int n) {
            maxWorkers = n;
            return this;
        }

        public Builder workerCores(int n) {
            workerCores = n;
            return this;
        }

        /** Spark's notation: 512m, 1g. */
        public Builder workerMemory(String memory) {
            workerMemory = memory;
            return this;
        }

        /** The master's and workers' Spark (default: the consumer's). */
        public Builder sparkVersion(String version) {
            sparkVersion = version;
            return this;
        }

        /** The cluster's storage folder (required: a test's own temporary folder). */
        public Builder storage(Path dir) {
            storage = dir;
            return this;
        }

        /** Longest wait of each {@code up} (default 5 minutes: a loaded 2-core machine). */
        public Builder timeout(Duration t) {
            timeout = t;
            return this;
        }

        /** Runs {@code stack up}; fails with its output (after stopping what it started). */
        public TestCluster start() {
            if (storage == null) {
                throw new IllegalStateException("TestCluster needs storage(dir)");
            }
            TestCluster cluster = new TestCluster(this);
            Scripts.Result up = cluster.up();
            if (up.exitCode() != 0) {
                cluster.close();
                throw new IllegalStateException("stack up failed\n" + up.output());
            }
            return cluster;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Builder b;
    private final int[] kafkaPorts;
    private final int[] controllerPorts;
    private final int masterPort;
    private final int uiPort;
    private final int[] workerUiPorts;
    private int workers;
    /** Output of the last {@link #up()}, for assertion messages. */
    private volatile Scripts.Result lastUp;

    private TestCluster(Builder b) {
        this.b = b;
        int[] ports = Ports.free(2 * b.kafkaNodes + 2 + b.maxWorkers);
        kafkaPorts = Arrays.copyOfRange(ports, 0, b.kafkaNodes);
        controllerPorts = Arrays.copyOfRange(ports, b.kafkaNodes, 2 * b.kafkaNodes);
        masterPort = ports[2 * b.kafkaNodes];
        uiPort = ports[2 * b.kafkaNodes + 1];
        workerUiPorts = Arrays.copyOfRange(ports, 2 * b.kafkaNodes + 2, ports.length);
        workers = b.sparkWorkers;
    }

    // --- where it is ---------------------------------------------------------------------

    /** The Kafka bootstrap servers, all nodes: {@code localhost:P1,localhost:P2,...}. */
    public String bootstrap() {
        return IntStream.of(kafkaPorts).mapToObj(p -> "localhost:" + p)
                .collect(Collectors.joining(","));
    }

    /** Node {@code node}'s own address (1-based). */
    public String kafkaAddress(int node) {
        return "localhost:" + kafkaPorts[node - 1];
    }

    public String sparkMaster() {
        return "spark://127.0.0.1:" + masterPort;
    }

    public String masterUi() {
        return "http://127.0.0.1:" + uiPort;
    }

    public String workerUi(int worker) {
        return "http://127.0.0.1:" + workerUiPorts[worker - 1];
    }

    public Path storage() {
        return b.storage;
    }

    public int kafkaNodes() {
        return b.kafkaNodes;
    }

    /** Workers this cluster is meant to have now (started, added, stopped or killed). */
    public int workers() {
        return workers;
    }

    public Scripts.Result lastUp() {
        return lastUp;
    }

    // --- processes -----------------------------------------------------------------------

    /** Node {@code node}'s pid as the stack recorded it (it may have been killed since). */
    public long kafkaPid(int node) {
        return pid(b.kafkaNodes == 1 ? "kafka" : "kafka-" + node).orElseThrow(() ->
                new IllegalStateException("no pid file for Kafka node " + node));
    }

    public long masterPid() {
        return pid("spark-master").orElseThrow(() ->
                new IllegalStateException("no pid file for the Spark master"));
    }

    public long workerPid(int worker) {
        return pid("spark-worker-" + worker).orElseThrow(() ->
                new IllegalStateException("no pid file for Spark worker " + worker));
    }

    /** The executor processes worker {@code worker} runs now (its children). */
    public List<ProcessHandle> executors(int worker) {
        return pid("spark-worker-" + worker).flatMap(ProcessHandle::of).stream()
                .flatMap(ProcessHandle::children)
                .filter(p -> commandLine(p).contains(
                        "org.apache.spark.executor.CoarseGrainedExecutorBackend"))
                .toList();
    }

    /** Every executor of every worker. */
    public List<ProcessHandle> executors() {
        List<ProcessHandle> all = new ArrayList<>();
        for (int w = 1; w <= Math.max(workers, b.maxWorkers); w++) {
            all.addAll(executors(w));
        }
        return all;
    }

    /** Live processes whose command line names this cluster's storage folder. */
    public List<ProcessHandle> processes() {
        String marker = b.storage.toAbsolutePath().normalize() + "/";
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && p.isAlive() && commandLine(p).contains(marker))
                .toList();
    }

    /** {@code kill -9} of the process, then waits until it has gone. */
    public void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            try {
                p.onExit().get(1, TimeUnit.MINUTES);
            } catch (Exception e) {
                throw new IllegalStateException("pid " + pid + " outlived kill -9", e);
            }
        });
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    // --- the stack's commands ------------------------------------------------------------

    /** {@code stack up} with this cluster's flags: starts whatever is not running. */
    public Scripts.Result up() {
        lastUp = stack(b.timeout.plusMinutes(5), "up", "--timeout", b.timeout.toSeconds() + "s");
        return lastUp;
    }

    /** Runs {@code up} and fails unless node {@code node} runs again under a new pid. */
    public long restartKafkaNode(int node) {
        long before = pid(b.kafkaNodes == 1 ? "kafka" : "kafka-" + node).orElse(-1L);
        Scripts.Result up = up();
        long after = kafkaPid(node);
        if (up.exitCode() != 0 || !alive(after) || (alive(before) && before != after)) {
            throw new AssertionError("Kafka node " + node + " did not come back\n"
                    + up.output());
        }
        return after;
    }

    /** Starts one more worker on the running cluster; returns its number. */
    public int addWorker() {
        workers++;
        Scripts.Result up = up();
        if (up.exitCode() != 0) {
            throw new AssertionError("adding worker " + workers + " failed\n" + up.output());
        }
        return workers;
    }

    /** {@code stack down --worker N}: worker N and its executors stop, the others run on. */
    public Scripts.Result stopWorker(int worker) {
        return stack(Duration.ofMinutes(2), "down", "--worker", String.valueOf(worker));
    }

    public Scripts.Result status() {
        return stack(Duration.ofMinutes(2), "status");
    }

    /** Any {@code stack} subcommand with this cluster's storage and ports. */
    public Scripts.Result stack(Duration timeout, String subcommand, String... more) {
        List<String> args = new ArrayList<>(List.of(subcommand, "--storage", b.storage.toString(),
                "--kafka-nodes", String.valueOf(b.kafkaNodes),
                "--kafka-port", join(kafkaPorts), "--controller-port", join(controllerPorts),
                "--mongo-backend", "none",
                "--spark-workers", String.valueOf(workers),
                "--spark-version", b.sparkVersion,
                "--spark-master-port", String.valueOf(masterPort),
                "--spark-ui-port", String.valueOf(uiPort),
                "--worker-ui-port", join(workerUiPorts),
                "--worker-cores", String.valueOf(b.workerCores),
                "--worker-memory", b.workerMemory));
        args.addAll(List.of(more));
        return Scripts.run(timeout, "stack", args.toArray(String[]::new));
    }

    /**
     * {@code stack down}; then {@code kill -9} of anything still carrying the storage folder
     * (a test that failed half-way must not leave a JVM behind). Idempotent.
     */
    @Override
    public void close() {
        Scripts.Result down = null;
        try {
            down = stack(Duration.ofMinutes(3), "down");
        } catch (AssertionError | RuntimeException e) {
            System.err.println("[cluster] stack down failed: " + e.getMessage());
        }
        if (down != null && down.exitCode() != 0) {
            System.err.println("[cluster] stack down failed\n" + down.output());
        }
        for (ProcessHandle p : processes()) {
            System.err.println("[cluster] killing pid " + p.pid() + " left after down");
            kill(p.pid());
        }
    }

    private Optional<Long> pid(String part) {
        try {
            return Optional.of(Long.parseLong(Files.readString(b.storage.resolve("run")
                    .resolve(part + ".pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The whole command line from /proc (ProcessHandle.Info may cut long ones). */
    static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()),
                    "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return p.info().commandLine().orElse("");
        }
    }

    private static String join(int[] ports) {
        return IntStream.of(ports).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }
}
