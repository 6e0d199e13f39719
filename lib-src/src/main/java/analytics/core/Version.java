package analytics.core;

/** The project's one version, as every script's {@code --version} prints it. */
public final class Version {
    private Version() {
    }

    /** Bumped with each release of the scripts and the library together. */
    public static final String VERSION = "0.2.0";

    /** The line {@code --version} prints, e.g. "consumer 0.2.0". */
    public static String line(String script) {
        return script + " " + VERSION;
    }
}
