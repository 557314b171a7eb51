package dev.taipan;

import dev.taipan.python.Detection;
import dev.taipan.python.Interpreter;
import dev.taipan.python.Provisioner;
import dev.taipan.python.RuntimeFiles;
import dev.taipan.python.Tool;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Python that runs a pool's workers, and how to get it. Immutable; give one to
 * {@link PoolConfig.Builder#python(PythonEnvironment)}. The pool {@link #resolve() resolves}
 * it when it starts, before any worker, so a wrong interpreter fails at once with a message
 * that names it.
 * <ul>
 *   <li>{@link #interpreter(Path)}: this interpreter (it must have {@code taipan_worker} importable);</li>
 *   <li>{@link #command(String...)}: a launcher and its words, for {@code uv run python} or
 *       {@code conda run -n env python}: workers run as {@code <command...> -m taipan_worker ...};</li>
 *   <li>{@link #detect()}: the Python a developer would expect: {@code VIRTUAL_ENV}, {@code CONDA_PREFIX},
 *       a {@code .venv} in the working directory, then {@code python3} on {@code PATH};</li>
 *   <li>{@link #provisioned()}: a venv that Taipan makes once in a cache directory, with this jar's
 *       own worker runtime, its dependencies and your requirements, and reuses after
 *       (see docs/ENVIRONMENTS.md).</li>
 * </ul>
 */
public final class PythonEnvironment {
    /** How the interpreter was chosen. */
    public enum Source {
        /** Given with {@link #interpreter(Path)}. */
        INTERPRETER,
        /** Given with {@link #command(String...)}. */
        COMMAND,
        /** {@link #detect()}: an activated virtualenv. */
        VIRTUAL_ENV,
        /** {@link #detect()}: an activated conda environment. */
        CONDA_PREFIX,
        /** {@link #detect()}: a {@code .venv} in the working directory. */
        DOT_VENV,
        /** {@link #detect()}: {@code python3} on {@code PATH}. */
        PATH,
        /** {@link #provisioned()}: a managed environment in the cache. */
        PROVISIONED
    }

    private enum Kind { FIXED, DETECT, PROVISIONED }

    /** The cache's default, under the user's home: {@code ~/.cache/taipan/envs}. */
    private static final String DEFAULT_CACHE = ".cache/taipan/envs";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    private final Kind kind;
    private final Source source;
    private final List<String> command;
    private final Provisioner.Spec spec;

    private PythonEnvironment(Kind kind, Source source, List<String> command, Provisioner.Spec spec) {
        this.kind = kind;
        this.source = source;
        this.command = command;
        this.spec = spec;
    }

    /**
     * This interpreter: a path, or a bare name ({@code python3}) looked up on {@code PATH}.
     * Nothing is checked until it is resolved.
     *
     * @param python the executable
     * @return the environment
     * @throws NullPointerException     if {@code python} is null
     * @throws IllegalArgumentException if {@code python} is blank
     */
    public static PythonEnvironment interpreter(Path python) {
        Objects.requireNonNull(python, "python");
        check(!python.toString().isBlank(), "interpreter must name a Python executable");
        return new PythonEnvironment(Kind.FIXED, Source.INTERPRETER, List.of(python.toString()), null);
    }

    /**
     * A command that runs Python, such as {@code command("uv", "run", "python")} or
     * {@code command("conda", "run", "-n", "env", "python")}: the worker's arguments follow it.
     *
     * @param command the program and its words
     * @return the environment
     * @throws IllegalArgumentException if there is no word, the program is blank, or a word is
     *                                  null or holds a NUL character
     */
    public static PythonEnvironment command(String... command) {
        Objects.requireNonNull(command, "command");
        return command(List.of(command));
    }

    /**
     * {@link #command(String...)} from a list.
     *
     * @param command the program and its words
     * @return the environment
     * @throws IllegalArgumentException if there is no word, the program is blank, or a word is
     *                                  null or holds a NUL character
     */
    public static PythonEnvironment command(List<String> command) {
        Objects.requireNonNull(command, "command");
        check(!command.isEmpty(), "command must have at least the program to run");
        for (String word : command) {
            check(word != null && word.indexOf('\0') < 0, "command words must be non-null, without NUL: " + command);
        }
        check(!command.get(0).isBlank(), "command must start with a program, got " + command);
        return new PythonEnvironment(Kind.FIXED, Source.COMMAND, List.copyOf(command), null);
    }

    /** {@return an environment that finds the conventional Python when resolved} {@link Resolved#description()} says which and why. */
    public static PythonEnvironment detect() {
        return new PythonEnvironment(Kind.DETECT, null, List.of(), null);
    }

    /** {@return a builder of a managed environment in the cache (see {@link Builder})} */
    public static Builder provisioned() {
        return new Builder();
    }

    /**
     * Finds, checks or makes the interpreter. Quick for an interpreter or a command (one short
     * probe of its version); provisioning the first time takes seconds to minutes (it installs
     * packages), and then one quick check. Throws {@link PythonEnvironmentException} with what
     * to do when there is no usable Python. Safe to call from several threads (and JVMs) at
     * once: a provisioned environment is built once.
     *
     * @return the command that runs Python, checked
     * @throws PythonEnvironmentException if there is no usable Python, or provisioning failed
     */
    public Resolved resolve() {
        switch (kind) {
            case FIXED: {
                Interpreter.Probe probe = Interpreter.probe(command);
                return new Resolved(command, source, probe.version(), (source == Source.INTERPRETER ? "interpreter "
                        : "command ") + Tool.describe(command) + " (Python " + probe.version() + ")");
            }
            case DETECT: {
                Detection.Found found = Detection.detect(System.getenv(), Path.of("").toAbsolutePath());
                Interpreter.Probe probe = Interpreter.probe(List.of(found.python().toString()));
                return new Resolved(List.of(found.python().toString()), Source.valueOf(found.way().name()), probe.version(),
                        found.python() + " (Python " + probe.version() + "), chosen because " + found.why());
            }
            default: {
                Provisioner.Provisioned p = new Provisioner(spec, RuntimeFiles.inThisJar()).provision();
                return new Resolved(List.of(p.python().toString()), Source.PROVISIONED, p.probe().version(),
                        "environment " + p.dir() + " (Python " + p.probe().version() + ", " + (p.built()
                        ? "created now" : "reused") + (p.installer() == null ? "" : ", installed with " + p.installer())
                        + ")");
            }
        }
    }

    /** {@return what this environment is, before it is resolved (no secrets: credentials in URLs are masked)} */
    public String description() {
        switch (kind) {
            case FIXED:
                return (source == Source.INTERPRETER ? "interpreter " : "command ") + Tool.describe(command);
            case DETECT:
                return "detect (VIRTUAL_ENV, CONDA_PREFIX, ./.venv, python3 on PATH)";
            default:
                return "provisioned in " + (spec.directory() != null ? spec.directory() : spec.cacheDir()) + " from "
                        + (spec.base() == null ? "the detected Python" : spec.base().toString())
                        + (spec.requirements().isEmpty() ? "" : " with " + Tool.mask(spec.requirements().toString()))
                        + (spec.editables().isEmpty() ? "" : " and -e " + spec.editables().stream()
                        .map(e -> e.project() + (e.extras().isEmpty() ? "" : e.extras().toString()))
                        .collect(java.util.stream.Collectors.joining(" -e ")))
                        + (spec.requirementsFile() == null ? "" : " and -r " + spec.requirementsFile());
        }
    }

    @Override
    public String toString() {
        return description();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PythonEnvironment && ((PythonEnvironment) o).kind == kind
                && ((PythonEnvironment) o).source == source && ((PythonEnvironment) o).command.equals(command)
                && Objects.equals(((PythonEnvironment) o).spec, spec);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, source, command, spec);
    }

    /** The command that runs Python, found and checked: what workers are started with. */
    public static final class Resolved {
        private final List<String> command;
        private final Source source;
        private final String pythonVersion;
        private final String description;

        private Resolved(List<String> command, Source source, String pythonVersion, String description) {
            this.command = List.copyOf(command);
            this.source = source;
            this.pythonVersion = pythonVersion;
            this.description = description;
        }

        /** {@return the interpreter (and any launcher words before it); the worker's arguments follow} */
        public List<String> command() { return command; }
        /** {@return how the interpreter was chosen: given, detected (and which way), or provisioned} */
        public Source source() { return source; }
        /** {@return the interpreter's version, such as {@code 3.11.7}} */
        public String pythonVersion() { return pythonVersion; }
        /** {@return which interpreter, and why this one} */
        public String description() { return description; }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * A managed venv: made on first use in the cache directory from a base interpreter, with
     * this jar's worker runtime, msgpack (and uvloop where it installs), and the requirements;
     * reused after, for as long as none of those change. Two JVMs asking at once build it once.
     */
    public static final class Builder {
        private Path cacheDirectory;
        private Path base;
        private final List<String> requirements = new ArrayList<>();
        private Path requirementsFile;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Path directory;
        private final List<Provisioner.Editable> editables = new ArrayList<>();
        private final List<String> badEditables = new ArrayList<>();

        private Builder() {
        }

        /**
         * Where environments are kept. Default: {@code $TAIPAN_CACHE_DIR} if set, else
         * {@code ~/.cache/taipan/envs}.
         *
         * @param dir the cache directory, or null for the default
         * @return this builder
         */
        public Builder cacheDirectory(Path dir) { this.cacheDirectory = dir; return this; }
        /**
         * The interpreter the venv is made from; default: the one {@link #detect()} finds.
         *
         * @param python the base interpreter, or null for the default
         * @return this builder
         */
        public Builder baseInterpreter(Path python) { this.base = python; return this; }
        /**
         * Requirements in pip's form ({@code "numpy>=1.26"}), added to the runtime's own.
         *
         * @param requirements one requirement each, checked in {@link #build()}
         * @return this builder
         */
        public Builder requirements(String... requirements) { return requirements(List.of(requirements)); }
        /**
         * {@link #requirements(String...)} from a list; each call adds to the earlier ones. A
         * requirement is one line and not an option ({@code -e}, {@code --index-url}): options
         * belong in a {@link #requirementsFile(Path) requirements file}.
         *
         * @param requirements one requirement each, checked in {@link #build()}
         * @return this builder
         */
        public Builder requirements(List<String> requirements) { this.requirements.addAll(requirements); return this; }
        /**
         * A pip requirements file (its contents are part of the environment's key).
         *
         * @param file the file, which must exist when {@link #build()} runs; null for none
         * @return this builder
         */
        public Builder requirementsFile(Path file) { this.requirementsFile = file; return this; }
        /**
         * Makes the environment exactly this directory (a project's {@code .venv}) instead of one
         * named by its key in the cache. It is built in place, its marker written last; when what
         * it was made from changes, it is deleted and built again, but only if it is empty, a
         * Taipan environment or a venv: any other non-empty directory is refused, never deleted.
         *
         * @param dir the environment's directory (not the file system root); null for the cache
         * @return this builder
         */
        public Builder directory(Path dir) { this.directory = dir; return this; }
        /**
         * A local project installed in editable mode, as {@code pip install -e project[extras...]}:
         * its sources stay where they are, so edits need no rebuild; a change to its
         * {@code pyproject.toml}, {@code setup.py} or {@code setup.cfg} makes a new environment.
         * A project holding {@code taipan_worker} (a Taipan checkout's {@code python/}) replaces
         * the worker runtime this jar carries. Each call adds a project.
         *
         * @param project the project's directory, with a {@code pyproject.toml} or {@code setup.py}
         *                (checked in {@link #build()})
         * @param extras  the project's extras to install with it, by name
         * @return this builder
         */
        public Builder editable(Path project, String... extras) {
            Objects.requireNonNull(project, "project");
            Objects.requireNonNull(extras, "extras");
            for (String extra : extras) {
                if (extra == null || !extra.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                    badEditables.add("extra '" + extra + "' of " + project + " is not an extra's name (letters, "
                            + "digits, '.', '_', '-')");
                }
            }
            editables.add(new Provisioner.Editable(project, List.of(extras)));
            return this;
        }
        /**
         * The longest one install step may take (default 10 minutes).
         *
         * @param timeout 1 s to {@link PoolConfig#MAX_DURATION}
         * @return this builder
         */
        public Builder timeout(Duration timeout) { this.timeout = timeout; return this; }

        /**
         * Validates and freezes; nothing is installed until the environment is resolved.
         *
         * @return the environment
         * @throws IllegalArgumentException naming what is wrong: a blank or multi-line requirement,
         *                                  an option given as a requirement, a missing requirements
         *                                  file, a timeout out of range, an editable project without
         *                                  a {@code pyproject.toml} or {@code setup.py}, a bad extra
         */
        public PythonEnvironment build() {
            for (String r : requirements) {
                check(r != null && !r.isBlank(), "requirements must be non-blank, got " + requirements);
                check(r.indexOf('\n') < 0 && r.indexOf('\r') < 0 && r.indexOf('\0') < 0,
                        "a requirement is one line: '" + Tool.mask(r) + "'");
                check(!r.strip().startsWith("-"), "'" + Tool.mask(r) + "' is an option, not a requirement: "
                        + "put installer options in a requirements file");
            }
            if (requirementsFile != null) {
                check(Files.isRegularFile(requirementsFile), "requirements file " + requirementsFile
                        + " does not exist (or is not a file)");
            }
            check(badEditables.isEmpty(), String.join("; ", badEditables));
            for (Provisioner.Editable e : editables) {
                check(Files.isRegularFile(e.project().resolve("pyproject.toml"))
                        || Files.isRegularFile(e.project().resolve("setup.py")), "editable project " + e.project()
                        + " has no pyproject.toml or setup.py: give the directory of a Python project");
            }
            if (directory != null) {
                check(!directory.toString().isBlank(), "directory must name a directory");
                check(directory.toAbsolutePath().normalize().getParent() != null,
                        "directory must not be the file system root, got " + directory);
            }
            check(timeout != null && timeout.compareTo(Duration.ofSeconds(1)) >= 0
                    && timeout.compareTo(PoolConfig.MAX_DURATION) <= 0, "timeout must be between 1 s and "
                    + PoolConfig.MAX_DURATION + ", got " + timeout);
            Path cache = cacheDirectory != null ? cacheDirectory
                    : defaultCacheDirectory(System.getenv(), System.getProperty("user.home"));
            List<String> stripped = new ArrayList<>();
            requirements.forEach(r -> stripped.add(r.strip()));
            return new PythonEnvironment(Kind.PROVISIONED, Source.PROVISIONED, List.of(),
                    new Provisioner.Spec(cache.toAbsolutePath(), base, stripped, requirementsFile, timeout,
                            Provisioner.RUNTIME_REQUIREMENTS, Provisioner.OPTIONAL_REQUIREMENTS,
                            directory == null ? null : directory.toAbsolutePath().normalize(), editables));
        }
    }

    /** {@code $TAIPAN_CACHE_DIR}, else {@code ~/.cache/taipan/envs}. */
    static Path defaultCacheDirectory(Map<String, String> env, String userHome) {
        String dir = env.get("TAIPAN_CACHE_DIR");
        try {
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir);
            }
            return Path.of(userHome).resolve(DEFAULT_CACHE);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("PythonEnvironment: TAIPAN_CACHE_DIR is not a path: " + dir, e);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("PythonEnvironment: " + message);
        }
    }
}
