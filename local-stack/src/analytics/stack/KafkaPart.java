package analytics.stack;

import static analytics.stack.Console.say;
import static analytics.stack.Console.seconds;

import analytics.core.ExitCode;
import analytics.core.Failures;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Kafka: one combined broker+controller KRaft node per JVM, from the jars of this script
 * ({@code java -cp <this classpath> kafka.Kafka server.properties}). One node by default; with
 * {@code --kafka-nodes N} a cluster of N such nodes with one cluster id and a static voter set,
 * every topic (the internal ones too) replicated min(3, N) times with min(3, N) - 1 in sync.
 */
final class KafkaPart {
    static final String VERSION = "4.1.1";
    private static final String MAIN = "kafka.Kafka";

    /** The state of one node (or of the one broker) as found on this machine. */
    enum Found { OURS, EXTERNAL, FREE }

    private final Layout layout;
    private final StackSettings s;
    private final int n;

    KafkaPart(Layout layout, StackSettings settings) {
        this.layout = layout;
        this.s = settings;
        this.n = settings.kafkaNodes();
    }

    String address(int node) {
        return Probes.CLIENT_HOST + ":" + s.kafkaPorts().get(node - 1);
    }

    private String name(int node) {
        return n == 1 ? "Kafka" : "Kafka node " + node;
    }

    private String flag(String flag, int node) {
        return n == 1 ? flag : flag + ", node " + node;
    }

    Optional<ProcessHandle> process(int node) {
        // The node's own config path: a node of another cluster size is not this node.
        return Processes.ours(layout.kafkaPid(n, node), layout.kafkaConfig(n, node).toString());
    }

    // --- up ------------------------------------------------------------------------------

    /**
     * What runs on each node's ports, before anything starts, so that a conflict leaves
     * nothing half-started. Refuses (exit 4) a port held by something else, and Kafka nodes of
     * this storage folder running as a cluster of another size.
     */
    List<Found> find() {
        refuseOtherClusterSizes();
        List<Found> found = new ArrayList<>();
        for (int node = 1; node <= n; node++) {
            found.add(find(node));
        }
        return found;
    }

    private Found find(int node) {
        int port = s.kafkaPorts().get(node - 1);
        int controller = s.controllerPorts().get(node - 1);
        Optional<ProcessHandle> ours = process(node);
        if (ours.isPresent()) {
            say("%s already running at %s (pid %d): reused", name(node), address(node),
                    ours.get().pid());
            return Found.OURS;
        }
        if (Probes.portInUse(port)) {
            boolean kafka = Probes.kafkaClusterId(Probes.BIND_HOST + ":" + port,
                    Duration.ofSeconds(6)).isPresent();
            if (kafka && n == 1) {
                say("Kafka already answering at %s (not started by this stack): reused",
                        address(node));
                return Found.EXTERNAL;
            }
            throw conflict("port " + port + " (" + flag("--kafka-port", node) + ") is in use by "
                    + (kafka ? "a Kafka broker this stack did not start, which cannot be a node "
                    + "of its cluster" : "something that is not a Kafka broker")
                    + "; free it or choose another port");
        }
        if (Probes.portInUse(controller)) {
            throw conflict("port " + controller + " (" + flag("--controller-port", node)
                    + ") is already in use; free it or choose another port");
        }
        return Found.FREE;
    }

    private void refuseOtherClusterSizes() {
        for (int other = 1; other <= StackSettings.MAX_NODES; other++) {
            if (other == n) {
                continue;
            }
            for (int node = 1; node <= other; node++) {
                Optional<ProcessHandle> p = Processes.ours(layout.kafkaPid(other, node),
                        layout.kafkaConfig(other, node).toString());
                if (p.isPresent()) {
                    throw conflict("a Kafka cluster of " + other + " node(s) from this storage "
                            + "folder is running (pid " + p.get().pid() + "); --kafka-nodes "
                            + n + " would start another: run 'stack down' first");
                }
            }
        }
    }

    private static Failures.UserFacing conflict(String message) {
        return new Failures.UserFacing(ExitCode.CONFLICT, message);
    }

