package analytics.mongo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.core.Backoff;
import analytics.core.ExitCode;
import analytics.core.Failures;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

class MongoConnectionsTest {
    @Test
    void aTimeoutIsTheSocketErrorWithoutTheClusterDump() {
        MongoTimeoutException e = new MongoTimeoutException("Timed out after 5000 ms while "
                + "waiting to connect. Client view of cluster state is {type=UNKNOWN, servers="
                + "[{address=127.0.0.1:1, type=UNKNOWN, state=CONNECTING, exception="
                + "{com.mongodb.MongoSocketOpenException: Exception opening socket}, caused by "
                + "{java.net.ConnectException: Connection refused}}]");
        assertEquals("Connection refused", Failures.reason(e));
        assertEquals("no answer in time", Failures.reason(
                new MongoTimeoutException("Timed out while waiting for a server")));
    }

    @Test
    void aRefusedLoginIsTheServersAnswerWithoutTheFullResponse() {
        BsonDocument response = new BsonDocument("ok", new BsonInt32(0))
                .append("errmsg", new BsonString("Authentication failed."))
                .append("code", new BsonInt32(18))
                .append("codeName", new BsonString("AuthenticationFailed"));
        MongoSecurityException e = new MongoSecurityException(
                MongoCredential.createCredential("admin", "admin", "s3cret".toCharArray()),
                "Exception authenticating",
                new MongoCommandException(response, new ServerAddress("db", 27017)));
        String reason = Failures.reason(e);
        assertTrue(reason.startsWith("MongoCommandException: Command failed with error 18 "
                + "(AuthenticationFailed): 'Authentication failed.'"), reason);
        assertTrue(!reason.contains("full response") && !reason.contains("s3cret"), reason);
    }

    @Test
    void aServerThatNeverAnswersIsOneLineNamingTheAttemptsAndWhy() {
        Failures.UserFacing e = assertThrows(Failures.UserFacing.class,
                () -> MongoConnections.awaitPing("mongodb://bob:s3cret@127.0.0.1:1/", "x",
                        Backoff.STANDARD.attempts(1), System.err, ""));
        String m = e.getMessage();
        assertEquals(ExitCode.UNREACHABLE, e.exitCode());
        assertTrue(m.startsWith("MongoDB at mongodb://bob:****@127.0.0.1:1/ not reachable after "
                + "1 attempt: Connection refused"), m);
        assertTrue(!m.contains("Client view") && !m.contains("s3cret") && !m.contains("\n"), m);
    }
}
