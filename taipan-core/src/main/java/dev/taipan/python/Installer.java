package dev.taipan.python;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a venv and installs packages into it: with {@code uv} when this machine has it (on
 * {@code PATH}, or as the base interpreter's {@code -m uv}), which is many times faster and
 * shares one cache across environments; with the standard library's {@code venv} and pip
 * otherwise, which every CPython has.
 */
final class Installer {
    private final String name;
    /** The uv command ({@code uv}, or {@code python -m uv}); empty for pip. */
    private final List<String> uv;

    private Installer(String name, List<String> uv) {
        this.name = name;
        this.uv = uv;
    }

    /** uv if it runs here, pip otherwise. */
    static Installer choose(Path basePython, Map<String, String> env) {
        return choose(basePython, null, env);
    }

    /**
     * uv if it runs here: on {@code PATH}, or as {@code -m uv} of the interpreter the user gave
     * ({@code given}, which may be a venv holding uv) or of the real base interpreter behind it;
     * pip otherwise.
     */
    static Installer choose(Path basePython, Path given, Map<String, String> env) {
        Path onPath = Detection.onPath(env.get("PATH"), File.separatorChar == '\\' ? List.of("uv.exe") : List.of("uv"));
        if (onPath != null && runs(List.of(onPath.toString(), "--version"))) {
            return new Installer("uv", List.of(onPath.toString()));
        }
        List<Path> pythons = given == null || given.equals(basePython) ? List.of(basePython) : List.of(given, basePython);
        for (Path python : pythons) {
            List<String> module = List.of(python.toString(), "-m", "uv");
            if (runs(concat(module, List.of("--version")))) {
                return new Installer("uv", module);
            }
        }
        return new Installer("pip", List.of());
    }

    static Installer pip() {
        return new Installer("pip", List.of());
    }

    private static boolean runs(List<String> command) {
        try {
            return Tool.run(command, Map.of(), null, Duration.ofSeconds(30)).ok();
        } catch (IOException e) {
            return false;
        }
    }

    String name() {
        return name;
    }

    /** How the installer is run, for a message: the uv command, or "venv and pip". */
    String command() {
        return uv.isEmpty() ? "venv and pip" : Tool.describe(uv);
    }

    /** {@code withPip}: uv too puts pip in it ({@code --seed}); venv always does. */
    List<String> createVenv(Path basePython, Path dir, boolean withPip) {
        if (uv.isEmpty()) {
            // With pip in it (from the interpreter's bundled wheel: no network).
            return List.of(basePython.toString(), "-m", "venv", dir.toString());
        }
        List<String> words = new ArrayList<>(List.of("venv", "--quiet"));
        if (withPip) {
            words.add("--seed");
        }
        words.addAll(List.of("--python", basePython.toString(), dir.toString()));
        return concat(uv, words);
    }

    List<String> createVenv(Path basePython, Path dir) {
        return createVenv(basePython, dir, false);
    }

    List<String> install(Path envPython, List<String> requirements, Path requirementsFile) {
        return install(envPython, requirements, requirementsFile, List.of());
    }

    /** {@code editables}: local projects ({@code path[extras]}), each given with {@code -e}. */
    List<String> install(Path envPython, List<String> requirements, Path requirementsFile, List<String> editables) {
        List<String> cmd = new ArrayList<>(uv.isEmpty()
                ? List.of(envPython.toString(), "-m", "pip", "install", "--no-input", "--disable-pip-version-check")
                : concat(uv, List.of("pip", "install", "--python", envPython.toString())));
        cmd.addAll(requirements);
        for (String editable : editables) {
            cmd.add("-e");
            cmd.add(editable);
        }
        if (requirementsFile != null) {
            cmd.add("-r");
            cmd.add(requirementsFile.toAbsolutePath().toString());
        }
        return cmd;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
