package analytics.stack;

import static analytics.stack.Console.plural;
import static analytics.stack.Console.say;
import static analytics.stack.Console.seconds;

import analytics.core.ExitCode;
import analytics.core.Failures;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster: Spark's own Master and Worker daemons, each in its own JVM on a
 * SPARK_HOME of Spark's jars ({@link SparkJars}), bound to 127.0.0.1, with explicit web UI
 * ports, the REST submission port off, logs in {@code logs/spark-*.log}. Executors are the
 * workers' child processes, started when an application asks for them.
 */
final class SparkPart {
    static final String MASTER = "org.apache.spark.deploy.master.Master";
    static final String WORKER = "org.apache.spark.deploy.worker.Worker";
    static final String EXECUTOR = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    /** Master and worker daemons schedule, they do not compute: a small heap each. */
    private static final String DAEMON_HEAP = "-Xmx256m";

    private final Layout layout;
    private final StackSettings s;

    SparkPart(Layout layout, StackSettings settings) {
        this.layout = layout;
        this.s = settings;
    }

    Optional<ProcessHandle> master() {
        return Processes.ours(layout.sparkMasterPid(), MASTER, layout.marker());
    }

    Optional<ProcessHandle> worker(int w) {
        return Processes.ours(layout.sparkWorkerPid(w), WORKER, layout.sparkWork(w).toString());
    }

    /** The highest-numbered worker of this storage folder that runs (0: none). */
    int highestRunningWorker() {
        int highest = 0;
        for (int w = 1; w <= StackSettings.MAX_NODES; w++) {
            if (worker(w).isPresent()) {
                highest = w;
            }
        }
        return highest;
    }

    private static Failures.UserFacing conflict(String message) {
        return new Failures.UserFacing(ExitCode.CONFLICT, message);
    }

    private static void refuseHeldPort(int port, String flag) {
        if (Probes.portInUse(port)) {
            throw conflict("port " + port + " (" + flag + ") is in use by a process this stack "
                    + "did not start; free it or choose another port");
        }
    }

    /**
     * Which daemons to start, before anything starts: the master unless it runs, and each
     * worker up to {@code --spark-workers} that does not run. Refuses (exit 4) a port held by
     * something else, and a running master of another Spark version.
     */
    Plan plan() {
        Optional<ProcessHandle> master = master();
        if (master.isPresent()) {
            String home = layout.sparkHome(s.sparkVersion()).toString();
            boolean sameVersion = Processes.commandLine(master.get())
                    .map(c -> c.contains(home)).orElse(true);
            if (!sameVersion) {
                throw conflict("a Spark master of another version than " + s.sparkVersion()
                        + " (--spark-version) runs from this storage folder (pid "
                        + master.get().pid() + "): run 'stack down' first");
            }
            say("Spark master already running at %s (pid %d): reused", s.sparkMasterUrl(),
                    master.get().pid());
        } else {
            refuseHeldPort(s.sparkMasterPort(), "--spark-master-port");
            refuseHeldPort(s.sparkUiPort(), "--spark-ui-port");
        }
        List<Integer> workers = new ArrayList<>();
        for (int w = 1; w <= s.sparkWorkers(); w++) {
            Optional<ProcessHandle> p = worker(w);
            if (p.isPresent()) {
                say("Spark worker %d already running (pid %d): reused", w, p.get().pid());
            } else {
                refuseHeldPort(s.workerUiPort(w), "--worker-ui-port, worker " + w);
                workers.add(w);
            }
        }
        return new Plan(master.isEmpty(), workers);
    }

    /** What {@link #start} will start. */
    record Plan(boolean master, List<Integer> workers) {
        boolean nothing() {
            return !master && workers.isEmpty();
        }
    }

