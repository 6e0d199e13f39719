package analytics.stack;

import static analytics.stack.Console.say;
import static analytics.stack.Console.seconds;

import analytics.core.ExitCode;
import analytics.core.Failures;
import analytics.core.Secrets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lifecycle of one stack (a storage folder): {@code up} starts what does not run and
 * returns when everything answers, {@code down} stops what this stack started, {@code status}
 * says what runs. Kafka, Mongo and Spark are independent parts ({@link KafkaPart},
 * {@link MongoPart}, {@link SparkPart}); this class orders them and makes a failed
 * {@code up} leave nothing half-started.
 */
public final class Stack {
    /** The data folder of a server this stack did not start: not ours to show. */
    static final String NOT_OURS = "(its own: not started by this stack)";

    private final Layout layout;
    private final StackSettings s;

    public Stack(StackSettings settings) {
        this.s = settings;
        this.layout = new Layout(settings.storage(), settings.projectRoot());
    }

    public Layout layout() {
        return layout;
    }

    // --- up ------------------------------------------------------------------------------

    /** Starts what is not running and returns 0 once every part answers. */
    public int up(Duration timeout) throws IOException, InterruptedException {
        KafkaPart kafka = new KafkaPart(layout, s);
        MongoPart mongo = new MongoPart(layout, s);
        SparkPart spark = new SparkPart(layout, s);
        // Look before starting anything, so that a conflict leaves nothing half-started.
        List<KafkaPart.Found> kafkaFound = kafka.find();
        KafkaPart.Found mongoFound = s.hasMongo() ? mongo.find() : null;
        String backend = mongoFound == KafkaPart.Found.FREE ? mongo.chooseBackend() : null;
        Path ferretdb = "ferretdb".equals(backend) ? mongo.ensureFerretDb() : null;
        int runningWorkers = spark.highestRunningWorker();
        SparkPart.Plan plan = s.hasSpark() ? spark.plan()
                : new SparkPart.Plan(false, List.of());
        if (runningWorkers > s.sparkWorkers()) {
            say("Note: %d Spark worker(s) keep running (--spark-workers %d stops none; 'stack "
                    + "down --worker N' does)", runningWorkers, s.sparkWorkers());
        }
        Path sparkHome = plan.nothing() ? null : SparkJars.home(layout, s.sparkVersion());

        List<ProcessHandle> startedNow = new ArrayList<>();
        List<Process> kafkaStarted = List.of();
        Process mongoProcess = null;
        Instant start = Instant.now();
        try {
            kafka.format(kafkaFound);
            kafkaStarted = kafka.start(kafkaFound, startedNow);
            if (backend != null) {
                mongoProcess = backend.equals("ferretdb") ? mongo.startFerretDb(ferretdb)
                        : mongo.startMongoJavaServer(backend.equals("memory"));
                startedNow.add(mongoProcess.toHandle());
            }
            List<Process> sparkStarted = spark.start(plan, sparkHome, startedNow);
            kafka.await(kafkaStarted, timeout, start);
            if (s.hasMongo()) {
                String server = mongo.await(mongoProcess, timeout);
                say("Mongo %s at %s (%s)%s", mongoProcess != null ? "ready" : "up", mongo.uri(),
                        server, mongoProcess == null ? ""
                                : " after " + seconds(Duration.between(start, Instant.now())));
            }
            spark.await(plan, sparkStarted, timeout, start);
        } catch (RuntimeException | InterruptedException | IOException e) {
            // Nothing half-started: stop what this run started, then report.
            for (ProcessHandle p : startedNow) {
                Processes.stop(p, Duration.ofSeconds(10));
            }
            if (!kafkaStarted.isEmpty()) {
                kafka.forget(kafkaStarted);
            }
            if (mongoProcess != null) {
                mongo.forget();
            }
            spark.forget(plan);
            throw e;
        }
        StackSettings recorded = runningWorkers > s.sparkWorkers()
                ? s.with("spark-workers", String.valueOf(runningWorkers)) : s;
        Recorded.write(layout.recordFile(), recorded);
        say("KAFKA_BOOTSTRAP=%s%s%s", s.bootstrap(), s.hasMongo() ? " MONGO_URI="
                + Secrets.maskUri(s.mongoUri()) : "", recorded.hasSpark() ? " SPARK_MASTER="
                + s.sparkMasterUrl() : "");
        return ExitCode.DONE;
    }

    // --- down ----------------------------------------------------------------------------

    /** Stops everything this stack started: Spark (with executors), Mongo, Kafka. */
    public int down(Duration grace) throws IOException, InterruptedException {
        new SparkPart(layout, s).down(grace);
        MongoPart mongo = new MongoPart(layout, s);
        if (s.hasMongo() || Files.exists(layout.mongoPid())) {
            mongo.down(grace);
        }
        new KafkaPart(layout, s).down(grace);
        Files.deleteIfExists(layout.recordFile());
        return ExitCode.DONE;
    }

