///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Helper of bench/dashboard-bench.sh: pages in Chromium, first KPIs, server memory
//JAVA 17+
//DEPS org.seleniumhq.selenium:selenium-java:4.52.0
//DEPS org.slf4j:slf4j-nop:2.0.17

import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Helper of bench/dashboard-bench.sh.
 *
 * <pre>
 *   dashboardprobe.java URL PAGES HOLD_SECONDS SERVER_PID [WAIT_SECONDS]
 * </pre>
 *
 * Opens URL in PAGES tabs of one headless Chromium (Debian's, driven by its chromedriver, as the
 * browser tests do), one after the other; for each prints the time from opening it to the first
 * KPI value on the page ({@code .dash-kpi-value}), waiting at most WAIT_SECONDS (300). Then
 * holds the pages open for HOLD_SECONDS and prints the resident memory of SERVER_PID and all
 * its descendants, each and in all (the serving processes and their kernels; the browser is not
 * counted).
 */
public class dashboardprobe {
    public static void main(String[] args) throws Exception {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: dashboardprobe.java URL PAGES HOLD_SECONDS SERVER_PID"
                    + " [WAIT_SECONDS]");
            System.exit(2);
        }
        String url = args[0];
        int pages = Integer.parseInt(args[1]);
        long hold = Long.parseLong(args[2]);
        long server = Long.parseLong(args[3]);
        long wait = args.length == 5 ? Long.parseLong(args[4]) : 300;
        Path profile = Files.createTempDirectory("dashboard-probe-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                // Background tabs keep their timers: every open page polls as a viewer would.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--user-data-dir=" + profile, "--window-size=1300,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        WebDriver driver = new ChromeDriver(service, options);
        try {
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < pages; i++) {
                if (i > 0) {
                    driver.switchTo().newWindow(WindowType.TAB);
                }
                long t0 = System.nanoTime();
                driver.get(url);
                long deadline = t0 + Duration.ofSeconds(wait).toNanos();
                boolean shown = true;
                while (driver.findElements(By.cssSelector(".dash-kpi-value")).isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        shown = false;
                        break;
                    }
                    Thread.sleep(50);
                }
                double s = (System.nanoTime() - t0) / 1e9;
                times.add(s);
                System.out.printf(Locale.ROOT, shown ? "page %d: first KPIs after %.2f s%n"
                        : "page %d: no KPIs within %.0f s%n", i + 1, s);
            }
            Thread.sleep(hold * 1000);
            StringBuilder each = new StringBuilder();
            for (ProcessHandle p : tree(server)) {
                String cmd = p.info().commandLine().orElse("?");
                String name = cmd.contains("rapaio-jupyter-kernel") ? "kernel"
                        : cmd.contains("jupyter-server") || cmd.contains("jupyter server")
                        ? "jupyter-server" : cmd.contains("voila") ? "voila"
                        : cmd.contains("serve_dashboard") ? "serve" : "other";
                each.append(String.format(Locale.ROOT, " %s %.0f", name, rssKb(p) / 1024.0));
            }
            System.out.printf(Locale.ROOT, "%d pages open: server RSS %.0f MB (MB each:%s)%n",
                    pages, tree(server).stream().mapToLong(dashboardprobe::rssKb).sum() / 1024.0,
                    each);
        } finally {
            driver.quit();
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<ProcessHandle> tree(long pid) {
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(p -> {
            out.add(p);
            p.descendants().forEach(out::add);
        });
        return out;
    }

    private static long rssKb(ProcessHandle p) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()),
                    "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return 0;
    }
}
