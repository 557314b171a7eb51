package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Makes (once) and finds (every time after) a managed venv holding the jar's worker runtime,
 * its dependencies and the user's requirements, in a cache directory:
 * <pre>
 *   envs/
 *     py3.11-1f0c2a9b7d4e5a60/           one environment, named by its key
 *       bin/python ...                  an ordinary venv
 *       taipan-runtime/taipan_worker/   the runtime, extracted from the jar
 *       taipan-env.properties           the marker: written last, what the env holds
 *     py3.11-1f0c2a9b7d4e5a60.lock      held while it is checked or built
 *     py3.11-1f0c2a9b7d4e5a60.building-*  a build under way (or left by a crash)
 * </pre>
 * The key is a hash of everything that decides the contents (the base interpreter and its
 * version, the requirements, the runtime's hash), so a change makes a new environment and an
 * unchanged configuration reuses the old one. An environment is built in a sibling directory
 * and renamed into place only when complete, with its marker already in it: a crash, a full
 * disk or a failed install leaves at most a {@code .building-*} directory, which the next
 * build removes, never a half environment under the final name. The lock file (a
 * {@link FileChannel#lock} across JVMs, plus an in-JVM lock, which file locks are not) makes
 * two processes asking for the same environment build it once.
 */
public final class Provisioner {
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);
    public static final String MARKER = "taipan-env.properties";
    public static final String RUNTIME_DIR = "taipan-runtime";
    /** Bumped when the layout of an environment changes, so old ones are not taken for new. */
    private static final String LAYOUT = "1";
    /** What the worker needs (python/pyproject.toml's dependencies). */
    public static final List<String> RUNTIME_REQUIREMENTS = List.of("msgpack>=1.0,<2");
    /** What makes it faster where it installs; an environment without it still works. */
    public static final List<String> OPTIONAL_REQUIREMENTS = List.of(
            "uvloop>=0.17; sys_platform != 'win32' and platform_python_implementation == 'CPython'");
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Less free than this where the cache is, after a failed build, and the disk is named as
     * the likely cause: not every installer says so (venv's ensurepip hides pip's
     * "No space left on device" behind "returned non-zero exit status 1"), and an installer
     * that cleans up its temporary files on the way out frees some room again.
     */
    static final long LOW_SPACE = 64L * 1024 * 1024;
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /**
     * What to provision. {@code base} null: the interpreter {@link Detection} finds.
     * {@code optionalRequirements}: installed after the rest, and skipped with a warning if they fail.
     * {@code directory} null: an environment in {@code cacheDir}, named by its key; otherwise the
     * environment is exactly that directory (see {@link #provision()}). {@code editables}: local
     * projects installed with {@code -e}.
     */
    public record Spec(Path cacheDir, Path base, List<String> requirements, Path requirementsFile, Duration timeout,
                       List<String> runtimeRequirements, List<String> optionalRequirements, Path directory,
                       List<Editable> editables) {
        public Spec {
            requirements = List.copyOf(requirements);
            runtimeRequirements = List.copyOf(runtimeRequirements);
            optionalRequirements = List.copyOf(optionalRequirements);
            editables = List.copyOf(editables);
        }

        /** An environment in the cache, without editable projects. */
        public Spec(Path cacheDir, Path base, List<String> requirements, Path requirementsFile, Duration timeout,
                    List<String> runtimeRequirements, List<String> optionalRequirements) {
            this(cacheDir, base, requirements, requirementsFile, timeout, runtimeRequirements, optionalRequirements,
                    null, List.of());
        }
    }

    /**
     * A local project installed in editable mode ({@code pip install -e project[extras]}): its
     * sources stay where they are, so the environment's key hashes only what declares it
     * ({@code pyproject.toml}, {@code setup.py}, {@code setup.cfg}).
     */
    public record Editable(Path project, List<String> extras) {
        public Editable {
            project = project.toAbsolutePath().normalize();
            extras = List.copyOf(extras);
        }

        /** What pip is given: the project's path and its extras in brackets. */
        String argument() {
            return project + (extras.isEmpty() ? "" : "[" + String.join(",", extras) + "]");
        }

        /** Whether the project holds the worker runtime itself (Taipan's own checkout). */
        boolean holdsRuntime() {
            return Files.isRegularFile(project.resolve("taipan_worker").resolve("__init__.py"));
        }
    }

    /** A ready environment: where, its interpreter, and whether this call built it. */
    public record Provisioned(Path dir, Path python, Interpreter.Probe probe, boolean built, String installer) {
    }

    private final Spec spec;
    private final RuntimeFiles runtime;
    private final Disk disk;
    /** This JVM's environment: where to look for uv and a base interpreter, which index is set. */
    private final Map<String, String> env;

    public Provisioner(Spec spec, RuntimeFiles runtime) {
        this(spec, runtime, Disk.REAL, System.getenv());
    }

    Provisioner(Spec spec, RuntimeFiles runtime, Disk disk, Map<String, String> env) {
        this.spec = spec;
        this.runtime = runtime;
        this.disk = disk;
        this.env = Map.copyOf(env);
    }

    public Provisioned provision() {
        Path base = spec.base() != null ? spec.base()
                : Detection.detect(env, Path.of("").toAbsolutePath()).python();
        Interpreter.Probe probe = Interpreter.probe(List.of(base.toString()));
        if (spec.directory() != null) {
            return provisionInPlace(probe);
        }
        String name = "py" + probe.minor() + "-" + key(probe).substring(0, 16);
        Path cache = spec.cacheDir().toAbsolutePath();
        Path dir = cache.resolve(name);
        if (isReady(dir, null) == null) {
            return new Provisioned(dir, Detection.venvPython(dir), probe, false, marker(dir).getProperty("installer"));
        }
        try {
            Files.createDirectories(cache);
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot create the environment cache " + cache + ": " + e
                    + (Disk.saysFull(e) ? diskFull(cache) : ". Make it writable, or choose another with "
                    + "provisioned().cacheDirectory(...) or TAIPAN_CACHE_DIR"), null, "", e);
        }
        Path lockFile = cache.resolve(name + ".lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            // Another JVM (or thread) may have built it while this one waited.
            String broken = isReady(dir, null);
            if (broken == null) {
                LOG.info("environment {} was made by another process meanwhile; using it", dir);
                return new Provisioned(dir, Detection.venvPython(dir), probe, false, marker(dir).getProperty("installer"));
            }
            if (Files.exists(dir)) {
                LOG.warn("environment {} is unusable ({}); removing and rebuilding it", dir, broken);
                deleteTree(dir);
            }
            removeLeftBuilds(cache, name);
            Path tmp = cache.resolve(name + ".building-" + UUID.randomUUID().toString().substring(0, 8));
            return build(probe, key(probe), tmp, dir, cache);
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot lock or clear the environment " + dir + ": " + e
                    + (Disk.saysFull(e) ? diskFull(cache) : ""), null, "", e);
        } finally {
            jvmLock.unlock();
        }
    }

    /**
     * The environment is exactly {@code spec.directory()}, built where it stands: a venv bakes its
     * absolute path into its scripts, so it cannot be built aside and renamed. The marker, written
     * last, holds the key; no marker or another key means a rebuild, which deletes the directory
     * only if it is empty, ours (a marker) or a venv (a {@code pyvenv.cfg}): never a user's files.
     */
    private Provisioned provisionInPlace(Interpreter.Probe probe) {
        Path dir = spec.directory().toAbsolutePath().normalize();
        String key = key(probe);
        if (isReady(dir, key) == null) {
            return new Provisioned(dir, Detection.venvPython(dir), probe, false, marker(dir).getProperty("installer"));
        }
        Path parent = dir.getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot create " + parent + " for the environment " + dir + ": " + e
                    + (Disk.saysFull(e) ? diskFull(parent) : ". Make it writable, or choose another directory"),
                    null, "", e);
        }
        // Beside the environment, not in it: the directory itself may be deleted while the lock is held.
        Path lockFile = parent.resolve(dir.getFileName() + ".taipan-lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            String broken = isReady(dir, key);
            if (broken == null) {
                LOG.info("environment {} was made by another process meanwhile; using it", dir);
                return new Provisioned(dir, Detection.venvPython(dir), probe, false, marker(dir).getProperty("installer"));
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                refuseForeign(dir);
                LOG.info("environment {}: {}; rebuilding it", dir, broken);
                deleteTree(dir);
            }
            return build(probe, key, dir, dir, parent);
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot lock or clear the environment " + dir + ": " + e
                    + (Disk.saysFull(e) ? diskFull(parent) : ""), null, "", e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** Throws unless {@code dir} is something a rebuild may delete: empty, ours, or a venv. */
    private static void refuseForeign(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new PythonEnvironmentException("cannot make the environment " + dir + ": it exists and is not a "
                    + "directory. Move it away, or choose another directory", null, "", null);
        }
        if (Files.exists(dir.resolve(MARKER)) || Files.exists(dir.resolve("pyvenv.cfg"))) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            if (entries.iterator().hasNext()) {
                throw new PythonEnvironmentException("refusing to delete " + dir + " to make an environment there: it "
                        + "is not empty, and it is neither a Taipan environment (no " + MARKER + ") nor a venv (no "
                        + "pyvenv.cfg). Move it away, or choose another directory", null, "", null);
            }
        }
    }

    /**
     * Null if {@code dir} is a complete, working environment (made for {@code key}, when one is
     * given); otherwise what is wrong with it.
     */
    private String isReady(Path dir, String key) {
        if (!Files.isDirectory(dir)) {
            return "absent";
        }
        if (!Files.isRegularFile(dir.resolve(MARKER))) {
            return "no " + MARKER + ": its build never finished";
        }
        if (key != null && !key.equals(marker(dir).getProperty("key"))) {
            return "made for other inputs (its key differs: requirements, lock file, project metadata, Python or "
                    + "Taipan changed)";
        }
        Tool.Result r = check(Detection.venvPython(dir), dir);
        return r.ok() ? null : "its python fails 'import taipan_worker, msgpack': " + r.tail();
    }

    private static Tool.Result check(Path python, Path dir) {
        try {
            return Tool.run(List.of(python.toString(), "-c", "import taipan_worker, msgpack"), Map.of(), dir,
                    CHECK_TIMEOUT);
        } catch (IOException e) {
            return new Tool.Result(-1, e.getMessage());
        }
    }

    /**
     * Builds the environment in {@code tmp} and renames it to {@code dir}; in place when they are
     * the same. {@code cache}: where the disk is judged when something fails.
     */
    private Provisioned build(Interpreter.Probe probe, String key, Path tmp, Path dir, Path cache) {
        long t0 = System.nanoTime();
        boolean inPlace = tmp.equals(dir);
        Path basePython = Path.of(probe.baseExecutable());
        Installer installer = Installer.choose(basePython, spec.base(), env);
        List<String> required = new ArrayList<>(spec.runtimeRequirements());
        required.addAll(spec.requirements());
        int count = required.size() + spec.optionalRequirements().size();
        boolean ownRuntime = spec.editables().stream().anyMatch(Editable::holdsRuntime);
        LOG.info("creating environment {} from {} (Python {}): {} install {} {}{}{}", dir, basePython,
                probe.version(), installer.name(), count, count == 1 ? "package" : "packages",
                spec.editables().isEmpty() ? "" : ", " + spec.editables().size() + " editable",
                spec.requirementsFile() == null ? "" : " and " + spec.requirementsFile());
        try {
            // In place, the environment is a developer's venv: with pip in it, as venv would make it.
            run(installer.createVenv(basePython, tmp, inPlace), "create the venv", installer, cache);
            Path python = Detection.venvPython(tmp);
            if (!ownRuntime) {
                runtime.extractTo(tmp.resolve(RUNTIME_DIR), disk);
                linkRuntime(python, tmp);
            }
            List<String> editables = spec.editables().stream().map(Editable::argument).collect(Collectors.toList());
            LOG.info("installing {}{}{}", describe(required), editables.isEmpty() ? "" : ", -e "
                    + String.join(" -e ", editables), spec.requirementsFile() == null ? ""
                    : " with -r " + spec.requirementsFile());
            run(installer.install(python, required, spec.requirementsFile(), editables), "install "
                    + describe(required) + (editables.isEmpty() ? "" : " and -e " + String.join(" -e ", editables)),
                    installer, cache);
            if (!spec.optionalRequirements().isEmpty()) {
                Tool.Result r = Tool.run(installer.install(python, spec.optionalRequirements(), null), Map.of(), null,
                        spec.timeout());
                if (!r.ok()) {
                    LOG.warn("environment {}: optional {} did not install; the worker runs without it: {}", dir,
                            describe(spec.optionalRequirements()), r.tail());
                }
            }
            Tool.Result check = check(python, tmp);
            if (!check.ok()) {
                throw new PythonEnvironmentException("the new environment's python cannot import taipan_worker and "
                        + "msgpack: " + check.tail(), check.exitCode(), check.tail(), null);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            writeMarker(tmp, key, probe, installer, seconds, ownRuntime);
            if (!inPlace) {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            }
            LOG.info("environment {} ready in {} s", dir, String.format(Locale.ROOT, "%.1f", seconds));
            return new Provisioned(dir, Detection.venvPython(dir), probe, true, installer.name());
        } catch (IOException e) {
            // Judged before the half-built directory goes: removing it frees what it took.
            String hint = Disk.saysFull(e) || lowSpace(cache) ? diskFull(cache) : "";
            deleteQuietly(tmp);
            throw new PythonEnvironmentException("cannot create the environment " + dir + ": " + e + hint, null, "", e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private void run(List<String> command, String what, Installer installer, Path cache) throws IOException {
        LOG.debug("running {}", Tool.describe(command));
        Tool.Result r;
        try {
            r = Tool.run(command, Map.of(), null, spec.timeout());
        } catch (IOException e) {
            throw new PythonEnvironmentException("cannot " + what + ": cannot run " + Tool.describe(command) + ": "
                    + e.getMessage(), null, "", e);
        }
        if (!r.ok()) {
            String tail = r.tail();
            throw new PythonEnvironmentException("cannot " + what + " ("
                    + (r.exitCode() == null ? "no end within " + spec.timeout() : "exit " + r.exitCode()) + "):\n"
                    + tail + hint(r.output(), installer, cache), r.exitCode(), tail, null);
        }
    }

    /**
     * What to do, for the failures an install commonly meets; judged on the whole output, as
     * the cause may come before the last lines. The order matters: without an index, pip too
     * ends with "No matching distribution found", after the connection errors that say why.
     */
    private String hint(String output, Installer installer, Path cache) {
        String t = output.toLowerCase(Locale.ROOT);
        if (Disk.saysFull(output)) {
            return lowSpace(cache) || free(cache) < 0 ? diskFull(cache)
                    : "\nNo space left on device, but the disk holding the environment cache " + cache + " has "
                    + mib(free(cache)) + " free: the full one is likely the installer's temporary directory "
                    + "(TMPDIR). Free space there, or point TMPDIR at a disk with room";
        }
        if (t.contains("connection") || t.contains("connect error") || t.contains("name resolution")
                || t.contains("name or service not known") || t.contains("nodename nor servname")
                || t.contains("network is unreachable") || t.contains("timed out") || t.contains("dns error")
                || t.contains("failed to fetch") || t.contains("proxy")) {
            return "\nThe package index (" + index(installer) + ") could not be reached: check the network and "
                    + "proxy (HTTPS_PROXY). Behind a firewall, point the installer at a mirror (PIP_INDEX_URL, or "
                    + "UV_DEFAULT_INDEX for uv), or provision where the index can be reached (at image build time) "
                    + "and ship the cache";
        }
        if (t.contains("no matching distribution") || t.contains("not found in the package registry")
                || t.contains("because there is no version of") || t.contains("no solution found")) {
            return "\nCheck the requirement's name and version (a typo? a version that does not exist?)";
        }
        // The installer did not say why; a disk that (nearly) filled up is a reason it hides.
        if (lowSpace(cache)) {
            return diskFull(cache);
        }
        // uv was chosen because its --version ran; that does not make it work (a panic, a
        // build for another system's libraries, a cache it cannot write). Say which uv, since
        // the user may not know Taipan picked it up, and how to get the pip path instead.
        if (installer.name().equals("uv")) {
            return "\nThe installer was uv (" + installer.command() + ")" + (t.contains("panicked")
                    ? ", which crashed" : "") + ": if uv itself is broken, reinstall it (pip install -U uv) or take it"
                    + " off PATH and out of the base interpreter; without a uv that runs, Taipan uses venv and pip";
        }
        return "";
    }

    /** Which index the installer asked, as its environment sets it (credentials masked). */
    private String index(Installer installer) {
        List<String> vars = installer.name().equals("uv") ? List.of("UV_DEFAULT_INDEX", "UV_INDEX_URL")
                : List.of("PIP_INDEX_URL");
        for (String var : vars) {
            String url = env.get(var);
            if (url != null && !url.isBlank()) {
                return Tool.mask(url.strip()) + " from " + var;
            }
        }
        return "PyPI, unless " + (installer.name().equals("uv") ? "uv's" : "pip's") + " configuration names another";
    }

    private String diskFull(Path cache) {
        long free = free(cache);
        return "\nThe disk holding the environment cache " + cache + " is full" + (free < 0 ? "" : " (" + mib(free)
                + " free)") + ": free space there, or put the cache elsewhere (provisioned().cacheDirectory(...) "
                + "or TAIPAN_CACHE_DIR)";
    }

    private boolean lowSpace(Path cache) {
        long free = free(cache);
        return free >= 0 && free < LOW_SPACE;
    }

    /** Usable bytes where the cache is; -1 if that cannot be told. */
    private long free(Path cache) {
        try {
            return disk.usableSpace(cache);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /**
     * Makes the extracted runtime importable with a {@code .pth} file in site-packages that
     * names it relatively: the environment is built under a temporary name and renamed, and
     * a relative entry survives that (site resolves it against site-packages). The runtime
     * stays apart from what pip manages, so no install can overwrite or uninstall it.
     */
    private void linkRuntime(Path python, Path envDir) throws IOException {
        Tool.Result r = Tool.run(List.of(python.toString(), "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])"), Map.of(), null, CHECK_TIMEOUT);
        if (!r.ok()) {
            throw new PythonEnvironmentException("the new venv's python does not run: " + r.tail(), r.exitCode(),
                    r.tail(), null);
        }
        Path purelib = Path.of(r.output().strip());
        Path relative = purelib.toAbsolutePath().normalize().relativize(envDir.toAbsolutePath().normalize()
                .resolve(RUNTIME_DIR));
        disk.write(purelib.resolve("taipan-runtime.pth"),
                (relative.toString().replace('\\', '/') + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void writeMarker(Path dir, String key, Interpreter.Probe probe, Installer installer, double seconds,
                             boolean ownRuntime) throws IOException {
        Properties p = new Properties();
        p.setProperty("key", key);
        p.setProperty("taipan.version", runtime.version());
        if (ownRuntime) {
            p.setProperty("runtime", "editable");
        } else {
            p.setProperty("runtime.sha256", runtime.sha256());
        }
        if (!spec.editables().isEmpty()) {
            p.setProperty("editables", spec.editables().stream().map(Editable::argument)
                    .collect(Collectors.joining("\n")));
        }
        p.setProperty("base", probe.baseExecutable());
        p.setProperty("python.version", probe.version());
        p.setProperty("requirements", Tool.mask(String.join("\n", spec.requirements())));
        if (spec.requirementsFile() != null) {
            p.setProperty("requirements.file", spec.requirementsFile().toAbsolutePath().toString());
        }
        p.setProperty("installer", installer.name());
        p.setProperty("build", UUID.randomUUID().toString());
        p.setProperty("created", Instant.now().toString());
        p.setProperty("seconds", String.format(Locale.ROOT, "%.1f", seconds));
        StringBuilder text = new StringBuilder("# A Taipan-managed Python environment; written last, when complete.\n");
        p.stringPropertyNames().stream().sorted().forEach(k -> text.append(k).append('=')
                .append(p.getProperty(k).replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
        disk.write(dir.resolve(MARKER), text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The marker's properties (empty if it cannot be read). */
    public static Properties marker(Path dir) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(Files.readString(dir.resolve(MARKER), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // no marker: an empty answer
        }
        return p;
    }

    /** The key: a hash of all that decides what the environment holds. */
    private String key(Interpreter.Probe probe) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> parts = new ArrayList<>(List.of("layout " + LAYOUT, "base " + probe.baseExecutable(),
                "python " + probe.version(), "taipan " + runtime.version()));
        // An editable project that holds the runtime replaces the jar's copy, whose hash then
        // decides nothing (and would rebuild the environment at every edit of its sources).
        if (spec.editables().stream().noneMatch(Editable::holdsRuntime)) {
            parts.add("runtime " + runtime.sha256());
        }
        if (spec.directory() != null) {
            parts.add("directory " + spec.directory().toAbsolutePath().normalize());
        }
        spec.runtimeRequirements().forEach(r -> parts.add("needs " + r));
        spec.optionalRequirements().forEach(r -> parts.add("optional " + r));
        spec.requirements().forEach(r -> parts.add("requirement " + r));
        for (String part : parts) {
            d.update(part.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
        }
        for (Editable e : spec.editables()) {
            d.update(("editable " + e.argument()).getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            for (String metadata : List.of("pyproject.toml", "setup.py", "setup.cfg")) {
                Path file = e.project().resolve(metadata);
                if (Files.isRegularFile(file)) {
                    try {
                        d.update(metadata.getBytes(StandardCharsets.UTF_8));
                        d.update(Files.readAllBytes(file));
                    } catch (IOException ex) {
                        throw new PythonEnvironmentException("cannot read " + file + " of the editable project "
                                + e.project() + ": " + ex, null, "", ex);
                    }
                }
            }
        }
        if (spec.requirementsFile() != null) {
            try {
                d.update(Files.readAllBytes(spec.requirementsFile()));
            } catch (IOException e) {
                throw new PythonEnvironmentException("cannot read the requirements file " + spec.requirementsFile()
                        + ": " + e, null, "", e);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static String describe(List<String> requirements) {
        return Tool.mask(String.join(", ", requirements));
    }

    /** Builds of this environment that a crash (or a kill) left behind: the lock says none is running. */
    private static void removeLeftBuilds(Path cache, String name) throws IOException {
        try (DirectoryStream<Path> left = Files.newDirectoryStream(cache, name + ".building-*")) {
            for (Path p : left) {
                LOG.warn("removing {}, a build of environment {} that never finished", p, name);
                deleteTree(p);
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not remove the unfinished environment {}: {}", dir, e.toString());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            // Deepest first; walk does not follow links, so a venv's symlinked python is removed, not its target.
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