    /** Stops Spark worker {@code worker} and its executors; the others keep running. */
    public int downWorker(int worker, Duration grace) throws IOException {
        SparkPart spark = new SparkPart(layout, s);
        int workers = Math.max(s.sparkWorkers(), spark.highestRunningWorker());
        if (worker < 1 || worker > workers) {
            throw new Failures.UserFacing(ExitCode.USAGE, "--worker " + worker + ": this stack "
                    + "has " + (workers == 0 ? "no Spark workers" : "workers 1 to " + workers)
                    + " (see --help)");
        }
        spark.stopWorker(worker, grace);
        Recorded.markStopped(layout.recordFile(), worker);
        return ExitCode.DONE;
    }

    /**
     * Stops the process of a pid file when it is alive and looks like ours, and says what
     * happened; removes the pid file.
     */
    static void stopPart(String part, Path pidFile, int port, Duration grace, String marker)
            throws IOException {
        Optional<ProcessHandle> process = marker == null
                ? Processes.readPid(pidFile).flatMap(ProcessHandle::of)
                        .filter(ProcessHandle::isAlive)
                : Processes.ours(pidFile, marker);
        if (process.isPresent()) {
            Instant start = Instant.now();
            boolean graceful = Processes.stop(process.get(), grace);
            say("%s: stopped (pid %d) in %s%s", part, process.get().pid(),
                    seconds(Duration.between(start, Instant.now())),
                    graceful ? "" : ", killed after " + grace.toSeconds() + " s (--grace)");
        } else if (port > 0 && Probes.portInUse(port)) {
            say("%s: port %d is served by a process this stack did not start: left running",
                    part, port);
        } else {
            say("%s: not running", part);
        }
        Files.deleteIfExists(pidFile);
    }

    // --- status --------------------------------------------------------------------------

    /** Prints each part; 0 when everything is up, {@link ExitCode#DOWN} otherwise. */
    public int status() {
        boolean allUp = new KafkaPart(layout, s).status();
        allUp &= new MongoPart(layout, s).status();
        SparkPart spark = new SparkPart(layout, s);
        if (s.hasSpark() || spark.master().isPresent() || spark.highestRunningWorker() > 0) {
            allUp &= spark.status(Recorded.stoppedWorkers(layout.recordFile()));
        }
        return allUp ? ExitCode.DONE : ExitCode.DOWN;
    }

    static String processLabel(Optional<ProcessHandle> ours, boolean answers) {
        if (ours.isPresent()) {
            return "pid " + ours.get().pid();
        }
        return answers ? "external" : "down";
    }

    // --- Kafka's own tools ---------------------------------------------------------------

    /** Runs Kafka's kafka-topics against this stack's nodes (see {@link KafkaTools}). */
    public int kafkaTopics(List<String> args) {
        boolean anyUp = s.kafkaPorts().stream().anyMatch(Probes::portInUse);
        boolean ownBootstrap = args.stream().anyMatch(a -> a.startsWith("--bootstrap-server")
                || a.startsWith("--bootstrap-controller"));
        if (!anyUp && !ownBootstrap && !args.contains("--help") && !args.contains("--version")) {
            throw new Failures.UserFacing(ExitCode.UNREACHABLE, "no Kafka node answers at "
                    + s.bootstrap() + " (run 'stack up' first, or pass --storage of a stack "
                    + "that is up)");
        }
        List<String> full = new ArrayList<>();
        if (!ownBootstrap) {
            full.addAll(List.of("--bootstrap-server", s.bootstrap()));
        }
        full.addAll(args);
        return KafkaTools.topics(full);
    }

    /**
     * Spark's own spark-submit with the stack's Spark version: {@code --master} is the stack's
     * master unless given ({@link SparkSubmit}).
     */
    public int sparkSubmit(List<String> args) throws IOException, InterruptedException {
        layout.prepare();
        Path home = SparkJars.home(layout, s.sparkVersion());
        List<String> full = new ArrayList<>();
        boolean ownMaster = args.stream().anyMatch(a -> a.equals("--master")
                || a.startsWith("--master="));
        boolean info = args.contains("--help") || args.contains("--version");
        if (!ownMaster && !info) {
            if (!Probes.portInUse(s.sparkMasterPort())) {
                throw new Failures.UserFacing(ExitCode.UNREACHABLE, "no Spark master answers at "
                        + s.sparkMasterUrl() + " (run 'stack up --spark-workers N' first, or "
                        + "pass --master)");
            }
            full.addAll(List.of("--master", s.sparkMasterUrl()));
        }
        full.addAll(args);
        return SparkSubmit.run(home, full);
    }
}
