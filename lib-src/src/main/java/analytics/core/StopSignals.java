package analytics.core;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * Ctrl-C (SIGINT) and SIGTERM handled by a script itself, so that a stop request ends the run
 * like any other end (its own exit code, a summary, nothing lost) instead of the JVM's exit
 * status 130/143 with shutdown hooks racing each other.
 *
 * <p>The first signal runs {@code stop} in a thread of its own, given 128 + the signal's number
 * (the code the JVM would have exited with); a second one prints a line and halts at once with
 * that code. Where a signal cannot be handled (the JVM runs with {@code -Xrs}, or the shell
 * started the process with the signal ignored, as {@code &} does for SIGINT in scripts), the
 * JVM's default stays. Closing puts the previous handlers back, so an embedding program keeps
 * its own.
 *
 * <p>{@code sun.misc.Signal} is reached by reflection, as Kafka's own signal logging does:
 * javac has nothing to warn about and no compiler flag is needed.
 */
public final class StopSignals implements AutoCloseable {
    private static final List<String> SIGNALS = List.of("INT", "TERM");

    private final Map<Object, Object> previous = new LinkedHashMap<>();
    /** {@code Signal.handle(Signal, SignalHandler)}, found when installing. */
    private Method handle;
    private volatile Thread stopper;

    private StopSignals() {
    }

    /**
     * Installs the handlers.
     *
     * @param stop  what the first signal does (in its own thread), given 128 + signal number
     * @param err   where the second signal's line goes
     * @param again that line, e.g. "producer: stopped again; quitting at once"
     */
    public static StopSignals install(IntConsumer stop, PrintStream err, String again) {
        StopSignals s = new StopSignals();
        AtomicBoolean first = new AtomicBoolean(true);
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            s.handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Method number = signalClass.getMethod("getNumber");
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(),
                    new Class<?>[] {handlerClass}, (proxy, method, args) -> {
                        if (!method.getName().equals("handle")) {
                            return method.invoke(s, args); // equals, hashCode, toString
                        }
                        int code = 128 + (int) number.invoke(args[0]);
                        if (first.getAndSet(false)) {
                            s.stopper = new Thread(() -> stop.accept(code), "stop-signal");
                            s.stopper.start();
                        } else {
                            err.println(again);
                            err.flush();
                            Runtime.getRuntime().halt(code);
                        }
                        return null;
                    });
            for (String name : SIGNALS) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                try {
                    s.previous.put(signal, s.handle.invoke(null, signal, handler));
                } catch (java.lang.reflect.InvocationTargetException e) {
                    // This signal is the JVM's or ignored by the parent: its default stays.
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // No sun.misc.Signal in this JVM: the defaults stay (and the shutdown hooks run).
        }
        return s;
    }

    /**
     * Waits for the stop a signal started, if any, to end; an interrupt does not cut the wait
     * short (it is kept for the caller), since what follows assumes the stop is over.
     */
    public void awaitStop() {
        Thread t = stopper;
        boolean interrupted = false;
        while (t != null && t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Puts the previous handlers back. */
    @Override
    public void close() {
        previous.forEach((signal, handler) -> {
            try {
                handle.invoke(null, signal, handler);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Installed above through the same methods: nothing to put back otherwise.
            }
        });
        previous.clear();
    }
}
