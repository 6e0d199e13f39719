///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Local stack: Apache Kafka 4.1.1 (KRaft, 1 or more nodes), a MongoDB-protocol server
//DESCRIPTION (mongo-java-server 1.47.0 or FerretDB 1.24.2) and optionally a Spark standalone
//DESCRIPTION cluster, each part in its own processes, data under storage/.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.apache.kafka:kafka_2.13:4.1.1
//DEPS org.apache.kafka:kafka-server:4.1.1
//DEPS org.apache.kafka:kafka-server-common:4.1.1
//DEPS org.apache.kafka:kafka-clients:4.1.1
//DEPS org.apache.kafka:kafka-tools:4.1.1
//DEPS org.mongodb:mongodb-driver-sync:5.1.4
//DEPS de.bwaldvogel:mongo-java-server-h2-backend:1.47.0
//DEPS de.bwaldvogel:mongo-java-server-memory-backend:1.47.0
//DEPS org.slf4j:slf4j-api:2.0.17
//DEPS org.slf4j:slf4j-simple:2.0.17
//SOURCES ../lib-src/src/main/java/analytics/core/Backoff.java
//SOURCES ../lib-src/src/main/java/analytics/core/Defaults.java
//SOURCES ../lib-src/src/main/java/analytics/core/Durations.java
//SOURCES ../lib-src/src/main/java/analytics/core/ExitCode.java
//SOURCES ../lib-src/src/main/java/analytics/core/Failures.java
//SOURCES ../lib-src/src/main/java/analytics/core/ProjectPaths.java
//SOURCES ../lib-src/src/main/java/analytics/core/Secrets.java
//SOURCES ../lib-src/src/main/java/analytics/core/Version.java
//SOURCES ../lib-src/src/main/java/analytics/cli/Cli.java
//SOURCES ../local-stack/mongo-java-server/MongoJavaServer.java
//SOURCES ../local-stack/src/analytics/stack/Console.java
//SOURCES ../local-stack/src/analytics/stack/KafkaPart.java
//SOURCES ../local-stack/src/analytics/stack/KafkaTools.java
//SOURCES ../local-stack/src/analytics/stack/Layout.java
//SOURCES ../local-stack/src/analytics/stack/MongoPart.java
//SOURCES ../local-stack/src/analytics/stack/Probes.java
//SOURCES ../local-stack/src/analytics/stack/Processes.java
//SOURCES ../local-stack/src/analytics/stack/Recorded.java
//SOURCES ../local-stack/src/analytics/stack/SparkJars.java
//SOURCES ../local-stack/src/analytics/stack/SparkPart.java
//SOURCES ../local-stack/src/analytics/stack/SparkSubmit.java
//SOURCES ../local-stack/src/analytics/stack/Stack.java
//SOURCES ../local-stack/src/analytics/stack/StackSettings.java
//SOURCES ../local-stack/src/analytics/stack/Waits.java
//RUNTIME_OPTIONS -Xmx256m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=off

import analytics.cli.Cli;
import analytics.core.ExitCode;
import analytics.core.ProjectPaths;
import analytics.stack.Recorded;
import analytics.stack.Stack;
import analytics.stack.StackSettings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local stack manager: real servers, each in its own process, data under {@code storage/}
 * (docs/stack.md).
 *
 * <pre>
 *   ./jbang stack up       start what is not running; returns when every part answers
 *   ./jbang stack status   each part, its address, process and data folder (exit 5 if one is down)
 *   ./jbang stack down     stop what this stack started ('--worker N': one Spark worker)
 *   ./jbang stack kafka-topics ARGS   Kafka's own kafka-topics against the stack's nodes
 *   ./jbang stack spark-submit ARGS   Spark's own spark-submit against the stack's master
 *   ./jbang stack up --kafka-nodes 3 --spark-workers 2   a 3-node Kafka and a Spark cluster
 * </pre>
 *
 * <p>This file is the command line: flags, the settings record they make, and each
 * subcommand's lifecycle. The machinery is in local-stack/src/analytics/stack (not a folder
 * named stack/: JBang would take it for the script instead of the alias).
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
    versionProvider = Cli.VersionProvider.class,
    description = "Manages the local stack: Apache Kafka (KRaft), a MongoDB-protocol server and "
        + "optionally a Spark standalone cluster.",
    subcommands = {stack.Up.class, stack.Down.class, stack.Status.class, stack.KafkaTopics.class,
        stack.SparkSubmitCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {ExitCode.DONE_LINE, ExitCode.FAILED_LINE, ExitCode.USAGE_LINE,
        ExitCode.UNREACHABLE_LINE, ExitCode.CONFLICT_LINE, ExitCode.DOWN_LINE})
