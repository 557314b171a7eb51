package dev.taipan.pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build of Taipan, as Maven wrote it into {@code version.properties} (the
 * one version of every artifact, set in {@code .mvn/maven.config}). The Python worker package
 * carries the same version ({@code taipan_worker.__version__}), written the Python way: a
 * {@code -SNAPSHOT} here is {@code .dev0} there ({@link #pythonVersion()}).
 */
public final class TaipanVersion {
    private static final String RESOURCE = "version.properties";
    private static final String SNAPSHOT = "-SNAPSHOT";
    private static final String VERSION = load();

    private TaipanVersion() {
    }

    /** The Maven version of this build, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        return VERSION;
    }

    /** The same version as PEP 440 spells it, as the worker package reports it: {@code 0.1.0.dev0}. */
    public static String pythonVersion() {
        return pythonVersion(VERSION);
    }

    /** {@code mavenVersion} as PEP 440 spells it. */
    public static String pythonVersion(String mavenVersion) {
        return mavenVersion.endsWith(SNAPSHOT)
                ? mavenVersion.substring(0, mavenVersion.length() - SNAPSHOT.length()) + ".dev0"
                : mavenVersion;
    }

    private static String load() {
        // A missing or unfiltered resource is a broken build, not a version to guess.
        try (InputStream in = TaipanVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing next to " + TaipanVersion.class.getName());
            }
            Properties p = new Properties();
            p.load(in);
            String version = p.getProperty("version", "");
            if (version.isBlank() || version.contains("${")) {
                throw new IllegalStateException(RESOURCE + " has no version: '" + version + "'");
            }
            return version.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
