package dev.taipan.bench;

/**
 * The Java interface the Py4J peer's Python object implements ({@code taipan_testing.py4j_echo.Echo},
 * {@code class Java: implements = ["dev.taipan.bench.Py4jEcho"]}); Java calls it through the proxy
 * that {@code ClientServer.getPythonServerEntryPoint} returns. Public because Py4J builds a
 * {@link java.lang.reflect.Proxy} of it.
 */
public interface Py4jEcho {
    /** Returns {@code value} as Python got it: an {@code int} comes back as an {@code Integer}, a {@code byte[]} as a {@code byte[]}. */
    Object echo(Object value);
}