    /** Writes every node's config and formats the nodes that have no storage yet. */
    void format(List<Found> found) throws IOException, InterruptedException {
        Files.createDirectories(layout.kafkaClusterDir(n));
        String clusterId = clusterId();
        noteOtherClusterData();
        List<Process> formats = new ArrayList<>();
        List<Integer> formatting = new ArrayList<>();
        for (int node = 1; node <= n; node++) {
            if (found.get(node - 1) != Found.FREE) {
                continue;
            }
            Files.createDirectories(layout.kafkaNodeDir(n, node));
            writeConfig(node);
            if (Files.exists(layout.kafkaData(n, node).resolve("meta.properties"))) {
                continue;
            }
            say("Formatting Kafka storage %s (cluster id %s)", layout.kafkaData(n, node),
                    clusterId);
            Path log = layout.kafkaLog(n, node);
            Processes.appendToLog(log, "stack: formatting storage, cluster id " + clusterId);
            List<String> command = Processes.javaOnOwnClasspath("-Xmx256m");
            command.addAll(List.of("kafka.tools.StorageTool", "format", "--ignore-formatted",
                    "--cluster-id", clusterId, "--config", layout.kafkaConfig(n, node).toString()));
            // The nodes format side by side: one JVM start each, not one after the other.
            formats.add(Processes.launch(command, layout.storage(), log, false, Map.of()));
            formatting.add(node);
        }
        for (int i = 0; i < formats.size(); i++) {
            Process format = formats.get(i);
            Path log = layout.kafkaLog(n, formatting.get(i));
            if (!format.waitFor(120, TimeUnit.SECONDS)) {
                format.destroyForcibly();
                throw new Failures.UserFacing(ExitCode.FAILED, "Kafka storage format did not "
                        + "finish within 120 s; see " + log);
            }
            if (format.exitValue() != 0) {
                throw new Failures.UserFacing(ExitCode.FAILED, "Kafka storage format failed "
                        + "(exit " + format.exitValue() + "); see " + log);
            }
        }
    }

    /** The cluster's id: kept beside the data, so that a re-format keeps the same id. */
    private String clusterId() throws IOException {
        Path file = layout.clusterIdFile(n);
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String id = Uuid.randomUuid().toString();
        Files.writeString(file, id + "\n");
        return id;
    }

    /** Says where the data of other cluster sizes stays, so no topic seems lost. */
    private void noteOtherClusterData() {
        List<String> others = new ArrayList<>();
        if (n != 1 && Files.exists(layout.kafkaData(1, 1).resolve("meta.properties"))) {
            others.add("1 node in " + layout.kafkaData(1, 1));
        }
        try (Stream<Path> dirs = Files.list(layout.kafkaDir())) {
            dirs.map(d -> d.getFileName().toString())
                    .filter(d -> d.matches("nodes-[0-9]+") && !d.equals("nodes-" + n))
                    .sorted()
                    .forEach(d -> others.add(d.substring(6) + " nodes in "
                            + layout.kafkaDir().resolve(d)));
        } catch (IOException e) {
            return;
        }
        if (!others.isEmpty()) {
            say("Note: Kafka data of another cluster size stays unused here (%s); its topics "
                    + "come back with that --kafka-nodes", String.join("; ", others));
        }
    }