    /**
     * Starts what the plan says on {@code home} ({@link SparkJars#home}), records the pids;
     * returns the processes started, the master first.
     */
    List<Process> start(Plan plan, Path home, List<ProcessHandle> startedNow)
            throws IOException, InterruptedException {
        List<Process> started = new ArrayList<>();
        if (plan.nothing()) {
            return started;
        }
        Map<String, String> env = new HashMap<>();
        env.put("SPARK_HOME", home.toString());
        // Not a distribution: the launcher code in the worker needs the Scala version spelled.
        env.put("SPARK_SCALA_VERSION", "2.13");
        // Bind to loopback and advertise it (also to the executors, which inherit it).
        env.put("SPARK_LOCAL_IP", Probes.BIND_HOST);
        // Another Spark's configuration on this machine must not reach these daemons.
        env.put("SPARK_CONF_DIR", null);
        String classpath = home.resolve("jars") + "/*";
        if (plan.master()) {
            say("Starting Spark %s master on %s (UI %s, log: %s)", s.sparkVersion(),
                    s.sparkMasterUrl(), s.sparkUiUrl(), layout.sparkMasterLog());
            Processes.appendToLog(layout.sparkMasterLog(), "stack: starting the Spark master");
            List<String> command = List.of(Processes.java(), DAEMON_HEAP,
                    // No REST submission server (port 6066): drivers connect by RPC only.
                    "-Dspark.master.rest.enabled=false",
                    "-cp", classpath, MASTER, "--host", Probes.BIND_HOST,
                    "--port", String.valueOf(s.sparkMasterPort()),
                    "--webui-port", String.valueOf(s.sparkUiPort()));
            Process p = Processes.launch(command, layout.storage(), layout.sparkMasterLog(),
                    true, env);
            startedNow.add(p.toHandle());
            Processes.writePid(layout.sparkMasterPid(), p.pid());
            started.add(p);
        }
        for (int w : plan.workers()) {
            Path log = layout.sparkWorkerLog(w);
            Files.createDirectories(layout.sparkWork(w));
            say("Starting Spark %s worker %d (%s, %s, UI http://%s:%d, log: %s)",
                    s.sparkVersion(), w, plural(s.workerCores(), "core"), s.workerMemory(),
                    Probes.BIND_HOST, s.workerUiPort(w), log);
            Processes.appendToLog(log, "stack: starting Spark worker " + w);
            List<String> command = List.of(Processes.java(), DAEMON_HEAP, "-cp", classpath,
                    WORKER, "--host", Probes.BIND_HOST,
                    // Any free port for the worker's RPC endpoint (SPARK_WORKER_PORT ignored).
                    "--port", "0",
                    "--cores", String.valueOf(s.workerCores()), "--memory", s.workerMemory(),
                    "--webui-port", String.valueOf(s.workerUiPort(w)),
                    "--work-dir", layout.sparkWork(w).toString(), s.sparkMasterUrl());
            Process p = Processes.launch(command, layout.storage(), log, true, env);
            startedNow.add(p.toHandle());
            Processes.writePid(layout.sparkWorkerPid(w), p.pid());
            started.add(p);
        }
        return started;
    }

    /** Returns once the master is ALIVE and every planned worker has registered with it. */
    void await(Plan plan, List<Process> started, Duration timeout, Instant start)
            throws InterruptedException {
        if (plan.nothing()) {
            return;
        }
        Process master = plan.master() ? started.get(0) : null;
        if (master != null) {
            say("waiting for the Spark master at %s ...", s.sparkMasterUrl());
        }
        Waits.until("the Spark master at " + s.sparkMasterUrl(), timeout,
                layout.sparkMasterLog(), () -> {
                    Optional<JsonNode> json = Probes.sparkJson(s.sparkUiUrl(),
                            Duration.ofSeconds(2));
                    if (json.isEmpty() && master != null && !master.isAlive()) {
                        throw exited("the Spark master", master, layout.sparkMasterLog());
                    }
                    return json.filter(j -> "ALIVE".equals(j.path("status").asText()));
                }, () -> "the Spark master did not answer at " + s.sparkUiUrl() + " within "
                        + timeout.toSeconds() + " s (--timeout); see " + layout.sparkMasterLog());
        if (master != null) {
            say("Spark %s master ready at %s (UI %s) after %s", s.sparkVersion(),
                    s.sparkMasterUrl(), s.sparkUiUrl(),
                    seconds(Duration.between(start, Instant.now())));
        }
        int first = plan.master() ? 1 : 0;
        for (int i = 0; i < plan.workers().size(); i++) {
            int w = plan.workers().get(i);
            Process p = started.get(first + i);
            say("waiting for Spark worker %d to register ...", w);
            Waits.until("Spark worker " + w + " to register", timeout, layout.sparkWorkerLog(w),
                    () -> {
                        Optional<JsonNode> entry = registered(w);
                        if (entry.isEmpty() && !p.isAlive()) {
                            throw exited("Spark worker " + w, p, layout.sparkWorkerLog(w));
                        }
                        return entry;
                    }, () -> "Spark worker " + w + " did not register with " + s.sparkMasterUrl()
                            + " within " + timeout.toSeconds() + " s (--timeout); see "
                            + layout.sparkWorkerLog(w));
            say("Spark worker %d ready (%s, %s) after %s", w, plural(s.workerCores(), "core"),
                    s.workerMemory(), seconds(Duration.between(start, Instant.now())));
        }
    }

