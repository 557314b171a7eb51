/**
 * Taipan's core: a supervised pool of Python worker processes. Users see package
 * {@code dev.taipan} and nothing else; a consumer needs only {@code requires dev.taipan.core}.
 *
 * <p>The internals are exported, qualified, to the project's own modules that use them (as
 * OkHttp exports {@code okhttp3.internal.*} to its own artifacts): taipan-dspy converts
 * predictions with the pool's value rules ({@code JavaValues}); taipan-bench measures the
 * codec and the routing. Those targets are compiled after this module, so javac cannot see
 * them here: hence the suppressed "module not found" warning.
 *
 * <p>No type of a dependency appears in a public signature, so none is required
 * transitively. msgpack-core declares no module name (no module-info, no
 * Automatic-Module-Name in 0.9.10, the newest served), so it is the automatic module named from
 * its jar file ({@code msgpack.core}), and the compiler warns about a filename-based automodule.
 * Kept so on purpose, not shaded: the shade plugin does not rewrite this descriptor (the
 * published jar would still require {@code msgpack.core}), the reactor would test other classes
 * than it ships, and users could no longer take a msgpack fix on their own. Maven and Gradle keep
 * the jar's name, so the derived name holds; when msgpack-core names its module, this
 * {@code requires} follows (docs/ENVIRONMENTS.md, "msgpack-core on the module path"). POJO arguments and results are converted by
 * Jackson: on the module path, a package holding such classes must be open (or exported) to
 * {@code com.fasterxml.jackson.databind}.
 */
@SuppressWarnings("module")
module dev.taipan.core {
    requires org.slf4j;
    requires java.management;
    requires com.fasterxml.jackson.databind;
    requires msgpack.core;

    exports dev.taipan;
    exports dev.taipan.pool to dev.taipan.dspy, dev.taipan.bench;
    exports dev.taipan.protocol to dev.taipan.bench;
}
