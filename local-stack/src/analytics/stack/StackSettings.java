package analytics.stack;

import analytics.core.Defaults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What one stack is made of, validated: every instance is usable, and each refusal names its
 * flag ({@link IllegalArgumentException} with "--flag: why"). Built from the flags' text by
 * {@link #of}, so that a value recorded by an earlier {@code up} and one typed now are checked
 * the same way.
 *
 * @param storage        the stack's folder (absolute)
 * @param projectRoot    the project (for local-stack/ and ./jbang), or null outside it
 * @param kafkaNodes     KRaft nodes, each broker and controller in one JVM
 * @param kafkaPorts     the client port of each node
 * @param controllerPorts the controller port of each node
 * @param mongoPort      the MongoDB-protocol port
 * @param mongoBackend   auto, ferretdb, mongo-java-server, memory or none
 * @param sparkWorkers   Spark standalone workers; 0 = no Spark cluster
 * @param sparkVersion   the version of Spark's jars the master and workers run
 * @param sparkMasterPort the master's RPC port (spark://127.0.0.1:PORT)
 * @param sparkUiPort    the master's web UI port
 * @param workerUiPorts  the web UI port of each worker, at least one per worker
 * @param workerCores    cores each worker offers
 * @param workerMemory   memory each worker offers, Spark's notation (512m, 1g)
 * @param values         the flags' text these came from, as {@link Recorded} keeps it
 */
public record StackSettings(Path storage, Path projectRoot, int kafkaNodes,
                            List<Integer> kafkaPorts, List<Integer> controllerPorts,
                            int mongoPort, String mongoBackend, int sparkWorkers,
                            String sparkVersion, int sparkMasterPort, int sparkUiPort,
                            List<Integer> workerUiPorts, int workerCores, String workerMemory,
                            Map<String, String> values) {

    /** The flags a stack is described by, with their defaults (env defaults come first). */
    public static final Map<String, String> DEFAULTS = defaults();

    /** A local stack's limit: node ids, ports and the machine's cores stay readable. */
    public static final int MAX_NODES = 9;

    public static final List<String> BACKENDS =
            List.of("auto", "ferretdb", "mongo-java-server", "memory", "none");

    private static final Pattern MEMORY = Pattern.compile("[1-9][0-9]*[mMgG]");
    private static final Pattern VERSION = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+");

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kafka-nodes", "1");
        d.put("kafka-port", "9092");
        d.put("controller-port", "9093");
        d.put("mongo-port", "27017");
        d.put("mongo-backend", "auto");
        d.put("spark-workers", "0");
        d.put("spark-version", Defaults.SPARK_VERSION);
        d.put("spark-master-port", "7077");
        d.put("spark-ui-port", "8080");
        d.put("worker-ui-port", "8081");
        d.put("worker-cores", "1");
        d.put("worker-memory", "1g");
        return java.util.Collections.unmodifiableMap(d);
    }

    public StackSettings {
        kafkaPorts = List.copyOf(kafkaPorts);
        controllerPorts = List.copyOf(controllerPorts);
        workerUiPorts = List.copyOf(workerUiPorts);
        values = Map.copyOf(values);
    }

    /**
     * Parses and checks the flags' text ({@link #DEFAULTS}' keys; a missing key takes its
     * default). {@code storage} null or blank means the project's {@code storage/}.
     *
     * @throws IllegalArgumentException "--flag: why", for the first flag that is wrong
     */
    public static StackSettings of(Map<String, String> given, Path storage, Path projectRoot) {
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        given.forEach((k, value) -> {
            if (value != null && !value.isBlank()) {
                v.put(k, value.trim());
            }
        });
        int nodes = number(v, "kafka-nodes");
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new IllegalArgumentException("--kafka-nodes: 1 to " + MAX_NODES
                    + " Kafka nodes, got " + nodes);
        }
        int workers = number(v, "spark-workers");
        if (workers < 0 || workers > MAX_NODES) {
            throw new IllegalArgumentException("--spark-workers: 0 (no Spark cluster) to "
                    + MAX_NODES + " workers, got " + workers);
        }
        List<Integer> kafka = ports(v, "kafka-port", nodes, 2, true);
        List<Integer> controllers = ports(v, "controller-port", nodes, 2, true);
        int mongo = port(v, "mongo-port", v.get("mongo-port"));
        String backend = v.get("mongo-backend");
        if (!BACKENDS.contains(backend)) {
            throw new IllegalArgumentException("--mongo-backend: expected auto, ferretdb, "
                    + "mongo-java-server, memory or none, got '" + backend + "'");
        }
        String version = v.get("spark-version");
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("--spark-version: expected a release such as "
                    + Defaults.SPARK_VERSION + ", got '" + version + "'");
        }
        int master = port(v, "spark-master-port", v.get("spark-master-port"));
        int ui = port(v, "spark-ui-port", v.get("spark-ui-port"));
        List<Integer> workerUis = ports(v, "worker-ui-port", Math.max(workers, 1), 1, false);
        int cores = number(v, "worker-cores");
        if (cores < 1) {
            throw new IllegalArgumentException("--worker-cores: at least 1, got " + cores);
        }
        String memory = v.get("worker-memory");
        if (!MEMORY.matcher(memory).matches()) {
            throw new IllegalArgumentException("--worker-memory: expected Spark's notation "
                    + "such as 512m or 1g, got '" + memory + "'");
        }
        StackSettings s = new StackSettings(storage, projectRoot, nodes, kafka, controllers,
                mongo, backend, workers, version, master, ui, workerUis, cores, memory, v);
        s.checkDistinct();
        return s;
    }

    /** The bootstrap servers of the Kafka nodes, as clients write them. */
    public String bootstrap() {
        List<String> hosts = new ArrayList<>();
        for (int port : kafkaPorts) {
            hosts.add(Probes.CLIENT_HOST + ":" + port);
        }
        return String.join(",", hosts);
    }

    public String mongoUri() {
        return "mongodb://" + Probes.CLIENT_HOST + ":" + mongoPort;
    }

    public boolean hasMongo() {
        return !mongoBackend.equals("none");
    }

    public boolean hasSpark() {
        return sparkWorkers > 0;
    }

    /** The master URL drivers and workers use. */
    public String sparkMasterUrl() {
        return "spark://" + Probes.BIND_HOST + ":" + sparkMasterPort;
    }

    public String sparkUiUrl() {
        return "http://" + Probes.BIND_HOST + ":" + sparkUiPort;
    }

    /** Worker {@code worker}'s web UI port (1-based). */
    public int workerUiPort(int worker) {
        return workerUiPorts.get(worker - 1);
    }

    /** Memory per worker in MB, as Spark's master reports it. */
    public int workerMemoryMb() {
        int n = Integer.parseInt(workerMemory.substring(0, workerMemory.length() - 1));
        return Character.toLowerCase(workerMemory.charAt(workerMemory.length() - 1)) == 'g'
                ? n * 1024 : n;
    }

    /** The same stack with another value for one flag (re-checked). */
    public StackSettings with(String flag, String value) {
        Map<String, String> v = new LinkedHashMap<>(values);
        v.put(flag, value);
        return of(v, storage, projectRoot);
    }

    /** The flags that name a port, with the port each uses; in the order of the table. */
    public List<Map.Entry<String, Integer>> usedPorts() {
        List<Map.Entry<String, Integer>> used = new ArrayList<>();
        for (int i = 0; i < kafkaNodes; i++) {
            String node = kafkaNodes == 1 ? "" : " (node " + (i + 1) + ")";
            used.add(Map.entry("--kafka-port" + node, kafkaPorts.get(i)));
            used.add(Map.entry("--controller-port" + node, controllerPorts.get(i)));
        }
        if (hasMongo()) {
            used.add(Map.entry("--mongo-port", mongoPort));
        }
        if (hasSpark()) {
            used.add(Map.entry("--spark-master-port", sparkMasterPort));
            used.add(Map.entry("--spark-ui-port", sparkUiPort));
            for (int w = 1; w <= sparkWorkers; w++) {
                used.add(Map.entry("--worker-ui-port (worker " + w + ")", workerUiPort(w)));
            }
        }
        return used;
    }

    private void checkDistinct() {
        Map<Integer, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : usedPorts()) {
            String before = seen.putIfAbsent(e.getValue(), e.getKey());
            if (before != null) {
                throw new IllegalArgumentException(before + " and " + e.getKey()
                        + " must differ (both " + e.getValue() + ")");
            }
        }
    }

    private static int number(Map<String, String> v, String flag) {
        try {
            return Integer.parseInt(v.get(flag));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + ": '" + v.get(flag)
                    + "' is not a number");
        }
    }

    private static int port(Map<String, String> v, String flag, String text) {
        int port;
        try {
            port = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + flag + ": '" + text
                    + "' is not a port number (1-65535)");
        }
        return checked(flag, port);
    }

    private static int checked(String flag, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--" + flag + ": " + port
                    + " is not a port number (1-65535)");
        }
        return port;
    }

    /**
     * One port per part: a list "P1,P2,..." as given (exactly {@code count} when
     * {@code exact}, else at least), or one port P whose next parts take P + step, P + 2 step.
     */
    private static List<Integer> ports(Map<String, String> v, String flag, int count, int step,
                                       boolean exact) {
        String text = v.get(flag);
        String[] parts = text.split(",");
        List<Integer> out = new ArrayList<>();
        if (parts.length == 1) {
            int first = port(v, flag, parts[0]);
            for (int i = 0; i < count; i++) {
                out.add(checked(flag, first + i * step));
            }
            return out;
        }
        for (String p : parts) {
            out.add(port(v, flag, p));
        }
        if (exact ? out.size() != count : out.size() < count) {
            throw new IllegalArgumentException("--" + flag + ": " + out.size() + " ports for "
                    + count + (flag.startsWith("worker") ? " workers" : " nodes")
                    + " (give one port, or one per " + (flag.startsWith("worker") ? "worker"
                    : "node") + ")");
        }
        return out;
    }

    /** The value of a flag when it was set, for messages. */
    public Optional<String> value(String flag) {
        return Optional.ofNullable(values.get(flag));
    }
}
