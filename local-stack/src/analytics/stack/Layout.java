package analytics.stack;

import analytics.core.ExitCode;
import analytics.core.Failures;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Where everything of one stack lives under its storage folder. One Kafka node keeps today's
 * places ({@code kafka/data}, {@code logs/kafka.log}, {@code run/kafka.pid}); a cluster of N
 * nodes lives in {@code kafka/nodes-N/node-I/} with {@code logs/kafka-I.log} and
 * {@code run/kafka-I.pid}, so that clusters of different sizes never share a log directory.
 */
public record Layout(Path storage, Path projectRoot) {

    public Path kafkaDir() {
        return storage.resolve("kafka");
    }

    /** The folder of one cluster size: {@code kafka/} for one node, else {@code kafka/nodes-N}. */
    public Path kafkaClusterDir(int nodes) {
        return nodes == 1 ? kafkaDir() : kafkaDir().resolve("nodes-" + nodes);
    }

    /** The folder of node {@code node} (1-based) of a cluster of {@code nodes}. */
    public Path kafkaNodeDir(int nodes, int node) {
        return nodes == 1 ? kafkaDir() : kafkaClusterDir(nodes).resolve("node-" + node);
    }

    public Path kafkaData(int nodes, int node) {
        return kafkaNodeDir(nodes, node).resolve("data");
    }

    public Path kafkaConfig(int nodes, int node) {
        return kafkaNodeDir(nodes, node).resolve("server.properties");
    }

    /** One id for all nodes of a cluster, kept beside the data so a re-format keeps it. */
    public Path clusterIdFile(int nodes) {
        return kafkaClusterDir(nodes).resolve("cluster.id");
    }

    public Path kafkaLog(int nodes, int node) {
        return logs().resolve(nodes == 1 ? "kafka.log" : "kafka-" + node + ".log");
    }

    public Path kafkaPid(int nodes, int node) {
        return run().resolve(nodes == 1 ? "kafka.pid" : "kafka-" + node + ".pid");
    }

    public Path mongoData(String backend) {
        return storage.resolve("mongo").resolve(backend);
    }

    public Path mongoLog() {
        return logs().resolve("mongo.log");
    }

    public Path mongoPid() {
        return run().resolve("mongo.pid");
    }

    public Path mongoBackendFile() {
        return run().resolve("mongo.backend");
    }

    /** Spark of one version: {@code spark/<version>/}, its SPARK_HOME and resolved classpath. */
    public Path sparkDir(String version) {
        return storage.resolve("spark").resolve(version);
    }

    public Path sparkHome(String version) {
        return sparkDir(version).resolve("home");
    }

    /** The workers' folders for applications (executor logs, shipped jars). */
    public Path sparkWork(int worker) {
        return storage.resolve("spark").resolve("work").resolve("worker-" + worker);
    }

    public Path sparkMasterLog() {
        return logs().resolve("spark-master.log");
    }

    public Path sparkWorkerLog(int worker) {
        return logs().resolve("spark-worker-" + worker + ".log");
    }

    public Path sparkMasterPid() {
        return run().resolve("spark-master.pid");
    }

    public Path sparkWorkerPid(int worker) {
        return run().resolve("spark-worker-" + worker + ".pid");
    }

    public Path logs() {
        return storage.resolve("logs");
    }

    public Path run() {
        return storage.resolve("run");
    }

    public Path bin() {
        return storage.resolve("bin");
    }

    /** The settings of the last {@code up}, until {@code down} (the name predates Spark). */
    public Path recordFile() {
        return run().resolve("ports.properties");
    }

    /** Text every process this stack starts carries on its command line: its storage path. */
    public String marker() {
        return storage + "/";
    }

    /** Creates the folders; an unwritable storage folder is one clear failure. */
    public void prepare() {
        for (Path dir : List.of(storage, kafkaDir(), logs(), run(), bin(),
                storage.resolve("mongo"))) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw notWritable("cannot create " + dir + " (" + describe(e) + ")");
            }
            if (!Files.isWritable(dir)) {
                throw notWritable(dir.toString());
            }
        }
        try {
            Files.deleteIfExists(Files.createTempFile(run(), ".probe", ".tmp"));
        } catch (IOException e) {
            throw notWritable(describe(e));
        }
    }

    private Failures.UserFacing notWritable(String detail) {
        return new Failures.UserFacing(ExitCode.FAILED, "storage folder " + storage
                + " is not writable (--storage): " + detail);
    }

    /** Serializes concurrent runs of up and down on the same storage folder. */
    public FileLock lock() {
        Path file = run().resolve("stack.lock");
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            return channel.lock();
        } catch (IOException e) {
            throw new Failures.UserFacing(ExitCode.FAILED, "cannot lock " + file + " ("
                    + describe(e) + ")");
        }
    }

    /** A file-system error in a few words: "permission denied: /x", "Not a directory: /x". */
    static String describe(IOException e) {
        if (e instanceof AccessDeniedException ade) {
            return "permission denied: " + ade.getFile();
        }
        if (e instanceof FileSystemException fse) {
            return (fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName())
                    + ": " + fse.getFile();
        }
        return Failures.message(e);
    }
}
