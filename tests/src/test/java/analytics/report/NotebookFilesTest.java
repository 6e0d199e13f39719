package analytics.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import analytics.testkit.Scripts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The notebooks as committed: no outputs (the git filter strips them; this checks the staged
 * version when git knows the file, else the file itself), a {@code parameters} cell, the Java
 * kernelspec, and no kernel-specific magics (so they also run on IJava/JJava).
 */
class NotebookFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void committedNotebooksHaveNoOutputsAParametersCellAndNoMagics() throws Exception {
        List<Path> notebooks;
        Path root = Scripts.projectRoot();
        try (Stream<Path> s = Files.list(root.resolve("notebooks"))) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertTrue(notebooks.stream().anyMatch(p -> p.endsWith("dashboard.ipynb")), "" + notebooks);
        assertTrue(notebooks.stream().anyMatch(p -> p.endsWith("explore.ipynb")), "" + notebooks);
        for (Path p : notebooks) {
            JsonNode nb = JSON.readTree(committedText(root, p));
            assertEquals("rapaio-jupyter-kernel",
                    nb.path("metadata").path("kernelspec").path("name").asText(), p.toString());
            boolean parameters = false;
            for (JsonNode cell : nb.path("cells")) {
                if (!"code".equals(cell.path("cell_type").asText())) {
                    continue;
                }
                assertEquals(0, cell.path("outputs").size(), p + ": a cell has outputs");
                assertTrue(cell.path("execution_count").isNull(), p + ": execution count kept");
                for (JsonNode tag : cell.path("metadata").path("tags")) {
                    parameters |= "parameters".equals(tag.asText());
                }
                String source = source(cell);
                for (String line : source.split("\n")) {
                    assertFalse(line.strip().startsWith("%"), p + ": kernel magic: " + line);
                }
            }
            assertTrue(parameters, p + ": no cell tagged parameters");
        }
    }

    @Test
    void notebooksScriptHelpIsUsageOnStdoutWithExitZeroAndAnUnknownCommandExitsTwo()
            throws Exception {
        Path script = Scripts.projectRoot().resolve("scripts/notebooks.sh");
        Process help = new ProcessBuilder("bash", script.toString(), "--help")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(help.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, help.exitValue(), out);
        assertTrue(out.contains("render [NOTEBOOK]") && out.contains("RENDER_CELL_TIMEOUT"), out);
        Process bad = new ProcessBuilder("bash", script.toString(), "sideways")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue(), err);
        assertTrue(err.contains("unknown command: sideways"), err);
    }

    /** The staged (to-be-committed) content when git tracks the file, else the file itself. */
    private static String committedText(Path root, Path file) throws IOException,
            InterruptedException {
        String rel = root.relativize(file).toString();
        Path out = Files.createTempFile("nb-", ".ipynb");
        try {
            Process p = new ProcessBuilder("git", "show", ":" + rel).directory(root.toFile())
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Files.readString(out, StandardCharsets.UTF_8);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Files.readString(file, StandardCharsets.UTF_8); // no git here
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String source(JsonNode cell) {
        JsonNode s = cell.path("source");
        if (s.isTextual()) {
            return s.asText();
        }
        List<String> parts = new ArrayList<>();
        s.forEach(x -> parts.add(x.asText()));
        return String.join("", parts);
    }
}
