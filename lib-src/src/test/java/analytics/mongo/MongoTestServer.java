package analytics.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The Mongo server of {@code MONGO_URI} that the library's tests run against (scripts/test.sh
 * sets it; the tests are skipped locally without it, and fail in CI without it).
 */
final class MongoTestServer {
    private MongoTestServer() {
    }

    static String uri() {
        String uri = System.getenv("MONGO_URI");
        Assumptions.assumeTrue(uri != null && !uri.isBlank() || System.getenv("CI") != null,
                "MONGO_URI not set");
        return uri;
    }

    static MongoClient client() {
        return MongoConnections.open(uri(), Duration.ofSeconds(10));
    }

    /** A proxy, closed for now, to the server. */
    static SwitchableProxy proxy() throws IOException {
        ServerAddress server = new ServerAddress(new ConnectionString(uri()).getHosts().get(0));
        return new SwitchableProxy(server.getHost(), server.getPort());
    }

    /** The server's URI with its host replaced by the proxy's. */
    static String uriThrough(SwitchableProxy proxy) {
        String uri = uri();
        String host = new ConnectionString(uri).getHosts().get(0);
        return uri.replaceFirst(Pattern.quote(host), "127.0.0.1:" + proxy.port());
    }
}
