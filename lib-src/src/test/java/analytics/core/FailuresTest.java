package analytics.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailuresTest {

    @Test
    void joinRethrowsTheFailureOfTheFutureAsItWasThrown() {
        IllegalStateException thrown = new IllegalStateException("kafka down");
        CompletableFuture<Boolean> failed = CompletableFuture.supplyAsync(() -> {
            throw thrown;
        });
        assertSame(thrown, assertThrows(IllegalStateException.class,
                () -> Failures.join(failed)));
        assertEquals("x", Failures.join(CompletableFuture.supplyAsync(() -> "x")));
    }

    @Test
    void describesAFailureAndItsRootCauseOnOneLine() {
        Exception e = new IllegalStateException("write failed\nat line 2",
                new IOException("outer", new ConnectException("Connection refused")));
        assertEquals("IllegalStateException: write failed (cause: ConnectException: Connection "
                + "refused)", Failures.describe(e));
    }

    @Test
    void masksPasswordsInEveryLine() {
        Exception e = new IllegalArgumentException("bad uri mongodb://bob:hunter2@db:27017/x");
        assertFalse(Failures.describe(e).contains("hunter2"), Failures.describe(e));
        assertFalse(Failures.message(e).contains("hunter2"), Failures.message(e));
        assertFalse(Failures.reason(e).contains("hunter2"), Failures.reason(e));
    }

    @Test
    void skipsConcurrencyWrappers() {
        Exception e = new ExecutionException(new IllegalStateException("boom"));
        assertEquals("IllegalStateException: boom", Failures.describe(e));
        assertEquals("boom", Failures.message(e));
    }

    @Test
    void aTimeoutIsNoAnswerInTime() {
        assertEquals("no answer in time", Failures.reason(new TimeoutException("after 5000 ms")));
        assertEquals("no answer in time",
                Failures.reason(new ExecutionException(new TimeoutException())));
    }

    @Test
    void otherReasonsAreTheRootCauseWithoutTheServersFullResponse() {
        Exception e = new RuntimeException("x", new IllegalStateException("Command failed. "
                + "The full response is {\"ok\": 0}"));
        assertEquals("IllegalStateException: Command failed.", Failures.reason(e));
    }

    @Test
    void findsACauseByItsClassName() {
        Exception e = new RuntimeException(new ConnectException("refused"));
        assertTrue(Failures.causedBy(e, "ConnectException"));
        assertFalse(Failures.causedBy(e, "TimeoutException"));
    }

    @Test
    void aUserFacingFailureKeepsItsExitCodeAndIsMasked() {
        var u = new Failures.UserFacing(ExitCode.UNREACHABLE, "at mongodb://a:secret@h down");
        assertEquals(3, u.exitCode());
        assertFalse(u.getMessage().contains("secret"));
    }
}