public class stack implements Callable<Integer> {

    static final String NAME = "stack";

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line as {@code main} does, without exiting. */
    static int run(String... args) {
        return newCommandLine().execute(args);
    }

    static CommandLine newCommandLine() {
        CommandLine cl = Cli.commandLine(new stack(), NAME);
        // Kafka's tool takes its own options: everything after 'kafka-topics' is passed on.
        cl.getSubcommands().get("kafka-topics").setUnmatchedOptionsArePositionalParams(true);
        cl.getSubcommands().get("spark-submit").setUnmatchedOptionsArePositionalParams(true);
        IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> {
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched
                && !ex.getCommandLine().getSubcommands().isEmpty()
                && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().get(0).startsWith("-")) {
                ex = new ParameterException(ex.getCommandLine(), "unknown subcommand '"
                    + unmatched.getUnmatched().get(0) + "': expected up, down, status or "
                    + "kafka-topics");
            }
            return usage.handleParseException(ex, args);
        });
        return cl;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(),
            "missing subcommand: one of up, down, status, kafka-topics");
    }

    // ---------------------------------------------------------------------------------------
    // The flags that describe a stack (every subcommand takes them)
    // ---------------------------------------------------------------------------------------

    /**
     * The flags of a stack, as text: {@link StackSettings#of} checks them, and a flag given
     * neither here nor in the environment takes the value the last 'up' recorded.
     */
    static final class StackOptions {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Spec
        CommandSpec self;

        @Option(names = "--storage", paramLabel = "DIR", defaultValue = "${env:STACK_STORAGE}",
            description = "Folder of the stack's data, logs, pid files and built binaries "
                + "(env STACK_STORAGE; default: storage/ of the project).")
        String storage;

        @Option(names = "--kafka-nodes", paramLabel = "N",
            defaultValue = "${env:KAFKA_NODES:-1}",
            description = "Kafka KRaft nodes, each a broker and controller in its own JVM, "
                + "1 to 9; 3 or more replicate every topic 3 times with 2 in sync "
                + "(env KAFKA_NODES; default: ${DEFAULT-VALUE}).")
        String kafkaNodes;

        @Option(names = "--kafka-port", paramLabel = "PORT[,PORT...]",
            defaultValue = "${env:KAFKA_PORT:-9092}",
            description = "Kafka client port on localhost; node N of a cluster takes PORT + "
                + "2(N-1), or give one port per node (env KAFKA_PORT; default: "
                + "${DEFAULT-VALUE}).")
        String kafkaPort;

        @Option(names = {"--controller-port", "--kafka-controller-port"},
            paramLabel = "PORT[,PORT...]", defaultValue = "${env:KAFKA_CONTROLLER_PORT:-9093}",
            description = "Kafka KRaft controller port on localhost, per node as --kafka-port "
                + "(env KAFKA_CONTROLLER_PORT; default: ${DEFAULT-VALUE}).")
        String controllerPort;

        @Option(names = "--mongo-port", paramLabel = "PORT",
            defaultValue = "${env:MONGO_PORT:-27017}",
            description = "MongoDB-protocol port on localhost (env MONGO_PORT; default: "
                + "${DEFAULT-VALUE}).")
        String mongoPort;

        @Option(names = "--mongo-backend", paramLabel = "NAME",
            defaultValue = "${env:MONGO_BACKEND:-auto}",
            description = "auto, ferretdb, mongo-java-server (H2 file), memory "
                + "(mongo-java-server keeping nothing across 'down'; about 5x faster writes) or "
                + "none (no Mongo server) (env MONGO_BACKEND; default: ${DEFAULT-VALUE}: the "
                + "server whose data is in the storage folder, else mongo-java-server; ferretdb "
                + "needs Go).")
        String mongoBackend;

        @Option(names = "--spark-workers", paramLabel = "N",
            defaultValue = "${env:STACK_SPARK_WORKERS:-0}",
            description = "Spark standalone workers beside a Spark master, each in its own JVM, "
                + "0 to 9; 0 starts no Spark. On a running cluster, a higher N starts the "
                + "workers it lacks (env STACK_SPARK_WORKERS; default: ${DEFAULT-VALUE}).")
        String sparkWorkers;

        @Option(names = "--spark-version", paramLabel = "VERSION",
            defaultValue = "${env:STACK_SPARK_VERSION:-" + analytics.core.Defaults.SPARK_VERSION
                + "}",
            description = "Spark version of the master and workers, from Spark's jars on Maven "
                + "Central (env STACK_SPARK_VERSION; default: ${DEFAULT-VALUE}, the consumer's).")
        String sparkVersion;

        @Option(names = "--spark-master-port", paramLabel = "PORT",
            defaultValue = "${env:SPARK_MASTER_PORT:-7077}",
            description = "The Spark master's port: spark://127.0.0.1:PORT (env "
                + "SPARK_MASTER_PORT; default: ${DEFAULT-VALUE}).")
        String sparkMasterPort;

        @Option(names = "--spark-ui-port", paramLabel = "PORT",
            defaultValue = "${env:SPARK_MASTER_WEBUI_PORT:-8080}",
            description = "The Spark master's web UI port (env SPARK_MASTER_WEBUI_PORT; default: "
                + "${DEFAULT-VALUE}).")
        String sparkUiPort;

        @Option(names = "--worker-ui-port", paramLabel = "PORT[,PORT...]",
            defaultValue = "${env:SPARK_WORKER_WEBUI_PORT:-8081}",
            description = "Web UI port of Spark worker 1; worker N takes PORT + N-1, or give one "
                + "port per worker (env SPARK_WORKER_WEBUI_PORT; default: ${DEFAULT-VALUE}).")
        String workerUiPort;

        @Option(names = "--worker-cores", paramLabel = "N",
            defaultValue = "${env:SPARK_WORKER_CORES:-1}",
            description = "Cores each Spark worker offers its executors (env SPARK_WORKER_CORES; "
                + "default: ${DEFAULT-VALUE}).")
        String workerCores;

        @Option(names = "--worker-memory", paramLabel = "SIZE",
            defaultValue = "${env:SPARK_WORKER_MEMORY:-1g}",
            description = "Memory each Spark worker offers its executors, such as 512m or 2g "
                + "(env SPARK_WORKER_MEMORY; default: ${DEFAULT-VALUE}).")
        String workerMemory;

        private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z_]+)");

        /**
         * The validated settings: each flag as given (command line or environment), else as
         * the last 'up' in this storage folder recorded it, else its default.
         */
        StackSettings settings() {
            Map<String, String> values = new LinkedHashMap<>();
            Set<String> given = new HashSet<>();
            for (OptionSpec o : self.options()) {
                String flag = o.names()[0].substring(2);
                values.put(flag, o.getValue());
                var parsed = mixee.commandLine().getParseResult();
                Matcher env = ENV.matcher(String.valueOf(o.defaultValue()));
                if ((parsed != null && parsed.hasMatchedOption(o.names()[0]))
                    || (env.find() && System.getenv(env.group(1)) != null)) {
                    given.add(flag);
                }
            }
            Optional<Path> root = ProjectPaths.root("stack.java")
                .filter(dir -> Files.isDirectory(dir.resolve("local-stack")));
            Path dir;
            if (storage == null || storage.isBlank()) {
                dir = root.map(r -> r.resolve("storage")).orElseThrow(() ->
                    new analytics.core.Failures.UserFacing(ExitCode.FAILED, "cannot find the "
                        + "project root (a folder with scripts/stack.java) from "
                        + Path.of("").toAbsolutePath() + "; run inside the project or pass "
                        + "--storage DIR"));
            } else {
                dir = Path.of(storage);
            }
            dir = dir.toAbsolutePath().normalize();
            values.remove("storage");
            Map<String, String> adopted = Recorded.adopt(dir.resolve("run/ports.properties"),
                values, given);
            try {
                return StackSettings.of(adopted, dir, root.orElse(null));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(mixee.commandLine(), e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Subcommands
    // ---------------------------------------------------------------------------------------

    @Command(name = "up", mixinStandardHelpOptions = true,
        description = "Starts every part that does not run (Kafka, Mongo, Spark with "
            + "--spark-workers); returns when Kafka answers a metadata request on every node, "
            + "Mongo answers ping and every Spark worker has registered with the master.")
    static final class Up implements Callable<Integer> {
        @Mixin
        StackOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--timeout", paramLabel = "DURATION",
            converter = Cli.DurationConverter.class,
            defaultValue = "${env:STACK_TIMEOUT:-120s}",
            description = "Longest wait for each part to answer after its start, such as 120s "
                + "or 5m (env STACK_TIMEOUT; default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() throws Exception {
            Cli.warnBareDurations(spec.commandLine().getParseResult(), NAME,
                spec.commandLine().getErr());
            Cli.require(spec.commandLine(), timeout.compareTo(Duration.ofSeconds(1)) >= 0,
                "--timeout", timeout, "must be at least 1s");
            Stack stack = new Stack(options.settings());
            stack.layout().prepare();
            try (FileLock lock = stack.layout().lock()) {
                return stack.up(timeout);
            }
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stops the processes this stack started (SIGTERM, bounded wait, then "
            + "kill): Spark workers with their executors, the master, Mongo, the Kafka nodes. "
            + "Servers it did not start are left running.")
    static final class Down implements Callable<Integer> {
        @Mixin
        StackOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--grace", paramLabel = "DURATION",
            converter = Cli.DurationConverter.class, defaultValue = "30s",
            description = "Wait after SIGTERM before killing a process, such as 30s "
                + "(default: ${DEFAULT-VALUE}).")
        Duration grace;

        @Option(names = "--worker", paramLabel = "N",
            description = "Stop only Spark worker N (and its executors); the others keep "
                + "running, and 'up' starts it again.")
        Integer worker;

        @Override
        public Integer call() throws Exception {
            Cli.warnBareDurations(spec.commandLine().getParseResult(), NAME,
                spec.commandLine().getErr());
            StackSettings settings = options.settings();
            if (!Files.isDirectory(settings.storage())) {
                // Nothing was ever started there; do not leave empty folders behind either.
                System.out.println("Nothing to stop: " + settings.storage() + " does not exist "
                    + "(no stack was started with this --storage)");
                return ExitCode.DONE;
            }
            Stack stack = new Stack(settings);
            stack.layout().prepare();
            try (FileLock lock = stack.layout().lock()) {
                return worker != null ? stack.downWorker(worker, grace) : stack.down(grace);
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows each part: address, process (pid, external or down), data folder; "
            + "each Kafka node of a cluster; the Spark master (URL, UI), each worker (cores, "
            + "memory) and its executors. Exit code 5 when a part is down.")
    static final class Status implements Callable<Integer> {
        @Mixin
        StackOptions options;

        @Override
        public Integer call() {
            return new Stack(options.settings()).status();
        }
    }

    @Command(name = "kafka-topics",
        description = "Runs Kafka's own kafka-topics (the same Kafka 4.1.1 jars as the nodes) "
            + "against the stack's nodes: every argument goes to Kafka's tool, with "
            + "--bootstrap-server set to the stack's nodes unless given, e.g. 'stack "
            + "kafka-topics --create --topic test-topic --partitions 3 --replication-factor 2'. "
            + "'stack kafka-topics --help' shows Kafka's options.")
    static final class KafkaTopics implements Callable<Integer> {
        @Mixin
        StackOptions options;

        @Parameters(paramLabel = "ARGS", description = "kafka-topics' own arguments.")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return new Stack(options.settings()).kafkaTopics(args);
        }
    }

    @Command(name = "spark-submit", mixinStandardHelpOptions = false,
        description = {"Runs Spark's own spark-submit with the stack's Spark (the jars of "
            + "--spark-version, and the Java options Spark's launcher adds), against the "
            + "stack's master unless --master is given, e.g. 'stack spark-submit --packages "
            + "G:A:V --class analytics.scripts.consumer consumer.jar --brokers ...'. 'stack "
            + "spark-submit --help' shows Spark's options."})
    static final class SparkSubmitCommand implements Callable<Integer> {
        @Mixin
        StackOptions options;

        @Parameters(paramLabel = "ARGS", description = "spark-submit's own arguments.")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            return new Stack(options.settings()).sparkSubmit(args);
        }
    }
}