    private static Failures.UserFacing exited(String what, Process p, Path log) {
        return new Failures.UserFacing(ExitCode.FAILED, what + " exited (code " + p.exitValue()
                + ") during start; see " + log);
    }

    /** Worker {@code w}'s ALIVE entry in the master's JSON (matched by its UI port). */
    private Optional<JsonNode> registered(int w) {
        return Probes.sparkJson(s.sparkUiUrl(), Duration.ofSeconds(2))
                .flatMap(json -> entryOf(json, w));
    }

    private Optional<JsonNode> entryOf(JsonNode master, int w) {
        for (JsonNode worker : master.path("workers")) {
            if ("ALIVE".equals(worker.path("state").asText())
                    && worker.path("webuiaddress").asText().endsWith(":" + s.workerUiPort(w))) {
                return Optional.of(worker);
            }
        }
        return Optional.empty();
    }

    void forget(Plan plan) throws IOException {
        if (plan.master()) {
            Files.deleteIfExists(layout.sparkMasterPid());
        }
        for (int w : plan.workers()) {
            Files.deleteIfExists(layout.sparkWorkerPid(w));
        }
    }

    // --- down ----------------------------------------------------------------------------

    /** Stops worker {@code w} and its executors. */
    void stopWorker(int w, Duration grace) throws IOException {
        Stack.stopPart("spark-worker-" + w, layout.sparkWorkerPid(w), -1, grace, WORKER);
    }

    /**
     * Stops every worker (with its executors), then the master, then whatever else still runs
     * from this storage folder's Spark (an executor whose worker was killed, say).
     */
    void down(Duration grace) throws IOException, InterruptedException {
        List<Thread> stops = new ArrayList<>();
        for (int w = 1; w <= StackSettings.MAX_NODES; w++) {
            if (Files.exists(layout.sparkWorkerPid(w))) {
                int worker = w;
                Thread t = new Thread(() -> {
                    try {
                        stopWorker(worker, grace);
                    } catch (IOException e) {
                        say("spark-worker-%d: %s", worker, Failures.message(e));
                    }
                });
                t.start();
                stops.add(t);
            }
        }
        for (Thread t : stops) {
            t.join();
        }
        if (Files.exists(layout.sparkMasterPid())) {
            Stack.stopPart("spark-master", layout.sparkMasterPid(), -1, grace, MASTER);
        }
        String marker = layout.storage().resolve("spark") + "/";
        for (ProcessHandle stray : Processes.withMarker(marker)) {
            Processes.stop(stray, Duration.ofSeconds(10));
            say("spark: stopped a process left by a worker (pid %d)", stray.pid());
        }
    }

    // --- status --------------------------------------------------------------------------

    /** An executor process of a worker, read from its command line. */
    record Executor(long pid, String app, String id, int cores, String memory) {
    }

    private static final Pattern ARG = Pattern.compile("--(executor-id|app-id|cores) (\\S+)");
    private static final Pattern XMX = Pattern.compile("-Xmx(\\S+)");

