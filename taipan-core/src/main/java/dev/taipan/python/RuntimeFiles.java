package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Python worker runtime ({@code taipan_worker}) that this jar carries: the sources of
 * exactly this Taipan version, copied in by the build with an index of the files and one
 * SHA-256 over them. Shipping the sources (not a wheel) keeps the Java build free of Python,
 * and the hash lets a provisioned environment say exactly which runtime it holds.
 */
public final class RuntimeFiles {
    private static final String INDEX = "runtime.index";

    private final String version;
    private final String sha256;
    private final List<String> files;

    private RuntimeFiles(String version, String sha256, List<String> files) {
        this.version = version;
        this.sha256 = sha256;
        this.files = List.copyOf(files);
    }

    /** The runtime in this jar; fails if the jar was built without it. */
    public static RuntimeFiles inThisJar() {
        try (InputStream in = RuntimeFiles.class.getResourceAsStream(INDEX)) {
            if (in == null) {
                throw new PythonEnvironmentException("this taipan-core has no Python worker runtime in it (no "
                        + "dev/taipan/python/" + INDEX + "): it was built without its resources. Build it with "
                        + "Maven, or use PythonEnvironment.interpreter(...) with taipan_worker installed", null, "", null);
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot read the Python worker runtime's index: " + e.getMessage(),
                    null, "", e);
        }
    }

    static RuntimeFiles parse(BufferedReader index) throws IOException {
        String version = null;
        String sha = null;
        List<String> files = new ArrayList<>();
        for (String line = index.readLine(); line != null; line = index.readLine()) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("version=")) {
                version = line.substring("version=".length());
            } else if (line.startsWith("sha256=")) {
                sha = line.substring("sha256=".length());
            } else if (line.startsWith("file=")) {
                String f = line.substring("file=".length());
                // Only the package's own files, named relatively: the index is ours, but an
                // entry that climbed out of the target directory must never be written.
                if (!f.startsWith("taipan_worker/") || f.contains("..") || f.contains("\\")) {
                    throw new IOException("unexpected file in the runtime index: " + f);
                }
                files.add(f);
            }
        }
        if (version == null || sha == null || sha.length() != 64 || files.isEmpty()) {
            throw new IOException("the runtime index is incomplete (version=" + version + ", sha256=" + sha
                    + ", " + files.size() + " files)");
        }
        files.sort(null);
        return new RuntimeFiles(version, sha, files);
    }

    /** The Taipan version this runtime belongs to. */
    public String version() {
        return version;
    }

    /** SHA-256 over the runtime's file names and contents, as the build computed it. */
    public String sha256() {
        return sha256;
    }

    /** The files, relative ({@code taipan_worker/...}), sorted. */
    public List<String> files() {
        return files;
    }

    /** Writes the runtime under {@code dir} (so {@code dir} goes on the import path). */
    public void extractTo(Path dir) throws IOException {
        extractTo(dir, Disk.REAL);
    }

    void extractTo(Path dir, Disk disk) throws IOException {
        for (String f : files) {
            Path target = dir.resolve(f);
            Files.createDirectories(target.getParent());
            try (InputStream in = RuntimeFiles.class.getResourceAsStream(f)) {
                if (in == null) {
                    throw new IOException("the runtime index names " + f + ", which is not in the jar");
                }
                disk.write(target, in.readAllBytes());
            }
        }
        // A copy outside a checkout and without package metadata: it learns its version here
        // (taipan_worker/_version.py), the PEP 440 spelling of this Taipan's.
        disk.write(dir.resolve("taipan_worker").resolve(VERSION_FILE),
                (dev.taipan.pool.TaipanVersion.pythonVersion(version) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The file an extracted runtime reads its version from (see taipan_worker/_version.py). */
    static final String VERSION_FILE = "VERSION";
}
