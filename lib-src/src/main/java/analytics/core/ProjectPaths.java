package analytics.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the project's folder from a running script. JBang 0.132 passes no property with the
 * script's own path at run time, so this looks, in order, at {@code -Dproject.root} (tests), the
 * folder of the {@code ./jbang} wrapper that launched the script ({@code JBANG_LAUNCH_CMD}), and
 * the working folder and its parents, for the folder holding {@code jbang-catalog.json} and the
 * given script.
 */
public final class ProjectPaths {
    private ProjectPaths() {
    }

    /** The project root, if one is found around the given script name (e.g. "cleanup.java"). */
    public static Optional<Path> root(String script) {
        List<Path> starts = new ArrayList<>();
        String prop = System.getProperty("project.root");
        if (prop != null && !prop.isBlank()) {
            starts.add(Path.of(prop));
        }
        String launcher = System.getenv("JBANG_LAUNCH_CMD");
        if (launcher != null && !launcher.isBlank()) {
            Path parent = Path.of(launcher).toAbsolutePath().getParent();
            if (parent != null) {
                starts.add(parent);
            }
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path dir = start.toAbsolutePath().normalize(); dir != null;
                    dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("jbang-catalog.json"))
                        && Files.isRegularFile(dir.resolve("scripts").resolve(script))) {
                    return Optional.of(dir);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code <root>/storage/checkpoint}, or {@code ./storage/checkpoint} outside the project. */
    public static Path defaultCheckpointBase(String script) {
        return root(script).orElse(Path.of("").toAbsolutePath())
                .resolve("storage").resolve("checkpoint");
    }
}
