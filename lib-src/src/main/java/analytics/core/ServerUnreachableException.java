package analytics.core;

/**
 * A server (Kafka, MongoDB) that did not answer, or refused us, before any work started. Its
 * message is complete for the user: one line, passwords masked, naming the server and why;
 * scripts print it as it is, without the exception's class.
 */
public class ServerUnreachableException extends IllegalStateException {
    public ServerUnreachableException(String message) {
        super(message);
    }
}