    private void writeConfig(int node) throws IOException {
        int port = s.kafkaPorts().get(node - 1);
        List<String> voters = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            voters.add(i + "@" + Probes.BIND_HOST + ":" + s.controllerPorts().get(i - 1));
        }
        int rf = Math.min(3, n);
        int minIsr = Math.max(1, rf - 1);
        List<String> lines = new ArrayList<>(List.of(
                "# Written by scripts/stack.java on every 'up'; edit local-stack/, not this file.",
                n == 1 ? "# One combined KRaft node: broker and controller in one process."
                        : "# Node " + node + " of " + n + ": broker and controller in one process.",
                "process.roles=broker,controller",
                "node.id=" + node,
                // A static voter set: the controller ports may change between runs.
                "controller.quorum.voters=" + String.join(",", voters),
                "listeners=PLAINTEXT://" + Probes.BIND_HOST + ":" + port + ",CONTROLLER://"
                        + Probes.BIND_HOST + ":" + s.controllerPorts().get(node - 1),
                "advertised.listeners=PLAINTEXT://" + Probes.CLIENT_HOST + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + layout.kafkaData(n, node),
                "auto.create.topics.enable=true",
                "num.partitions=1"));
        if (n == 1) {
            // One broker: every internal topic must live with a single replica.
            lines.addAll(List.of("offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1"));
        } else {
            // Every topic, the internal ones too, survives one lost node without losing an
            // acknowledged record: acks=all needs min.insync.replicas of the replicas.
            lines.addAll(List.of("default.replication.factor=" + rf,
                    "min.insync.replicas=" + minIsr,
                    "offsets.topic.replication.factor=" + rf,
                    "transaction.state.log.replication.factor=" + rf,
                    "transaction.state.log.min.isr=" + minIsr,
                    "share.coordinator.state.topic.replication.factor=" + rf,
                    "share.coordinator.state.topic.min.isr=" + minIsr));
        }
        lines.addAll(List.of(
                // Tests create consumer groups often: no 3 s wait before the first rebalance.
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168",
                ""));
        Files.writeString(layout.kafkaConfig(n, node), String.join("\n", lines));
    }

    /** Starts the nodes found free, each in its own JVM; returns them by node (null: not). */
    List<Process> start(List<Found> found, List<ProcessHandle> startedNow) throws IOException {
        List<Process> started = new ArrayList<>();
        for (int node = 1; node <= n; node++) {
            if (found.get(node - 1) != Found.FREE) {
                started.add(null);
                continue;
            }
            Path log = layout.kafkaLog(n, node);
            if (n == 1) {
                say("Starting Kafka %s on %s (log: %s)", VERSION, address(node), log);
            } else {
                say("Starting Kafka %s node %d of %d on %s (controller port %d, log: %s)",
                        VERSION, node, n, address(node), s.controllerPorts().get(node - 1), log);
            }
            Processes.appendToLog(log, "stack: starting Kafka on " + address(node));
            List<String> command = Processes.javaOnOwnClasspath("-Xms128m", "-Xmx512m",
                    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
            command.addAll(List.of(MAIN, layout.kafkaConfig(n, node).toString()));
            Process process = Processes.launch(command, layout.storage(), log, true, Map.of());
            startedNow.add(process.toHandle());
            Processes.writePid(layout.kafkaPid(n, node), process.pid());
            started.add(process);
        }
        return started;
    }

    /**
     * Returns the cluster id once every node answers a metadata request, the cluster has
     * registered all nodes, and no partition lacks an in-sync replica (a node that was down
     * has caught up: it rejoined).
     */
    String await(List<Process> started, Duration timeout, Instant start)
            throws InterruptedException {
        String clusterId = null;
        for (int node = 1; node <= n; node++) {
            Process process = started.get(node - 1);
            int i = node;
            Path log = layout.kafkaLog(n, node);
            if (process != null && n > 1) {
                say("waiting for Kafka node %d at %s ...", node, address(node));
            }
            try (Admin admin = Admin.create(Probes.adminConfig(Probes.BIND_HOST + ":"
                    + s.kafkaPorts().get(node - 1)))) {
                clusterId = Waits.until(name(node) + " at " + address(node), timeout, log, () -> {
                    Optional<String> id = Probes.clusterId(admin, Duration.ofSeconds(3));
                    if (id.isEmpty() && process != null && !process.isAlive()) {
                        throw new Failures.UserFacing(ExitCode.FAILED, name(i) + " exited (code "
                                + process.exitValue() + ") during start; see " + log);
                    }
                    return id;
                }, () -> name(i) + " did not answer at " + address(i) + " within "
                        + timeout.toSeconds() + " s (--timeout); see " + log);
            }
        }
        if (n > 1) {
            awaitCluster(started, timeout);
        }
        boolean any = started.stream().anyMatch(p -> p != null);
        if (n == 1) {
            say("Kafka %s at %s (cluster id %s)%s", any ? "ready" : "up", address(1), clusterId,
                    any ? " after " + seconds(Duration.between(start, Instant.now())) : "");
        } else {
            say("Kafka %s: %d nodes at %s (cluster id %s; replication %d, min in-sync %d)%s",
                    any ? "ready" : "up", n, s.bootstrap(), clusterId, Math.min(3, n),
                    Math.max(1, Math.min(3, n) - 1),
                    any ? " after " + seconds(Duration.between(start, Instant.now())) : "");
        }
        return clusterId;
    }

    private void awaitCluster(List<Process> started, Duration timeout)
            throws InterruptedException {
        try (Admin admin = Admin.create(Probes.adminConfig(s.bootstrap()))) {
            Waits.until("all " + n + " Kafka nodes to register", timeout, null, () ->
                    Probes.brokers(admin, Duration.ofSeconds(3))
                            .filter(b -> b.ids().size() == n), () -> "the Kafka cluster did not "
                    + "register all " + n + " nodes within " + timeout.toSeconds()
                    + " s (--timeout); see " + layout.logs() + "/kafka-*.log");
            if (started.stream().noneMatch(p -> p != null)) {
                return;
            }
            int[] last = {-1};
            Waits.until("the restarted Kafka node(s) to catch up", timeout, null, () -> {
                OptionalInt under = Probes.underReplicated(admin, Duration.ofSeconds(5));
                if (under.isPresent() && under.getAsInt() > 0 && under.getAsInt() != last[0]) {
                    say("waiting for the Kafka nodes to catch up: %d partition(s) "
                            + "under-replicated", under.getAsInt());
                    last[0] = under.getAsInt();
                }
                return under.isPresent() && under.getAsInt() == 0 ? Optional.of(true)
                        : Optional.empty();
            }, () -> "Kafka partitions stayed under-replicated for " + timeout.toSeconds()
                    + " s (--timeout): a node has not caught up; see " + layout.logs()
                    + "/kafka-*.log");
        }
    }

    /** Removes the pid files of nodes this run started (after a failed 'up'). */
    void forget(List<Process> started) throws IOException {
        for (int node = 1; node <= n; node++) {
            if (started.get(node - 1) != null) {
                Files.deleteIfExists(layout.kafkaPid(n, node));
            }
        }
    }

    // --- down ----------------------------------------------------------------------------

    /** Stops every Kafka node of this storage folder, whatever cluster size it ran in. */
    void down(Duration grace) throws IOException {
        List<Path> pidFiles = new ArrayList<>();
        try (Stream<Path> files = Files.list(layout.run())) {
            files.filter(f -> f.getFileName().toString().matches("kafka(-[0-9]+)?\\.pid"))
                    .sorted().forEach(pidFiles::add);
        }
        if (pidFiles.isEmpty()) {
            pidFiles.add(layout.kafkaPid(n, 1));
        }
        // All at once: a node that stops alone while the others wait for it can lose the
        // quorum its own controlled shutdown needs, and then waits out the grace.
        List<Thread> stops = new ArrayList<>();
        for (Path pidFile : pidFiles) {
            String part = pidFile.getFileName().toString().replace(".pid", "");
            int port = portOf(part);
            Thread t = new Thread(() -> {
                try {
                    Stack.stopPart(part, pidFile, port, grace, MAIN);
                } catch (IOException e) {
                    say("%s: %s", part, Failures.message(e));
                }
            });
            t.start();
            stops.add(t);
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private int portOf(String part) {
        if (part.equals("kafka")) {
            return s.kafkaPorts().get(0);
        }
        int node = Integer.parseInt(part.substring("kafka-".length()));
        return node <= n ? s.kafkaPorts().get(node - 1) : -1;
    }

    // --- status --------------------------------------------------------------------------

    /** Prints each node's line (and, for a cluster, one line over all); whether all are up. */
    boolean status() {
        if (n == 1) {
            return statusOfOne();
        }
        List<String> lines = new ArrayList<>();
        int up = 0;
        String clusterId = null;
        for (int node = 1; node <= n; node++) {
            Optional<ProcessHandle> p = process(node);
            int port = s.kafkaPorts().get(node - 1);
            Optional<String> id = Probes.portInUse(port) ? Probes.kafkaClusterId(
                    Probes.BIND_HOST + ":" + port, Duration.ofSeconds(5)) : Optional.empty();
            if (id.isPresent()) {
                up++;
                clusterId = id.get();
            }
            lines.add(String.format(java.util.Locale.ROOT, "%-8s %-5s %-22s %-16s data %s  (%s)",
                    "kafka-" + node, id.isPresent() ? "up" : "down", address(node),
                    Stack.processLabel(p, id.isPresent()), layout.kafkaData(n, node),
                    id.isPresent() ? "node " + node + " of " + n + ", controller port "
                            + s.controllerPorts().get(node - 1)
                            : "no answer to a metadata request; log " + layout.kafkaLog(n, node)));
        }
        String detail = "no node answers";
        if (up > 0) {
            try (Admin admin = Admin.create(Probes.adminConfig(s.bootstrap()))) {
                Optional<Probes.Brokers> brokers = Probes.brokers(admin, Duration.ofSeconds(5));
                OptionalInt under = Probes.underReplicated(admin, Duration.ofSeconds(5));
                detail = "Apache Kafka, KRaft, cluster id " + clusterId + "; replication "
                        + Math.min(3, n) + ", min in-sync " + Math.max(1, Math.min(3, n) - 1)
                        + "; " + brokers.map(b -> b.ids().size() + " registered, controller "
                        + "node " + b.controller()).orElse("brokers unknown") + "; "
                        + (under.isPresent() ? under.getAsInt() + " partition(s) "
                        + "under-replicated" : "under-replicated partitions unknown");
            }
        }
        say("%-8s %-5s %-22s %s  (%s)", "kafka", up == n ? "up" : up == 0 ? "down" : "part",
                s.bootstrap(), up + " of " + n + " nodes", detail);
        lines.forEach(l -> say("%s", l));
        return up == n;
    }

    private boolean statusOfOne() {
        Optional<ProcessHandle> p = process(1);
        int port = s.kafkaPorts().get(0);
        Optional<String> clusterId = Probes.portInUse(port) ? Probes.kafkaClusterId(
                Probes.BIND_HOST + ":" + port, Duration.ofSeconds(5)) : Optional.empty();
        say("%-6s %-5s %-28s %-16s data %s  (%s)", "kafka",
                clusterId.isPresent() ? "up" : "down", address(1),
                Stack.processLabel(p, clusterId.isPresent()),
                p.isEmpty() && clusterId.isPresent() ? Stack.NOT_OURS : layout.kafkaData(1, 1),
                clusterId.map(id -> "Apache Kafka, KRaft, cluster id " + id)
                        .orElse("no answer to a metadata request; log " + layout.kafkaLog(1, 1)));
        return clusterId.isPresent();
    }
}