    /** The executors worker {@code w}'s process runs now. */
    List<Executor> executors(ProcessHandle worker) {
        List<Executor> out = new ArrayList<>();
        worker.children().forEach(child -> Processes.commandLine(child)
                .filter(c -> c.contains(EXECUTOR)).ifPresent(c -> {
                    Map<String, String> args = new HashMap<>();
                    Matcher m = ARG.matcher(c);
                    while (m.find()) {
                        args.put(m.group(1), m.group(2));
                    }
                    Matcher xmx = XMX.matcher(c);
                    out.add(new Executor(child.pid(), args.getOrDefault("app-id", "?"),
                            args.getOrDefault("executor-id", "?"),
                            Integer.parseInt(args.getOrDefault("cores", "0")),
                            xmx.find() ? xmx.group(1) : "?"));
                }));
        return out;
    }

    /** Prints the master's line, each worker's and its executors'; whether all are up. */
    boolean status(Set<Integer> stopped) {
        Optional<ProcessHandle> master = master();
        Optional<JsonNode> json = Probes.portInUse(s.sparkUiPort())
                ? Probes.sparkJson(s.sparkUiUrl(), Duration.ofSeconds(3)) : Optional.empty();
        boolean masterUp = master.isPresent() && json.map(j -> "ALIVE".equals(j.path("status")
                .asText())).orElse(false);
        String detail = json.map(j -> "Spark " + s.sparkVersion() + " standalone, "
                + j.path("status").asText() + "; " + j.path("aliveworkers").asInt() + " alive "
                + "worker(s), " + j.path("cores").asInt() + " cores (" + j.path("coresused")
                .asInt() + " used), " + j.path("memory").asInt() + " MB (" + j.path("memoryused")
                .asInt() + " used); " + j.path("activeapps").size() + " running app(s)")
                .orElse("no answer from its UI; log " + layout.sparkMasterLog());
        say("%-15s %-5s %-26s %-10s ui %s  (%s)", "spark-master", masterUp ? "up" : "down",
                s.sparkMasterUrl(), Stack.processLabel(master, masterUp), s.sparkUiUrl(), detail);
        boolean allUp = masterUp;
        int last = Math.max(s.sparkWorkers(), highestRunningWorker());
        for (int w = 1; w <= last; w++) {
            Optional<ProcessHandle> p = worker(w);
            String ui = "http://" + Probes.BIND_HOST + ":" + s.workerUiPort(w);
            if (p.isEmpty() && stopped.contains(w)) {
                say("%-15s %-5s %-26s %-10s ui %s  (stopped by 'stack down --worker %d'; "
                        + "'stack up' starts it again)", "spark-worker-" + w, "off", "-", "-",
                        ui, w);
                continue;
            }
            int worker = w;
            Optional<JsonNode> entry = json.flatMap(j -> entryOf(j, worker));
            boolean up = p.isPresent() && entry.isPresent();
            allUp &= up;
            String address = entry.map(e -> e.path("host").asText() + ":"
                    + e.path("port").asInt()).orElse("-");
            String about = entry.map(e -> plural(e.path("cores").asInt(), "core") + " ("
                    + e.path("coresused").asInt() + " used), " + e.path("memory").asInt()
                    + " MB (" + e.path("memoryused").asInt() + " used)")
                    .orElse(p.isPresent() ? "not registered with the master; log "
                            + layout.sparkWorkerLog(w) : "not running; log "
                            + layout.sparkWorkerLog(w));
            List<Executor> executors = p.map(this::executors).orElse(List.of());
            say("%-15s %-5s %-26s %-10s ui %s  (%s; %s)", "spark-worker-" + w,
                    up ? "up" : "down", address, Stack.processLabel(p, up), ui, about,
                    plural(executors.size(), "executor"));
            for (Executor e : executors) {
                say("  %-13s %-5s %-26s %-10s (%s, %s)", "executor", "up", e.app() + "/"
                        + e.id(), "pid " + e.pid(), plural(e.cores(), "core"), e.memory());
            }
        }
        return allUp;
    }
}
